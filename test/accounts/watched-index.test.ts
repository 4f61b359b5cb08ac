import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createWatchedAddressIndex, type WatchedChangesRepo } from '../../src/accounts/index.js';
import { normaliseForFamily, type NormalisedAddress } from '../../src/domain/address.js';
import type { WatchedAddressPage } from '../../src/store/accounts-repo.js';
import { openStore, type Store } from '../../src/store/index.js';
import { memoryLogger } from '../chains/evm/memory-log.js';
import { openPostgresTestStore } from '../helpers/pg-schema.js';

const evm = (a: string): NormalisedAddress => normaliseForFamily(a, 'evm');
const address = (i: number): NormalisedAddress => evm(`0x${(BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc835n & ((1n << 160n) - 1n)).toString(16).padStart(40, '0')}`);

/** A repo whose catch-ups are counted, and can be held until released. */
function watchedRepo(inner: WatchedChangesRepo): WatchedChangesRepo & { calls: number; hold(): () => void } {
  let gate: Promise<void> | undefined;
  const repo = {
    calls: 0,
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
    async watchedAddressesSince(chain: string, version: bigint | null, page: WatchedAddressPage) {
      repo.calls++;
      const asked = inner.watchedAddressesSince(chain, version, page);
      // Asked first, then held: what it sees is what was committed when it was asked.
      const answer = await asked;
      if (gate !== undefined) await gate;
      return answer;
    },
  };
  return repo;
}

const backends: [string, () => Promise<{ store: Store; close: () => Promise<void> }>][] = [
  [
    'pglite (memory)',
    async () => {
      const store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
      return { store, close: () => store.close() };
    },
  ],
  ['postgres (fresh schema)', () => openPostgresTestStore('cordon_watched_index', 2)],
];

