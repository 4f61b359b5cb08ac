import { describe, expect, it } from 'vitest';
import { parseOfacCsv, type OfacCsvSet } from '../../src/sanctions/ofac-csv.js';
import { ListParseError } from '../../src/sanctions/list-errors.js';
import { fixtureText, SDN_CSV_2021, SDN_CSV_MIXED } from '../helpers/fixtures.js';

function csvSet(dir: string): OfacCsvSet {
  const file = (name: string) => ({ file: `${dir}/${name}`, text: fixtureText(`${dir}/${name}`) });
  return { sdn: file('sdn.csv'), comments: file('sdn_comments.csv'), alt: file('alt.csv') };
}

describe('OFAC legacy SDN CSV', () => {
  const set2021 = csvSet(SDN_CSV_2021);
  const result = parseOfacCsv(set2021);

  it('finds every digital-currency clause of the 2021 files, remarks continued in sdn_comments.csv included', () => {
    // 97 clauses once each entry's remarks are joined with their continuation: one of them
    // (ent 29703) is split mid-word across the two files. All 97 load, the one ETH address with
    // 39 hex digits (as OFAC published it) included.
    expect(result.entries).toHaveLength(97);
    expect(result.rejected).toEqual([]);
    const pairs = new Set(result.entries.map((e) => `${e.ticker}:${e.address}`));
    expect(pairs.size).toBe(96);
  });

  it('keeps the malformed ETH address OFAC published as an exact-string entry, with a note naming file, line and reason', () => {
    const odd = result.entries.filter((e) => e.family === 'unverified' && e.ticker === 'ETH');
    expect(odd).toEqual([
      expect.objectContaining({
        address: '0xa7e5d5a720f06526557c513402f2e6b5fa20b00',
        entryUid: expect.stringMatching(/^sdn:\d+:ETH:0xa7e5d5a720f06526557c513402f2e6b5fa20b00$/),
        source: { file: `${SDN_CSV_2021}/sdn.csv`, line: 8308 },
      }),
    ]);
    expect(result.notes).toEqual([
      expect.stringMatching(
        new RegExp(`^${SDN_CSV_2021}/sdn\\.csv:8308: ETH address "0xa7e5d5a720f06526557c513402f2e6b5fa20b00" fails verification \\(.*40 hex.*\\); kept as an exact-string`),
      ),
    ]);
  });

  it('attaches the entity name and every program (the legal basis) to each address', () => {
    const byUid = new Map(result.entries.map((e) => [e.entryUid, e]));
    const tian = byUid.get('sdn:28263:XBT:134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak');
    expect(tian).toMatchObject({ entityName: 'TIAN, Yinyin', programs: ['CYBER2', 'DPRK3'], family: 'bitcoin' });
    expect(tian?.source).toEqual({ file: `${SDN_CSV_2021}/sdn.csv`, line: expect.any(Number) });
  });

  it('reads a clause split across sdn.csv and sdn_comments.csv, located in the comments file', () => {
    const split = result.entries.find((e) => e.entryUid === 'sdn:29703:ETH:0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c');
    expect(split).toMatchObject({ entityName: 'ANDREYEV, Anton Nikolaeyvich', programs: ['CYBER2', 'ELECTION-EO13848'] });
    expect(split?.source.file).toBe(`${SDN_CSV_2021}/sdn_comments.csv`);
    const cutAddress = result.entries.find((e) => e.entryUid.startsWith('sdn:30518:XBT:') && e.address.endsWith('ChmWqGtsaLrGbHfgdrV5Nkvahtjjuxr'));
    expect(cutAddress).toBeDefined();
  });

  it('normalises each ticker by its own format: ZEC, DASH, BTG, XVG, BSV, BCH cashaddr; XMR kept unverified', () => {
    const families = Object.fromEntries(result.entries.map((e) => [e.ticker, e.family]));
    expect(families).toMatchObject({
      XBT: 'bitcoin', ETH: 'evm', ETC: 'evm', LTC: 'litecoin', ZEC: 'zcash', DASH: 'dash',
      BTG: 'bitcoin-gold', XVG: 'verge', BSV: 'bitcoin-sv', BCH: 'bitcoin-cash', XMR: 'unverified',
    });
    for (const e of result.entries.filter((x) => x.family === 'bitcoin-cash')) expect(e.address).toMatch(/^bitcoincash:q/);
  });

  it('keeps addresses from comments whose entry has no sdn.csv row, and says so', () => {
    const mixed = parseOfacCsv(csvSet(SDN_CSV_MIXED));
    expect(mixed.entries).toHaveLength(205);
    expect(mixed.rejected).toEqual([]);
    expect(mixed.notes?.length).toBeGreaterThan(0);
    expect(mixed.notes?.[0]).toMatch(/has no row in .*sdn\.csv/);
  });

  it('refuses a file cut off in the middle of a record, naming the line', () => {
    const text = set2021.sdn.text;
    const cut = text.slice(0, text.indexOf('28264,"LI, Jiadong"') + 200);
    expect(() => parseOfacCsv({ sdn: { file: 'sdn.csv', text: cut } })).toThrow(ListParseError);
    expect(() => parseOfacCsv({ sdn: { file: 'sdn.csv', text: cut } })).toThrow(/sdn\.csv.*line \d+.*never closed/);
  });

  it('refuses garbage and an empty file', () => {
    const html = '<html><body><h1>503 Service Unavailable</h1></body></html>\n';
    expect(() => parseOfacCsv({ sdn: { file: 'sdn.csv', text: html } })).toThrow(ListParseError);
    expect(() => parseOfacCsv({ sdn: { file: 'sdn.csv', text: '' } })).toThrow(/empty/);
  });

  it('rejects one malformed row by line and keeps the rest', () => {
    const lines = set2021.sdn.text.split('\r\n');
    lines.splice(10, 0, '999999,"BROKEN ROW"');
    const r = parseOfacCsv({ sdn: { file: 'sdn.csv', text: lines.join('\r\n') }, comments: set2021.comments });
    expect(r.rejected.map((x) => x.source)).toContainEqual({ file: 'sdn.csv', line: 11 });
    expect(r.entries).toHaveLength(97);
  });
});
