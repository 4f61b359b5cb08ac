import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';

const block = (n: number) => ({ number: BigInt(n), hash: `0x${n.toString(16).padStart(64, '0')}`, parentHash: `0x${(n - 1).toString(16).padStart(64, '0')}`, timestamp: 1_700_000_000 + n });

describe('the store records which handed-on blocks every stage is through with', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
  });
  afterAll(async () => {
    await store.close();
  });

  it('a block is pending from hand-on until extract or screen finds nothing, and a repeat hand-on does not reopen it', async () => {
    await store.handed.recordHanded('c1', block(1));
    await store.handed.recordHanded('c1', block(2));
    await store.handed.recordHanded('c1', block(1));
    expect((await store.handed.pending('c1')).map((b) => b.number)).toEqual([1n, 2n]);
    await store.handed.markDone('c1', block(1).hash);
    await store.handed.expectActs('c1', block(2).hash, []);
    await store.handed.recordHanded('c1', block(1));
    expect(await store.handed.pending('c1')).toEqual([]);
  });

  it('a block with matches is done once each act key is reported, however often and in whatever order', async () => {
    const b = block(10);
    await store.handed.recordHanded('c2', b);
    await store.handed.expectActs('c2', b.hash, ['k1', 'k2', 'k1']);
    await store.handed.actDone('c2', b.hash, 'k1');
    await store.handed.actDone('c2', b.hash, 'k1');
    // The screen job run again after Redis lost the queues: k1 is not waited for again.
    await store.handed.expectActs('c2', b.hash, ['k1', 'k2']);
    const [pending] = await store.handed.pending('c2');
    expect(pending).toMatchObject({ number: 10n, hash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp, actsPending: ['k2'] });
    await Promise.all([store.handed.actDone('c2', b.hash, 'k2'), store.handed.actDone('c2', b.hash, 'k2')]);
    expect(await store.handed.pending('c2')).toEqual([]);
  });

  it('forgets orphaned blocks and prunes done ones once final, keeping pending ones', async () => {
    for (const n of [20, 21, 22]) await store.handed.recordHanded('c3', block(n));
    await store.handed.markDone('c3', block(20).hash);
    await store.handed.forget('c3', [block(22).hash]);
    expect(await store.handed.pruneDone('c3', 21n)).toBe(1);
    expect((await store.handed.pending('c3')).map((b) => b.number)).toEqual([21n]);
  });
});
