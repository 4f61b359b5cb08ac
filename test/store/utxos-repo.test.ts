import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { openStore, type Store } from '../../src/store/store.js';
import { dropSchema, freshSchema, PG_URL } from '../helpers/pg-schema.js';

const CHAIN = 'btc';
const HOT = 'bcrt1qhot' as NormalisedAddress;
const tx = (label: string): string => label.padEnd(64, '0');
const B1 = { hash: 'b1', number: 1n };
const B2 = { hash: 'b2', number: 2n };
const B2B = { hash: 'b2b', number: 2n };
const schema = freshSchema('cordon_utxos');

describe.each([
  ['pglite', () => openStore({ driver: 'pglite', dataDir: 'memory://' })],
  ['postgres', () => openStore({ driver: 'postgres', url: PG_URL, schema })],
] as const)('the exchange\'s outputs (utxos repo) on %s', (backend, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
    await store.db.exec('DELETE FROM exchange_utxos; DELETE FROM orphaned_blocks;');
    return () => store.close();
  });
  afterAll(async () => {
    if (backend === 'postgres') await dropSchema(schema);
  });

  it('records outputs once (replays and retries change nothing) and finds them among outpoints', async () => {
    const outs = [{ txid: tx('a'), vout: 1, address: HOT, value: 30n * 10n ** 8n }];
    expect(await store.utxos.recordOutputs(CHAIN, B1, outs)).toBe(1);
    expect(await store.utxos.recordOutputs(CHAIN, B1, outs)).toBe(0);
    expect(await store.utxos.ownedAmong(CHAIN, [`${tx('a')}:1`, `${tx('a')}:0`, `${tx('z')}:1`], B2.hash)).toEqual([`${tx('a')}:1`]);
    expect(await store.utxos.ownedAmong('other-chain', [`${tx('a')}:1`], B2.hash)).toEqual([]);
    const [row] = await store.utxos.listUtxos(CHAIN);
    expect(row).toMatchObject({ txid: tx('a'), vout: 1, blockHash: 'b1', blockNumber: 1n, address: HOT, value: 3_000_000_000n, spentIn: null });
  });

  it('a spend hides the output from other blocks, not from the spending block itself (a replay), nor once that block is orphaned', async () => {
    await store.utxos.recordOutputs(CHAIN, B1, [{ txid: tx('a'), vout: 0, address: HOT, value: 1n }]);
    const spend = [{ txid: tx('a'), vout: 0, spentIn: tx('w') }, { txid: tx('q'), vout: 3, spentIn: tx('w') }];
    expect(await store.utxos.markSpent(CHAIN, B2.hash, spend)).toBe(1);
    expect(await store.utxos.markSpent(CHAIN, B2.hash, spend)).toBe(1); // idempotent
    expect(await store.utxos.listUtxos(CHAIN)).toEqual([]);
    expect(await store.utxos.ownedAmong(CHAIN, [`${tx('a')}:0`], B2.hash)).toEqual([`${tx('a')}:0`]);
    expect(await store.utxos.ownedAmong(CHAIN, [`${tx('a')}:0`], B2B.hash)).toEqual([]);
    expect(await store.utxos.markSpent(CHAIN, B2B.hash, spend)).toBe(0); // spent in a live block already
    await store.blocks.markOrphaned(CHAIN, [B2]);
    expect(await store.utxos.ownedAmong(CHAIN, [`${tx('a')}:0`], B2B.hash)).toEqual([`${tx('a')}:0`]);
    expect(await store.utxos.markSpent(CHAIN, B2B.hash, spend)).toBe(1);
    const [row] = await store.utxos.listUtxos(CHAIN, { includeSpent: true });
    expect(row).toMatchObject({ spentIn: tx('w'), spentBlockHash: 'b2b' });
  });

  it('outputs created in an orphaned block are not owned; the same tx mined again on the live branch is', async () => {
    await store.utxos.recordOutputs(CHAIN, B2, [{ txid: tx('d'), vout: 0, address: HOT, value: 5n }]);
    await store.blocks.markOrphaned(CHAIN, [B2]);
    expect(await store.utxos.ownedAmong(CHAIN, [`${tx('d')}:0`], 'b3')).toEqual([]);
    await store.utxos.recordOutputs(CHAIN, B2B, [{ txid: tx('d'), vout: 0, address: HOT, value: 5n }]);
    expect(await store.utxos.ownedAmong(CHAIN, [`${tx('d')}:0`], 'b3')).toEqual([`${tx('d')}:0`]);
    await store.blocks.markCanonical(CHAIN, B2.hash);
    expect(await store.utxos.listUtxos(CHAIN)).toHaveLength(2);
  });
});
