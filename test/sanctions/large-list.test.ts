/**
 * Lists of millions (issue "List lifecycle" 5): a list of 130,000 entries or more stopped all
 * screening (`Maximum call stack size exceeded` while its index loaded), and nine screen jobs
 * that found a new version at once each read its million rows. 200,000 entries here, above the
 * size that failed; `npm run bench:lists` loads 1,000,000 and prints time and memory.
 */
import { getAddress } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listId, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { loadActiveLists } from '../../src/sanctions/active-lists.js';
import { screenAddress } from '../../src/sanctions/screen-address.js';
import type { Store } from '../../src/store/index.js';
import { openPostgresTestStore } from '../helpers/pg-schema.js';
import { insertSyntheticSnapshot, syntheticEntry } from '../helpers/synthetic-list.js';

const COUNT = 200_000;
const BIG = listId('big-watchlist');

const asListed = (n: number): SanctionEntry => ({ ...syntheticEntry(n), listId: BIG, listVersion: 1 });

describe(`a list of ${COUNT.toLocaleString('en')} entries`, () => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await openPostgresTestStore('cordon_biglist', 4));
    const entries = Array.from({ length: COUNT }, (_, n) => syntheticEntry(n));
    await insertSyntheticSnapshot(store.db, BIG, entries);
  });
  afterAll(async () => close?.());

  it('loads and screens a listed deposit address, with its entry as stored', async () => {
    const active = await loadActiveLists(store.lists);
    expect(active.entryCount).toBe(COUNT);
    expect(active.index.size).toBe(COUNT);

    const evm = asListed(123_456);
    expect(screenAddress(active.index, getAddress(evm.address), 'evm').matches).toEqual([evm]);
    const btc = asListed(COUNT - 1);
    expect(screenAddress(active.index, btc.address.toUpperCase(), 'bitcoin').matches).toEqual([btc]);
    // The first and last entries of every page of the store read are in too.
    for (const n of [0, 49_999, 50_000, 99_999, 100_000, 150_000]) {
      expect(screenAddress(active.index, asListed(n).address).matches).toEqual([asListed(n)]);
    }
    expect(screenAddress(active.index, '0x0000000000000000000000000000000000000001').matches).toEqual([]);
  });
});
