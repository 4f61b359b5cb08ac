/**
 * OFAC's real sdn_advanced.xml, three publications: every digital-currency feature OFAC lists
 * must become an entry that screens as listed. Each file is parsed once (about 2.5 s) and shared.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { parseListedAddress } from '../../src/domain/address.js';
import { listId, type EntryDraft, type ParseResult, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { AddressIndex } from '../../src/sanctions/address-index.js';
import { diffEntries } from '../../src/sanctions/entry-diff.js';
import { screenAddress } from '../../src/sanctions/screen-address.js';
import { DELISTED_ETH_2025_03_21, lines, parsePublication, referenceLists, type Publication } from './sdn-advanced-fixtures.js';

const parsed = new Map<Publication, ParseResult>();

beforeAll(async () => {
  const dates: Publication[] = ['2025-03-04', '2025-03-21', '2025-11-19'];
  const results = await Promise.all(dates.map((d) => parsePublication(d)));
  dates.forEach((d, i) => parsed.set(d, results[i] as ParseResult));
}, 60_000);

function result(date: Publication): ParseResult {
  const r = parsed.get(date);
  if (r === undefined) throw new Error(`${date} was not parsed`);
  return r;
}

/** Ticker -> the distinct addresses listed under it. */
function addressesByTicker(entries: readonly EntryDraft[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of entries) {
    const set = out.get(e.ticker) ?? new Set<string>();
    set.add(e.address);
    out.set(e.ticker, set);
  }
  return out;
}

function counts(entries: readonly EntryDraft[]): Record<string, number> {
  return Object.fromEntries([...addressesByTicker(entries)].sort(([a], [b]) => a.localeCompare(b)).map(([t, s]) => [t, s.size]));
}

function indexOf(entries: readonly EntryDraft[]): AddressIndex {
  const id = listId('ofac-sdn');
  return new AddressIndex(entries.map((e): SanctionEntry => ({ ...e, listId: id, listVersion: 1 })));
}

