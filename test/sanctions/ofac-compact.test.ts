/**
 * The compact OFAC digital-currency list (format ofac-compact-json): derived from the real
 * sdn_advanced.xml of 2025-11-19 (parsed once, about 2.5 s), read back, and compared with the
 * file Cordon ships as its default list.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

import { entrySetHash } from '../../src/sanctions/entry-diff.js';
import { ListParseError } from '../../src/sanctions/list-errors.js';
import { deriveCompactList, formatCompactList, parseCompactList, type CompactList } from '../../src/sanctions/ofac-compact.js';
import { parseOfacAdvancedXml, type OfacXmlResult } from '../../src/sanctions/ofac-xml.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
import { publishedSha256, SDN_ADVANCED_GZ } from './sdn-advanced-fixtures.js';

const SHIPPED = `${PROJECT_ROOT}lists/ofac-sdn-digital-currency.json`;

let xml: OfacXmlResult;
let derived: CompactList;

beforeAll(async () => {
  // Hash and count the uncompressed bytes as they stream, as `cordon lists compact` does.
  const hash = createHash('sha256');
  let bytes = 0;
  async function* measured(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(SDN_ADVANCED_GZ('2025-11-19')).pipe(createGunzip()) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
  }
  xml = await parseOfacAdvancedXml(measured(), 'sdn_advanced.xml');
  derived = deriveCompactList(xml, { file: 'sdn_advanced.xml', sha256: hash.digest('hex'), bytes });
}, 60_000);

describe('compact OFAC digital-currency list', () => {
  it('keeps the XML\'s date of issue and the SHA-256 OFAC\'s checksum file states', () => {
    expect(xml.dateOfIssue).toBe('2025-11-19');
    expect(derived.source).toEqual({
      file: 'sdn_advanced.xml',
      publisher: 'US Treasury OFAC (Specially Designated Nationals and Blocked Persons List)',
      dateOfIssue: '2025-11-19',
      sha256: publishedSha256('2025-11-19'),
      bytes: 120_977_559,
    });
  });

  it('keeps each entry\'s address, ticker, entity name, SDN id (FixedRef), feature and programs', () => {
    expect(derived.entryCount).toBe(760);
    expect(derived.entries).toHaveLength(760);
    expect(derived.entries).toContainEqual({
      sdnId: '56360',
      featureId: '94577',
      ticker: 'BNB',
      address: 'bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23',
      name: 'Sokolovski Rolan',
      programs: ['ILLICIT-DRUGS-EO14059'],
    });
    expect(derived.entries).toContainEqual({
      sdnId: '27307',
      featureId: '50215',
      ticker: 'ETH',
      address: '0x098b716b8aaf21512996dc57eb0615e2383e2f96',
      name: 'Lazarus Group',
      programs: ['DPRK3'],
    });
    for (const e of derived.entries) {
      expect(e.name, e.address).toEqual(expect.stringMatching(/\S/));
      expect(e.programs.length, e.address).toBeGreaterThan(0);
    }
  });

  it('is the file Cordon ships as its default list, byte for byte', () => {
    expect(formatCompactList(derived)).toBe(readFileSync(SHIPPED, 'utf8'));
  });

  it('reads back to the XML\'s own entries: same uids, same entry set hash (switching to the live XML raises no new hold)', () => {
    const back = parseCompactList(SHIPPED, readFileSync(SHIPPED, 'utf8'));
    expect(back.rejected).toEqual([]);
    expect(back.notes ?? []).toEqual([]);
    expect(back.entries.map((e) => e.entryUid).sort()).toEqual(xml.entries.map((e) => e.entryUid).sort());
    expect(entrySetHash(back.entries)).toBe(entrySetHash(xml.entries));
    expect(back.about).toBe(`OFAC digital-currency entries derived from sdn_advanced.xml of 2025-11-19 (SHA-256 ${publishedSha256('2025-11-19')})`);
    const bnb = back.entries.find((e) => e.ticker === 'BNB');
    expect(bnb).toEqual({
      entryUid: 'sdn:56360:BNB:bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23',
      address: 'bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23',
      family: 'bnb-beacon',
      ticker: 'BNB',
      entityName: 'Sokolovski Rolan',
      programs: ['ILLICIT-DRUGS-EO14059'],
      source: {
        file: SHIPPED,
        element: expect.stringMatching(/^entries\[\d+\] \(sdn_advanced\.xml of 2025-11-19: DistinctParty\[FixedRef=56360\]\/Feature\[ID=94577\]\)$/),
      },
    });
  });
});

describe('reading a compact list', () => {
  const source = { file: 'sdn_advanced.xml', publisher: 'US Treasury OFAC', dateOfIssue: '2025-11-19', sha256: 'a'.repeat(64), bytes: 1 };
  const doc = (entries: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ format: 'cordon-ofac-digital-currency', formatVersion: 1, source, derivedBy: 'test', entryCount: entries.length, entries, ...extra });
  const good = { sdnId: '27307', featureId: '50215', ticker: 'ETH', address: '0x098B716B8Aaf21512996dC57EB0615e2383E2f96', name: 'Lazarus Group', programs: ['DPRK3'] };

  it('normalises each address as the XML parser does', () => {
    const r = parseCompactList('c.json', doc([good]));
    expect(r.entries.map((e) => e.entryUid)).toEqual(['sdn:27307:ETH:0x098b716b8aaf21512996dc57eb0615e2383e2f96']);
  });

  it('rejects a malformed entry at entries[i] and loads the rest', () => {
    const r = parseCompactList('c.json', doc([{ ...good, programs: 'DPRK3' }, good]));
    expect(r.entries).toHaveLength(1);
    expect(r.rejected).toEqual([
      { source: { file: 'c.json', element: 'entries[0]' }, reason: '"programs" must be an array of program names', text: expect.any(String) },
    ]);
  });

  it('keeps an address that fails verification (it is OFAC\'s data) as the exact string, with a note', () => {
    const bad = { ...good, address: '0x098B716B8Aaf21512996dC57EB0615e2383E2f9' };
    const r = parseCompactList('c.json', doc([bad]));
    expect(r.entries).toMatchObject([{ family: 'unverified', address: bad.address, entryUid: `sdn:27307:ETH:${bad.address}` }]);
    expect(r.notes).toEqual([expect.stringMatching(/^c\.json entries\[0\] .*: ETH address "0x098B\w+" fails verification/)]);
  });

  it('refuses a file that is not a compact list, of another version, or cut short', () => {
    const refusal = (text: string) => {
      try {
        parseCompactList('c.json', text);
      } catch (err) {
        expect(err).toBeInstanceOf(ListParseError);
        return (err as ListParseError).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal('{"entries": [')).toMatch(/c\.json.*not valid JSON/);
    expect(refusal(JSON.stringify({ entries: [good] }))).toMatch(/not a compact OFAC list/);
    expect(refusal(doc([good], { formatVersion: 2 }))).toMatch(/formatVersion 2 is not one this Cordon reads/);
    expect(refusal(doc([good], { entryCount: 2 }))).toMatch(/header says 2 entries, the file has 1/);
    expect(refusal(doc([good], { source: { ...source, sha256: 'x' } }))).toMatch(/source\.sha256/);
  });
});
