/**
 * A list version's index image (sanctions/index-image.ts): stored with the version, it is what
 * a screen worker loads; it must answer every lookup exactly as the index read from the rows
 * does. Tried on the real OFAC list Cordon ships and on a synthetic list with addresses listed
 * by several entries; a damaged image falls back to the rows and is written anew.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readAddress } from '../../src/domain/address.js';
import { listId, type EntryDraft, type ListId } from '../../src/domain/sanction-entry.js';
import { AddressIndex } from '../../src/sanctions/address-index.js';
import { loadSnapshotIndex } from '../../src/sanctions/active-lists.js';
import { decodeIndexImage, indexImageOf, IndexImageUnreadable } from '../../src/sanctions/index-image.js';
import { loadList } from '../../src/sanctions/load-list.js';
import { openStore, type Store } from '../../src/store/index.js';
import { insertSyntheticSnapshot, syntheticEntries } from '../helpers/synthetic-list.js';

const DEFAULT_LIST = fileURLToPath(new URL('../../lists/ofac-sdn-digital-currency.json', import.meta.url));

/** Every entry's address looked up in both, with the same answer. */
function expectSameAnswers(entries: readonly EntryDraft[], id: ListId, version: number, image: ReturnType<typeof decodeIndexImage>): void {
  const rows = new AddressIndex(entries.map((e) => ({ ...e, listId: id, listVersion: version })));
  const fromImage = AddressIndex.of([image]);
  expect(fromImage.entryCount).toBe(rows.entryCount);
  expect(fromImage.size).toBe(rows.size);
  for (const e of entries) {
    const p = { family: e.family, address: e.address };
    expect(fromImage.lookup(p)).toEqual(rows.lookup(p));
  }
}

describe('index images', () => {
  it("answer as the rows do on OFAC's list Cordon ships (every entry, with entity, programs and source)", async () => {
    const parsed = await loadList({ format: 'ofac-compact-json', source: DEFAULT_LIST, programs: [], timeout: 5_000 });
    expect(parsed.entries.length).toBeGreaterThan(700);
    const id = listId('ofac-sdn');
    const index = decodeIndexImage(id, 3, indexImageOf(parsed.entries), parsed.entries.length);
    expectSameAnswers(parsed.entries, id, 3, index);
    const lazarus = readAddress('0x098B716B8Aaf21512996dC57EB0615e2383E2f96');
    expect(index.lookup(lazarus[0] ?? { family: 'evm', address: '' as never })).toEqual([
      expect.objectContaining({ listId: id, listVersion: 3, entityName: 'Lazarus Group', programs: ['DPRK3'] }),
    ]);
  });

  it('keep an address listed by several entries, in entry-uid order, and refuse what they do not hold', () => {
    const entries = syntheticEntries(2_000);
    // The same address under a second ticker and a third party: three entries, one address.
    const base = entries[10] as EntryDraft;
    entries.push({ ...base, entryUid: `zz-other:${base.address}`, entityName: 'Société Générale Ω 𝔸 Party', programs: ['SDGT'] });
    entries.push({ ...base, entryUid: `USDT:${base.address}`, ticker: 'USDT' });
    const id = listId('synthetic');
    const image = indexImageOf([...entries].reverse());
    const index = decodeIndexImage(id, 1, image, entries.length);
    expectSameAnswers(entries, id, 1, index);
    expect(index.lookup({ family: base.family, address: base.address }).map((e) => e.entryUid)).toEqual(
      [base.entryUid, `USDT:${base.address}`, `zz-other:${base.address}`].sort(),
    );

    expect(index.lookup({ family: base.family, address: base.address }).at(-1)?.entityName).toBe('Société Générale Ω 𝔸 Party');
    // ASCII only, so that the store may cut it into parts anywhere.
    expect(/^[\x00-\x7f]*$/.test(image)).toBe(true);

    expect(() => decodeIndexImage(id, 1, image, entries.length + 1)).toThrow(IndexImageUnreadable);
    expect(() => decodeIndexImage(id, 1, '{"format":"cordon-index-image/0"}', 1)).toThrow(/format/);
    expect(() => decodeIndexImage(id, 1, image.slice(0, image.length / 2), entries.length)).toThrow(/not JSON/);
    const damaged = JSON.parse(image) as { tickers: string[] };
    damaged.tickers = [];
    expect(() => decodeIndexImage(id, 1, JSON.stringify(damaged), entries.length)).toThrow(/refers to a value the image does not hold/);
  });

  describe('in the store (PGlite)', () => {
    let store: Store;
    const id = listId('stored');
    const entries = syntheticEntries(20_000);
    beforeAll(async () => {
      store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
      await insertSyntheticSnapshot(store, id, entries, false);
    });
    afterAll(async () => store?.close());

    it('a version stored without one is loaded from its rows and gets one; a damaged one is replaced', async () => {
      const snap = await store.lists.latestSnapshot(id);
      if (snap === null) throw new Error('no snapshot');
      expect(await store.lists.indexImage(id, 1)).toBeNull();
      const fromRows = await loadSnapshotIndex(store.lists, snap);
      const written = await store.lists.indexImage(id, 1);
      expect(written).not.toBeNull();
      expectSameAnswers(entries, id, 1, decodeIndexImage(id, 1, written ?? '', entries.length));
      expectSameAnswers(entries, id, 1, fromRows);

      await store.lists.saveIndexImage(id, 1, '{"format":"cordon-index-image/1","entryCount":3}');
      const recovered = await loadSnapshotIndex(store.lists, snap);
      expect(recovered.entryCount).toBe(entries.length);
      expect(await store.lists.indexImage(id, 1)).toBe(written);
    });
  });
});