describe('sdn_advanced.xml of 2025-11-19', () => {
  it('keeps every digital-currency feature: nothing rejected, nothing to note', () => {
    const r = result('2025-11-19');
    expect(r.rejected).toEqual([]);
    expect(r.notes ?? []).toEqual([]);
    // 761 features; one party lists an address twice (kept once per party), so 760 entries.
    expect(r.entries).toHaveLength(760);
  });

  it('gives per ticker the same addresses as the extractor\'s lists in reference-lists/, BNB included', () => {
    const reference = referenceLists();
    const ours = addressesByTicker(result('2025-11-19').entries);
    expect([...ours.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [ticker, written] of reference) {
      const expected = new Set(written.map((a) => parseListedAddress(a, ticker).address));
      expect({ ticker, addresses: [...(ours.get(ticker) ?? [])].sort() }).toEqual({ ticker, addresses: [...expected].sort() });
    }
    expect(counts(result('2025-11-19').entries)).toEqual({
      ARB: 1, BCH: 7, BNB: 1, BSC: 1, BSV: 1, BTG: 1, DASH: 3, ETC: 1, ETH: 77, LTC: 10, SOL: 1,
      TRX: 29, USDC: 2, USDT: 93, XBT: 517, XMR: 8, XRP: 1, XVG: 1, ZEC: 3,
    });
  });

  it('an address two parties share is one entry per party', () => {
    const owners = new Map<string, string[]>();
    for (const e of result('2025-11-19').entries) {
      const key = `${e.ticker}:${e.address}`;
      owners.set(key, [...(owners.get(key) ?? []), e.entryUid]);
    }
    expect([...owners].filter(([, uids]) => uids.length > 1)).toEqual([
      ['LTC:LeKvNdNEzgQkzVVnRdV3fAu2DSF1nLsNw6', ['sdn:30518:LTC:LeKvNdNEzgQkzVVnRdV3fAu2DSF1nLsNw6', 'sdn:30520:LTC:LeKvNdNEzgQkzVVnRdV3fAu2DSF1nLsNw6']],
      ['XBT:1H939dom7i4WDLCKyGbXUp3fs9CSTNRzgL', ['sdn:38419:XBT:1H939dom7i4WDLCKyGbXUp3fs9CSTNRzgL', 'sdn:38420:XBT:1H939dom7i4WDLCKyGbXUp3fs9CSTNRzgL']],
    ]);
  });

  it('the BNB Beacon Chain address screens as listed, with entity, program and SDN id', () => {
    const index = indexOf(result('2025-11-19').entries);
    const { matches } = screenAddress(index, 'bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23');
    expect(matches).toEqual([
      expect.objectContaining({
        entryUid: 'sdn:56360:BNB:bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23',
        family: 'bnb-beacon',
        entityName: 'Sokolovski Rolan',
        programs: ['ILLICIT-DRUGS-EO14059'],
      }),
    ]);
    expect(screenAddress(index, 'bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23', 'bnb-beacon').matches).toHaveLength(1);
  });

  it('a sample address of every ticker, as OFAC writes it, screens as listed with entity name and programs', () => {
    const index = indexOf(result('2025-11-19').entries);
    for (const [ticker, written] of referenceLists()) {
      for (const raw of [written[0], written.at(-1)]) {
        if (raw === undefined) throw new Error(`reference list ${ticker} is empty`);
        const hits = screenAddress(index, raw).matches.filter((m) => m.ticker === ticker);
        expect({ ticker, raw, listed: hits.length > 0 }).toEqual({ ticker, raw, listed: true });
        for (const m of hits) {
          expect(m.entryUid).toMatch(new RegExp(`^sdn:\\d+:${ticker}:`));
          expect(m.entityName, `${ticker} ${raw}`).toEqual(expect.stringMatching(/\S/));
          expect(m.programs.length, `${ticker} ${raw}`).toBeGreaterThan(0);
        }
      }
    }
  });
});

describe('sdn_advanced.xml of 2025-03-04 and 2025-03-21 (the Tornado Cash delisting)', () => {
  it('both load whole: nothing rejected, nothing to note', () => {
    for (const date of ['2025-03-04', '2025-03-21'] as const) {
      expect(result(date).rejected).toEqual([]);
      expect(result(date).notes ?? []).toEqual([]);
    }
    expect(result('2025-03-04').entries).toHaveLength(716);
    expect(result('2025-03-21').entries).toHaveLength(626);
  });

  it('per ticker, 2025-03-21 lists what 2025-03-04 did, less the 90 delisted ETH addresses', () => {
    const before = counts(result('2025-03-04').entries);
    expect(before).toEqual({
      ARB: 1, BCH: 7, BSC: 1, BSV: 1, BTG: 1, DASH: 3, ETC: 1, ETH: 153, LTC: 10, TRX: 6,
      USDC: 2, USDT: 32, XBT: 483, XMR: 8, XRP: 1, XVG: 1, ZEC: 3,
    });
    expect(counts(result('2025-03-21').entries)).toEqual({ ...before, ETH: 63 });

    const delisted = new Set(lines(DELISTED_ETH_2025_03_21).map((a) => parseListedAddress(a, 'ETH').address as string));
    expect(delisted.size).toBe(90);
    const march4 = addressesByTicker(result('2025-03-04').entries);
    const march21 = addressesByTicker(result('2025-03-21').entries);
    for (const [ticker, addresses] of march4) {
      const expected = [...addresses].filter((a) => ticker !== 'ETH' || !delisted.has(a)).sort();
      expect({ ticker, addresses: [...(march21.get(ticker) ?? [])].sort() }).toEqual({ ticker, addresses: expected });
    }
    for (const a of delisted) expect(march4.get('ETH')?.has(a)).toBe(true);
  });

  it('the 90 removed entries are Tornado Cash\'s (SDN 39796); 8 entries of another party lose CYBER2', () => {
    const diff = diffEntries(result('2025-03-04').entries, result('2025-03-21').entries);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toHaveLength(90);
    for (const e of diff.removed) {
      expect(e).toMatchObject({ ticker: 'ETH', entityName: 'TORNADO CASH', programs: ['CYBER2', 'DPRK3'] });
      expect(e.entryUid).toMatch(/^sdn:39796:ETH:0x[0-9a-f]{40}$/);
    }
    expect(diff.changed).toHaveLength(8);
    for (const c of diff.changed) {
      expect(c.before.programs).toEqual(['CYBER2', 'DPRK3']);
      expect(c.after.programs).toEqual(['DPRK3']);
      expect(c.after.entryUid).toMatch(/^sdn:44718:/);
    }
  });

  it('a delisted Tornado Cash address screens as listed on 2025-03-04 and clean on 2025-03-21', () => {
    const [sample] = lines(DELISTED_ETH_2025_03_21);
    if (sample === undefined) throw new Error('delisted list is empty');
    expect(screenAddress(indexOf(result('2025-03-04').entries), sample, 'evm').matches).toEqual([
      expect.objectContaining({ entityName: 'TORNADO CASH', programs: ['CYBER2', 'DPRK3'] }),
    ]);
    expect(screenAddress(indexOf(result('2025-03-21').entries), sample, 'evm').matches).toEqual([]);
  });
});