describe.each(backends)('watched-address index on %s', (_name, open) => {
  let store: Store;
  let close: () => Promise<void>;
  let next = 0;
  /** Fresh addresses for each test, so that tests share the store without seeing each other's. */
  const fresh = (): NormalisedAddress => address(next++);
  const watch = (chain: string, a: NormalisedAddress, accountId = 'acct-1') =>
    store.accounts.upsertWatchedAddress({ chain, address: a, accountId, kind: 'deposit' });

  beforeAll(async () => {
    ({ store, close } = await open());
  });
  afterAll(async () => {
    await close();
  });

  it('holds every watched address of the chain, and none of other chains', async () => {
    const mine = [fresh(), fresh(), fresh()];
    const theirs = fresh();
    await store.accounts.upsertWatchedAddresses(mine.map((a) => ({ chain: 'eth-a', address: a, accountId: 'acct-1', kind: 'deposit' as const })));
    await watch('base-a', theirs);
    const index = createWatchedAddressIndex(store.accounts, memoryLogger().log);
    const set = await index.current('eth-a');
    for (const a of mine) expect(set.has(a)).toBe(true);
    expect(set.has(theirs)).toBe(false);
    expect((await index.current('base-a')).has(theirs)).toBe(true);
  });

  it('an address watched after the last call is in the next one (a deposit address handed out a moment ago)', async () => {
    const index = createWatchedAddressIndex(store.accounts, memoryLogger().log);
    const before = fresh();
    await watch('eth-b', before);
    expect((await index.current('eth-b')).has(before)).toBe(true);
    const later = fresh();
    expect((await index.current('eth-b')).has(later)).toBe(false);
    await watch('eth-b', later);
    expect((await index.current('eth-b')).has(later)).toBe(true);
    // Re-assigned to another account: still watched.
    await watch('eth-b', before, 'acct-2');
    expect((await index.current('eth-b')).has(before)).toBe(true);
  });

  it('callers at the same moment share one catch-up', async () => {
    const repo = watchedRepo(store.accounts);
    const index = createWatchedAddressIndex(repo, memoryLogger().log);
    const a = fresh();
    await watch('eth-c', a);
    const sets = await Promise.all([index.current('eth-c'), index.current('eth-c'), index.current('eth-c')]);
    expect(sets.every((s) => s.has(a))).toBe(true);
    // The first starts one; the two that arrive while it runs share the one queued after it.
    expect(repo.calls).toBe(2);
  });

  it('a call made while a catch-up is in flight waits for one that started after it: a write in between is seen', async () => {
    const repo = watchedRepo(store.accounts);
    const index = createWatchedAddressIndex(repo, memoryLogger().log);
    await index.current('eth-d');
    const release = repo.hold();
    const early = index.current('eth-d');
    await new Promise((r) => setTimeout(r, 50)); // the held catch-up has asked the store by now
    const written = fresh();
    await watch('eth-d', written);
    const late = index.current('eth-d');
    release();
    await early;
    expect((await late).has(written)).toBe(true);
  });

  it('a store failure fails the call, and the next call catches up from where the last good one was', async () => {
    const a = fresh();
    const b = fresh();
    await watch('eth-e', a);
    let failing = false;
    const repo: WatchedChangesRepo = {
      watchedAddressesSince: (chain, version, page) =>
        failing ? Promise.reject(new Error('connection refused')) : store.accounts.watchedAddressesSince(chain, version, page),
    };
    const index = createWatchedAddressIndex(repo, memoryLogger().log);
    expect((await index.current('eth-e')).has(a)).toBe(true);
    failing = true;
    await watch('eth-e', b);
    await expect(index.current('eth-e')).rejects.toThrow('connection refused');
    failing = false;
    const set = await index.current('eth-e');
    expect(set.has(a) && set.has(b)).toBe(true);
  });

  it('reads the store a page at a time, on the first load and on catch-ups, and misses nothing between pages', async () => {
    const bulk = Array.from({ length: 5 }, fresh);
    const single = [fresh(), fresh()];
    // Five rows of one version (one bulk write), then two of their own.
    await store.accounts.upsertWatchedAddresses(bulk.map((a) => ({ chain: 'eth-g', address: a, accountId: 'acct-1', kind: 'deposit' as const })));
    for (const a of single) await watch('eth-g', a);
    const repo = watchedRepo(store.accounts);
    const { log, lines } = memoryLogger();
    const index = createWatchedAddressIndex(repo, log, { pageSize: 2 });
    const set = await index.current('eth-g');
    for (const a of [...bulk, ...single]) expect(set.has(a)).toBe(true);
    expect(set.size).toBe(7);
    expect(repo.calls).toBe(4); // 2 + 2 + 2 + 1
    expect(lines.filter((l) => l.msg === 'watched addresses loaded')).toEqual([expect.objectContaining({ chain: 'eth-g', addresses: 7 })]);

    // A catch-up pages too, and a write that lands between two of its pages is in by its end.
    const more = Array.from({ length: 3 }, fresh);
    await store.accounts.upsertWatchedAddresses(more.map((a) => ({ chain: 'eth-g', address: a, accountId: 'acct-2', kind: 'deposit' as const })));
    const between = fresh();
    let pages = 0;
    const writing: WatchedChangesRepo = {
      async watchedAddressesSince(chain, version, page) {
        const answer = await repo.watchedAddressesSince(chain, version, page);
        if (++pages === 1) await watch('eth-g', between);
        return answer;
      },
    };
    const again = createWatchedAddressIndex(writing, memoryLogger().log, { pageSize: 2 });
    const caught = await again.current('eth-g');
    for (const a of [...bulk, ...single, ...more, between]) expect(caught.has(a)).toBe(true);
    expect(caught.size).toBe(11);
    const before = repo.calls;
    expect((await index.current('eth-g')).size).toBe(11);
    expect(repo.calls - before).toBe(3); // the 4 new rows: 2 + 2 + an empty page
  });

  it('a chain with no watched address yet says so once, not at every catch-up', async () => {
    const { log, lines } = memoryLogger();
    const index = createWatchedAddressIndex(store.accounts, log);
    for (let i = 0; i < 3; i++) expect((await index.current('eth-none')).size).toBe(0);
    expect(lines.filter((l) => l.msg === 'watched addresses loaded')).toHaveLength(1);
  });

  it('a row that is no EVM address is skipped with one warning, and the rest still load', async () => {
    const good = fresh();
    await store.accounts.upsertWatchedAddresses([
      { chain: 'eth-f', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' as NormalisedAddress, accountId: 'acct-1', kind: 'deposit' },
      { chain: 'eth-f', address: good, accountId: 'acct-1', kind: 'deposit' },
    ]);
    const { log, lines } = memoryLogger();
    const index = createWatchedAddressIndex(store.accounts, log);
    expect((await index.current('eth-f')).has(good)).toBe(true);
    await watch('eth-f', fresh());
    await index.current('eth-f');
    const warnings = lines.filter((l) => l.msg.includes('not an EVM address'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ chain: 'eth-f', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' });
  });
});
