import { describe, expect, it } from 'vitest';
import { parsePlainList, tickerFromFileName } from '../../src/sanctions/plain-list.js';
import { loadList } from '../../src/sanctions/load-list.js';
import { fixtureText, OFAC_LISTS_2024 } from '../helpers/fixtures.js';

const COUNTS = { XBT: 435, ETH: 152, USDT: 26, LTC: 10, BCH: 7, TRX: 6, USDC: 2, ARB: 1, BSC: 1 };

describe('plain lists, one address a line', () => {
  it('loads every address of OFAC\'s 2024-09 per-ticker files, ticker from the file name', async () => {
    const r = await loadList({ format: 'plain', source: OFAC_LISTS_2024, programs: [], timeout: 1000 });
    expect(r.rejected).toEqual([]);
    const perTicker: Record<string, number> = {};
    for (const e of r.entries) perTicker[e.ticker] = (perTicker[e.ticker] ?? 0) + 1;
    expect(perTicker).toEqual(COUNTS);
    const usdt = r.entries.filter((e) => e.ticker === 'USDT');
    expect(new Set(usdt.map((e) => e.family))).toEqual(new Set(['evm', 'tron', 'bitcoin']));
  });

  it('rejects a bad line with file and line number and keeps the rest', () => {
    const text = fixtureText(`${OFAC_LISTS_2024}/sanctioned_addresses_ETH.txt`);
    const lines = text.split('\n');
    // One checksummed address with one letter's case flipped: the EIP-55 checksum catches it.
    lines[4] = (lines[4] ?? '').replace(/[a-f]/, (c) => c.toUpperCase());
    const r = parsePlainList({ file: 'eth.txt', text: lines.join('\n'), ticker: 'ETH', programs: [] });
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]?.source).toEqual({ file: 'eth.txt', line: 5 });
    expect(r.rejected[0]?.reason).toMatch(/checksum/i);
    expect(r.entries).toHaveLength(151);
  });

  it('skips comments and blank lines, and attaches the configured programs', () => {
    const r = parsePlainList({
      file: 'x.txt',
      text: '# exchange list\n\n0x8589427373D6D84E98730D7795D8f6f8731FDA16  # tornado\n',
      ticker: 'ETH',
      programs: ['CYBER2'],
    });
    expect(r.entries).toEqual([
      expect.objectContaining({ address: '0x8589427373d6d84e98730d7795d8f6f8731fda16', programs: ['CYBER2'], source: { file: 'x.txt', line: 3 } }),
    ]);
  });

  it('takes the ticker from names like sanctioned_addresses_XBT.txt', () => {
    expect(tickerFromFileName('sanctioned_addresses_XBT.txt')).toBe('XBT');
    expect(tickerFromFileName('list.txt')).toBeUndefined();
  });
});
