/**
 * The screen workers' sanctions index: however many jobs ask at once, each list version is read
 * from the store once; a read that fails is tried again by the next job, not remembered.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { listId, type EntryDraft, type ListId } from '../../src/domain/sanction-entry.js';
import { ListIndexCache } from '../../src/pipeline/list-index-cache.js';
import { openStore, type Store } from '../../src/store/index.js';
import { countingReads, type CountedLists } from '../helpers/list-reads.js';
import { syntheticEntries } from '../helpers/synthetic-list.js';

const { config } = loadConfig({ env: {} });
const log = pino({ level: 'silent' });
const SDN = listId('ofac-sdn');
const OWN = listId('own-watchlist');

async function store(list: ListId, entries: readonly EntryDraft[], into: Store): Promise<number> {
  return into.lists.insertSnapshot({ listId: list, contentHash: `sha256:${list}-${entries.length}`, source: 'test', entries, addedCount: entries.length, removedCount: 0 });
}

describe('ListIndexCache', () => {
  let db: Store;
  let counted: CountedLists;

  beforeEach(async () => {
    db = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    await store(SDN, syntheticEntries(300, 'sdn'), db);
    await store(OWN, syntheticEntries(40, 'own'), db);
    counted = countingReads(db.lists);
  });
  afterEach(async () => db.close());

  it('nine jobs asking at once read each list version once and share one index', async () => {
    const cache = new ListIndexCache(counted.lists, config, log);
    const all = await Promise.all(Array.from({ length: 9 }, () => cache.current()));
    expect(counted.reads.sort()).toEqual([`${SDN}@1`, `${OWN}@1`]);
    for (const lists of all) expect(lists).toBe(all[0]);
    expect(all[0]?.entryCount).toBe(340);
  });

  it('a new version of one list reads that version only', async () => {
    const cache = new ListIndexCache(counted.lists, config, log, 0);
    await cache.current();
    counted.reads.length = 0;
    await store(OWN, syntheticEntries(41, 'own'), db);
    const [a, b] = await Promise.all([cache.current(), cache.current()]);
    expect(counted.reads).toEqual([`${OWN}@2`]);
    expect(a).toBe(b);
    expect(a?.snapshots.get(OWN)?.version).toBe(2);
    expect(a?.entryCount).toBe(341);
  });

  it('a read that fails fails the jobs waiting on it, and the next job reads again', async () => {
    const cache = new ListIndexCache(counted.lists, config, log);
    counted.failNext(1);
    const first = await Promise.allSettled([cache.current(), cache.current()]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const again = await cache.current();
    expect(again.entryCount).toBe(340);
  });

  it('replays pinned to the same versions share one read', async () => {
    const cache = new ListIndexCache(counted.lists, config, log);
    await store(SDN, syntheticEntries(301, 'sdn'), db);
    const pins = { [SDN]: 1, [OWN]: 1 };
    const all = await Promise.all(Array.from({ length: 4 }, () => cache.pinnedTo(pins)));
    expect(counted.reads.sort()).toEqual([`${SDN}@1`, `${OWN}@1`]);
    for (const lists of all) expect(lists).toBe(all[0]);
    expect(all[0]?.snapshots.get(SDN)?.version).toBe(1);
    // The live index (version 2 of the SDN list) reuses the watchlist read by the replay.
    counted.reads.length = 0;
    await cache.current();
    expect(counted.reads).toEqual([`${SDN}@2`]);
  });
});
