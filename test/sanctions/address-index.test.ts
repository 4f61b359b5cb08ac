/**
 * The compact sanctions index answers exactly what the plain one did: for every entry of real
 * lists (OFAC's 2025-11-19 list as shipped, its plain files of 2024-09, its SDN CSV of 2021, and
 * an exchange's own list with its own ids sharing addresses with OFAC's), every reading of the
 * address finds the same entries, field for field and in the same order, as a map of the
 * stored entries does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addressKey, readAddress, type ParsedAddress } from '../../src/domain/address.js';
import { listId, type ListId, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { loadActiveLists, type ActiveLists } from '../../src/sanctions/active-lists.js';
import { AddressIndex } from '../../src/sanctions/address-index.js';
import { loadList, type ListFormat } from '../../src/sanctions/load-list.js';
import { screenVerdict } from '../../src/sanctions/screen-address.js';
import { openStore, type Store } from '../../src/store/index.js';
import { OFAC_LISTS_2024, PROJECT_ROOT, SDN_CSV_2021 } from '../helpers/fixtures.js';

/** What the index was before it was compact: a map of (family, address) to the stored entries. */
class PlainIndex {
  readonly byKey = new Map<string, SanctionEntry[]>();
  add(entries: readonly SanctionEntry[]): void {
    for (const e of entries) {
      const key = addressKey({ family: e.family, address: e.address });
      const bucket = this.byKey.get(key);
      if (bucket) bucket.push(e);
      else this.byKey.set(key, [e]);
    }
  }
  lookup(p: ParsedAddress): readonly SanctionEntry[] {
    return this.byKey.get(addressKey(p)) ?? [];
  }
}

/** An exchange's own list with its own ids: two addresses OFAC lists too, one of its own. */
const OWN_CSV = [
  'id,address,ticker,name,programs',
  'case-1041,0x098B716B8Aaf21512996dC57EB0615e2383E2f96,ETH,Lazarus Group (case 1041),internal;DPRK3',
  'case-1042,0x098b716b8aaf21512996dc57eb0615e2383e2f96,USDT,,',
  'case-1043,0x7F367cC41522cE07553e823bf3be79A889DEbe1B,ETH,Exchange watch,internal',
  'case-1044,bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6,XBT,Exchange watch,',
].join('\n');

const LISTS: readonly { id: string; format: ListFormat; source: () => string }[] = [
  { id: 'ofac-sdn', format: 'ofac-compact-json', source: () => join(PROJECT_ROOT, 'lists/ofac-sdn-digital-currency.json') },
  { id: 'ofac-plain-2024', format: 'plain', source: () => OFAC_LISTS_2024 },
  { id: 'ofac-csv-2021', format: 'ofac-sdn-csv', source: () => SDN_CSV_2021 },
  {
    id: 'exchange-own',
    format: 'custom-csv',
    source: () => {
      const file = join(mkdtempSync(join(tmpdir(), 'cordon-own-')), 'own.csv');
      writeFileSync(file, OWN_CSV);
      return file;
    },
  },
];

describe('the compact index answers as the plain one did, for every entry of real lists', () => {
  let store: Store;
  let active: ActiveLists;
  const plain = new PlainIndex();
  const stored: SanctionEntry[] = [];

  beforeAll(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    for (const l of LISTS) {
      const parsed = await loadList({ format: l.format, source: l.source(), programs: ['OWN'], timeout: 5_000 });
      const id: ListId = listId(l.id);
      await store.lists.insertSnapshot({ listId: id, contentHash: `sha256:${l.id}`, source: l.id, entries: parsed.entries, addedCount: parsed.entries.length, removedCount: 0 });
      // A second version, so the index must take the newest.
      const v = await store.lists.insertSnapshot({ listId: id, contentHash: `sha256:${l.id}:2`, source: l.id, entries: parsed.entries, addedCount: 0, removedCount: 0 });
      expect(v).toBe(2);
    }
    // In the order the index takes the lists: by list id.
    for (const snap of (await store.lists.listSnapshots()).filter((s) => s.version === 2)) {
      const entries = await store.lists.snapshotEntries(snap.listId, snap.version);
      plain.add(entries);
      for (const e of entries) stored.push(e);
    }
    active = await loadActiveLists(store.lists);
  });
  afterAll(async () => store?.close());

  it('loads every entry of every list', () => {
    expect(stored.length).toBeGreaterThan(1_500);
    expect(active.entryCount).toBe(stored.length);
    expect(active.index.size).toBe(plain.byKey.size);
    expect([...active.snapshots.values()].map((s) => `${s.listId}@${s.version}`)).toEqual(['exchange-own@2', 'ofac-csv-2021@2', 'ofac-plain-2024@2', 'ofac-sdn@2']);
  });

  it('every reading of every listed address finds the same entries, field for field and in order', () => {
    let compared = 0;
    let shared = 0;
    for (const e of stored) {
      for (const reading of [{ family: e.family, address: e.address }, ...readAddress(e.address)]) {
        const want = plain.lookup(reading);
        const got = active.index.lookup(reading);
        // JSON too: the CLI's and the API's output must not change, down to the order of fields.
        if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
        compared++;
        if (want.length > 1) shared++;
      }
    }
    expect(compared).toBeGreaterThan(3_000);
    expect(shared).toBeGreaterThan(100);
  });

  it('screening verdicts are unchanged, including mixed and upper case and unlisted addresses', () => {
    const inputs = [
      ...stored.map((e) => e.address as string),
      ...stored.filter((e) => e.family === 'evm').map((e) => `0x${e.address.slice(2).toUpperCase()}`),
      '0x098B716B8Aaf21512996dC57EB0615e2383E2f97',
      '0x098b716B8Aaf21512996dC57EB0615e2383E2f96',
      'bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz7',
      '1BoatSLRHtKNngkdXEeobR76b53LETtpyT',
    ];
    // The reference: the plain index behind the same screening rules (which only call lookup).
    const asPlain = { lookup: (p: ParsedAddress) => plain.lookup(p) } as unknown as AddressIndex;
    for (const input of inputs) {
      expect(JSON.stringify(screenVerdict(active.index, input))).toBe(JSON.stringify(screenVerdict(asPlain, input)));
    }
  });

  it('an index built from entries in memory answers as the plain one does', () => {
    const index = new AddressIndex(stored);
    for (const e of stored.slice(0, 400)) expect(index.lookup(e)).toEqual(plain.lookup(e));
    expect(index.size).toBe(plain.byKey.size);
  });
});
