import { describe, expect, it } from 'vitest';
import { parseCustomCsv, parseCustomJson } from '../../src/sanctions/custom-list.js';
import { ListParseError } from '../../src/sanctions/list-errors.js';

describe("an exchange's own watchlist", () => {
  it('reads JSON entries with names, programs and ids, rejecting bad ones by position', () => {
    const json = JSON.stringify({
      entries: [
        { id: 'case-17', address: '0x8589427373D6D84E98730D7795D8f6f8731FDA16', ticker: 'ETH', name: 'Tornado pool', programs: ['INTERNAL-RISK'] },
        { address: 'bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6', ticker: 'XBT' },
        { address: 'not-an-address', ticker: 'ETH' },
        { ticker: 'ETH' },
      ],
    });
    const r = parseCustomJson('watch.json', json, ['WATCH']);
    expect(r.entries.map((e) => [e.entryUid, e.entityName, e.programs])).toEqual([
      ['case-17:ETH:0x8589427373d6d84e98730d7795d8f6f8731fda16', 'Tornado pool', ['INTERNAL-RISK']],
      ['XBT:bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6', null, ['WATCH']],
    ]);
    expect(r.rejected.map((x) => x.source.element).sort()).toEqual(['entries[2]', 'entries[3]']);
  });

  it('reads CSV with a header, programs split on ";", rejecting bad rows by line', () => {
    const csv = 'address,ticker,name,programs\n' +
      'TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq,USDT,"Doe, John",CYBER2;SDGT\n' +
      '1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyF,XBT,bad checksum,\n';
    const r = parseCustomCsv('watch.csv', csv, []);
    expect(r.entries).toEqual([
      expect.objectContaining({ family: 'tron', entityName: 'Doe, John', programs: ['CYBER2', 'SDGT'], source: { file: 'watch.csv', line: 2 } }),
    ]);
    expect(r.rejected[0]?.source).toEqual({ file: 'watch.csv', line: 3 });
  });

  it('refuses a file that is not a list at all', () => {
    expect(() => parseCustomJson('w.json', '{"entries": [', [])).toThrow(ListParseError);
    expect(() => parseCustomJson('w.json', '{"rows": []}', [])).toThrow(/entries/);
    expect(() => parseCustomCsv('w.csv', 'a,b\n1,2\n', [])).toThrow(/header row/);
  });
});
