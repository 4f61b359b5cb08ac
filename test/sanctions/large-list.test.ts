/**
 * Lists of millions (issue "List lifecycle" 5): a list of 130,000 entries or more stopped all
 * screening (`Maximum call stack size exceeded` while its index loaded), and nine screen jobs
 * that found a new version at once each read its million rows. 200,000 entries here, above the
 * size that failed; `npm run bench:lists` loads 1,000,000 and prints time and memory.
 */
import { getAddress } from 'ethers';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { listId, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { ListIndexCache } from '../../src/pipeline/list-index-cache.js';
import { loadActiveLists } from '../../src/sanctions/active-lists.js';
import { screenAddress } from '../../src/sanctions/screen-address.js';
import type { Store } from '../../src/store/index.js';
import { countingReads } from '../helpers/list-reads.js';
import { openPostgresTestStore } from '../helpers/pg-schema.js';
import { insertSyntheticSnapshot, syntheticEntry } from '../helpers/synthetic-list.js';

const COUNT = 200_000;
const BIG = listId('big-watchlist');
const log = pino({ level: 'silent' });

const asListed = (n: number): SanctionEntry => ({ ...syntheticEntry(n), listId: BIG, listVersion: 1 });

describe(`a list of ${COUNT.toLocaleString('en')} entries`, () => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await openPostgresTestStore('cordon_biglist', 4));
    const entries = Array.from({ length: COUNT }, (_, n) => syntheticEntry(n));
    await insertSyntheticSnapshot(store, BIG, entries);
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

  it('nine screen jobs that find it at once share one read of the store', async () => {
    const { config } = loadConfig({ env: {} });
    const { lists, reads } = countingReads(store.lists);
    const cache = new ListIndexCache(lists, config, log);
    const loaded = await Promise.all(Array.from({ length: 9 }, () => cache.current()));
    expect(reads).toEqual([`${BIG}@1`]);
    for (const l of loaded) expect(l.index).toBe(loaded[0]?.index);
    const evm = asListed(2_024);
    expect(loaded[0]?.index.lookup({ family: 'evm', address: evm.address })).toEqual([evm]);
  });
});
