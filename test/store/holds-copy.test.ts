/**
 * The copy of the holds an embedded store keeps for `cordon holds list` (store/holds-copy.ts):
 * gone while a process holds the store, written at close, and answering every filter exactly
 * as the store's own query does.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { confirmHold, raiseHold, releaseHold } from '../../src/holds/index.js';
import { holdsCopyPath, MAX_HOLDS_IN_COPY, readHoldsCopy, writeHoldsCopy } from '../../src/store/holds-copy.js';
import { openStore, StoreClosed, type HoldsRepo, type Store, type StoredHold } from '../../src/store/index.js';
import { depositMatch, freshTx, seedSdn, USDT } from '../holds/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cordon-holds-copy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open = (dataDir: string): Promise<Store> => openStore({ driver: 'pglite', dataDir });

type Filter = Parameters<HoldsRepo['listHolds']>[0];
const FILTERS: readonly Filter[] = [
  { limit: 100 },
  { limit: 2 },
  { limit: 1 },
  { state: 'open', limit: 100 },
  { state: 'released', limit: 100 },
  { state: 'confirmed', limit: 100 },
  { state: 'orphaned', limit: 100 },
  { accountId: 'acct-7731', limit: 100 },
  { accountId: 'acct-2', state: 'confirmed', limit: 100 },
  { accountId: 'ACCT-2', limit: 100 },
  { chain: 'ethereum', limit: 3 },
  { chain: 'bitcoin', limit: 100 },
  { listId: 'ofac-sdn', limit: 100 },
  { listId: 'other', limit: 100 },
];

describe('the copy of the holds in an embedded store', () => {
  const dataDir = join(dir, 'store');

  it('is written at close and answers every filter as the store does, hold for hold', async () => {
    const store = await open(dataDir);
    try {
      const entry = await seedSdn(store);
      await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx(), amount: 2_500_000_000_000_000_000n, units: { symbol: 'ETH', decimals: 18 } }), 3);
      const usdt = await raiseHold(
        store.holds,
        depositMatch({ entry, txHash: freshTx(), accountId: 'acct-2', asset: { kind: 'token', contract: USDT }, amount: 1_285_000_000n, units: { symbol: 'USDT', decimals: 6 } }),
        1,
      );
      await confirmHold(store.holds, usdt.hold.id, 'ana', 'true match');
      const released = await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx() }), 12);
      await releaseHold(store.holds, released.hold.id, 'ana', 'refunded by the exchange');
      const withdrawn = await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx() }), 2, { retroactive: true });
      await store.holds.recordBasisChange(withdrawn.hold.id, {
        listId: entry.listId,
        listVersion: entry.listVersion + 1,
        entryUid: entry.entryUid,
        basis: 'withdrawn',
        programsBefore: entry.programs,
        programsAfter: null,
        reason: 'delisted',
      });
      expect(existsSync(holdsCopyPath(dataDir))).toBe(false);
    } finally {
      await store.close();
    }
    expect(existsSync(holdsCopyPath(dataDir))).toBe(true);

    const copy = await readHoldsCopy(dataDir);
    expect(copy).not.toBeNull();
    const fromCopy: StoredHold[][] = [];
    for (const f of FILTERS) fromCopy.push(await copy!.listHolds(f));
    expect(fromCopy[0]).toHaveLength(4);

    const again = await open(dataDir);
    try {
      expect(existsSync(holdsCopyPath(dataDir)), 'removed by the process that opens the store').toBe(false);
      for (const [i, f] of FILTERS.entries()) expect(fromCopy[i], JSON.stringify(f)).toEqual(await again.holds.listHolds(f));
    } finally {
      await again.close();
    }
  });

  it('has every change made by the process that closed last', async () => {
    const before = (await (await readHoldsCopy(dataDir))!.listHolds({ state: 'open', limit: 100 })).map((h) => h.id);
    const store = await open(dataDir);
    await releaseHold(store.holds, before[0]!, 'ana', 'cleared');
    await store.close();
    const after = await (await readHoldsCopy(dataDir))!.listHolds({ state: 'open', limit: 100 });
    expect(after.map((h) => h.id)).toEqual(before.slice(1));
  });

  it('leaves no copy after a process that held the store did not close it (a crash)', async () => {
    const crashed = await open(dataDir);
    expect(await readHoldsCopy(dataDir)).toBeNull();
    // The process "dies" here: the copy stays absent until the next process closes the store.
    expect(existsSync(holdsCopyPath(dataDir))).toBe(false);
    await crashed.close();
  });

  it('refuses statements once close began, after finishing those already started', async () => {
    const store = await open(dataDir);
    const entry = await seedSdn(store);
    const raising = raiseHold(store.holds, depositMatch({ entry, txHash: freshTx(), accountId: 'acct-late' }), 1);
    const closing = store.close();
    await expect(store.holds.listHolds({ limit: 1 })).rejects.toBeInstanceOf(StoreClosed);
    const { hold } = await raising;
    await closing;
    expect((await (await readHoldsCopy(dataDir))!.listHolds({ accountId: 'acct-late', limit: 10 })).map((h) => h.id)).toEqual([hold.id]);
  });

  it('is not read when damaged or of another format, and then the store is opened', async () => {
    const path = holdsCopyPath(dataDir);
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, good.slice(0, good.length / 2));
    expect(await readHoldsCopy(dataDir)).toBeNull();
    writeFileSync(path, good.replace('"cordon-holds/1"', '"cordon-holds/99"'));
    expect(await readHoldsCopy(dataDir)).toBeNull();
    writeFileSync(path, good.replace(/"amount":"\d+"/, '"amount":"12.5"'));
    expect(await readHoldsCopy(dataDir)).toBeNull();
  });

  it('is not written past MAX_HOLDS_IN_COPY holds', async () => {
    const many = join(dir, 'many');
    const lister = {
      listHolds: ({ limit }: Filter) => Promise.resolve(Array.from({ length: Math.min(limit, MAX_HOLDS_IN_COPY + 1) }) as StoredHold[]),
    } as HoldsRepo;
    expect(await writeHoldsCopy(many, lister, { warn: () => undefined })).toBe('too-many');
    expect(existsSync(holdsCopyPath(many))).toBe(false);
  });
});
