import { describe, expect, it } from 'vitest';
import {
  AccountsCsvError,
  importAccounts,
  parseAccountsCsv,
  splitCsvLine,
  type AccountChain,
} from '../../src/accounts/accounts-csv.js';
import type { NewWatchedAddress } from '../../src/store/accounts-repo.js';

const CHAINS: AccountChain[] = [
  { id: 'ethereum', family: 'evm' },
  { id: 'bitcoin', family: 'bitcoin' },
];

const TORNADO_CHECKSUMMED = '0x8589427373D6D84E98730D7795D8f6f8731FDA16';
const TORNADO = '0x8589427373d6d84e98730d7795d8f6f8731fda16';
const LAZARUS_BTC = 'bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6';
const HOT_WALLET = '0x28c6c06298d514db089934071355e5743bf21d60';

describe('parseAccountsCsv', () => {
  it('takes Tron deposit addresses as T… or in hex, as the same T… account; a changed character is rejected', () => {
    const deposit = 'TA9MKSZT1gY4ZsY6J7tuesw5e5RHTC6q1R'; // 0x01eb1a2d…, the USDT payee of Tron block 39,507,235
    const csv = [
      'chain,address,account_id,kind',
      `tron,${deposit},acct-t1,deposit`,
      'tron,4101eb1a2d0528dd1d99592cd7baa98f2603804f76,acct-t2,deposit',
      `tron,${deposit.slice(0, -1)}S,acct-t3,deposit`,
    ].join('\n');
    const { rows, rejected } = parseAccountsCsv(csv, [...CHAINS, { id: 'tron', family: 'tron' }]);
    expect(rows).toEqual([]);
    // The hex form is the same account as the T… one: given to two accounts, neither is imported.
    expect(rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, `address: ${deposit} on tron is given to different accounts or kinds on lines 2, 3; none of them imported`],
      [3, `address: ${deposit} on tron is given to different accounts or kinds on lines 2, 3; none of them imported`],
      [4, 'address: bad base58check checksum (chain tron is tron)'],
    ]);
    expect(parseAccountsCsv(csv.split('\n').slice(0, 2).join('\n'), [{ id: 'tron', family: 'tron' }]).rows).toEqual([
      { chain: 'tron', address: deposit, accountId: 'acct-t1', kind: 'deposit', line: 2 },
    ]);
  });

  it('normalises a real address written checksummed, lower-case or upper-case to one form', () => {
    const csv = [
      'chain,address,account_id,kind',
      `ethereum,${TORNADO_CHECKSUMMED},acct-1,deposit`,
      `bitcoin,${LAZARUS_BTC.toUpperCase()},acct-2,deposit`,
      `ethereum,0x${HOT_WALLET.slice(2).toUpperCase()},house,hot_wallet`,
    ].join('\n');
    const { rows, rejected } = parseAccountsCsv(csv, CHAINS);
    expect(rejected).toEqual([]);
    expect(rows).toEqual([
      { chain: 'ethereum', address: TORNADO, accountId: 'acct-1', kind: 'deposit', line: 2 },
      { chain: 'bitcoin', address: LAZARUS_BTC, accountId: 'acct-2', kind: 'deposit', line: 3 },
      { chain: 'ethereum', address: HOT_WALLET, accountId: 'house', kind: 'hot_wallet', line: 4 },
    ]);
  });

  it('rejects bad lines by line number with the field and reason, and keeps the rest', () => {
    const badChecksum = '0x8589427373D6D84E98730D7795D8f6f8731FDa16';
    const csv = [
      'chain,address,account_id,kind', // 1
      `ethereum,${TORNADO},acct-1,deposit`, // 2
      `ethereum,${badChecksum},acct-2,deposit`, // 3
      `solana,${TORNADO},acct-3,deposit`, // 4
      '', // 5 (blank: skipped)
      `ethereum,${HOT_WALLET},acct-4,cold_wallet`, // 6
      `bitcoin,${TORNADO},acct-5,deposit`, // 7 (an EVM address on a bitcoin chain)
      `ethereum,${HOT_WALLET},,hot_wallet`, // 8
      `ethereum,${HOT_WALLET},house,hot_wallet,extra`, // 9
      `bitcoin,${LAZARUS_BTC},acct-6,deposit`, // 10
    ].join('\r\n');
    const { rows, rejected } = parseAccountsCsv(csv, CHAINS);
    expect(rows.map((r) => r.line)).toEqual([2, 10]);
    expect(rejected.map((r) => r.line)).toEqual([3, 4, 6, 7, 8, 9]);
    const reason = (line: number) => rejected.find((r) => r.line === line)?.reason;
    expect(reason(3)).toMatch(/^address: bad EIP-55 checksum/);
    expect(reason(4)).toBe('chain: unknown chain "solana" (configured: ethereum, bitcoin)');
    expect(reason(6)).toBe('kind: must be deposit or hot_wallet, got "cold_wallet"');
    expect(reason(7)).toMatch(/^address: .*evm.*\(chain bitcoin is bitcoin\)/);
    expect(reason(8)).toBe('account_id: empty');
    expect(reason(9)).toMatch(/expected 4 fields/);
    expect(rejected.find((r) => r.line === 3)?.text).toContain(badChecksum);
  });

  it('accepts columns in any order, quoted fields, surrounding spaces and a BOM', () => {
    const csv = `\uFEFFKind, Account_ID ,address,chain\n deposit ,"acct, ""quoted""", ${TORNADO_CHECKSUMMED} ,ethereum\n`;
    const { rows, rejected } = parseAccountsCsv(csv, CHAINS);
    expect(rejected).toEqual([]);
    expect(rows).toEqual([{ chain: 'ethereum', address: TORNADO, accountId: 'acct, "quoted"', kind: 'deposit', line: 2 }]);
  });

  it('refuses the whole file when the header is missing or names other columns', () => {
    expect(() => parseAccountsCsv(`ethereum,${TORNADO},acct-1,deposit\n`, CHAINS, 'exchange.csv')).toThrow(AccountsCsvError);
    expect(() => parseAccountsCsv('chain,address,account,kind\n', CHAINS, 'exchange.csv')).toThrow(
      /exchange\.csv:1: bad header \(unknown column "account"\)/,
    );
    expect(() => parseAccountsCsv('chain,address,kind\n', CHAINS)).toThrow(/missing column account_id/);
    expect(() => parseAccountsCsv('\n\n', CHAINS)).toThrow(/empty file/);
  });

  it('skips an identical repeat but rejects every line that gives one address to different accounts', () => {
    const csv = [
      'chain,address,account_id,kind',
      `ethereum,${TORNADO},acct-1,deposit`, // 2
      `ethereum,${TORNADO_CHECKSUMMED},acct-1,deposit`, // 3: same after normalising
      `ethereum,${HOT_WALLET},acct-2,deposit`, // 4
      `ethereum,${HOT_WALLET.toUpperCase().replace('0X', '0x')},acct-3,deposit`, // 5: conflict
    ].join('\n');
    const { rows, rejected } = parseAccountsCsv(csv, CHAINS);
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(rejected.map((r) => r.line)).toEqual([4, 5]);
    expect(rejected[0]?.reason).toContain('given to different accounts or kinds on lines 4, 5');
  });

  it('splits quoted lines and says what is wrong with a broken one', () => {
    expect(splitCsvLine('a,"b,c",d')).toEqual(['a', 'b,c', 'd']);
    expect(splitCsvLine('a,"b')).toMatch(/never closed/);
    expect(splitCsvLine('a,b"c')).toMatch(/quote inside/);
    expect(splitCsvLine('a,"b"x')).toMatch(/after a closing quote/);
  });
});

describe('importAccounts', () => {
  it('upserts in batches and counts added, changed and unchanged addresses', async () => {
    const calls: NewWatchedAddress[][] = [];
    const stored = new Map<string, string>();
    const repo = {
      async upsertWatchedAddresses(batch: readonly NewWatchedAddress[]) {
        calls.push([...batch]);
        let added = 0;
        let changed = 0;
        for (const a of batch) {
          const before = stored.get(a.address);
          if (before === undefined) added++;
          else if (before !== `${a.accountId}/${a.kind}`) changed++;
          stored.set(a.address, `${a.accountId}/${a.kind}`);
        }
        return { added, changed };
      },
      refreshWatchedStatistics: async () => undefined,
    };
    const csv = ['chain,address,account_id,kind', ...Array.from({ length: 5 }, (_, i) => `ethereum,0x${(i + 1).toString(16).padStart(40, '0')},acct-${i},deposit`)].join('\n');
    const { rows } = parseAccountsCsv(csv, CHAINS);
    expect(await importAccounts(repo, rows, { batchSize: 2 })).toEqual({ added: 5, changed: 0, unchanged: 0, batches: 3 });
    expect(calls.map((c) => c.length)).toEqual([2, 2, 1]);
    expect(calls[0]?.[0]).toEqual({ chain: 'ethereum', address: `0x${'1'.padStart(40, '0')}`, accountId: 'acct-0', kind: 'deposit' });

    const moved = rows.map((r, i) => (i === 0 ? { ...r, accountId: 'acct-new' } : r));
    expect(await importAccounts(repo, moved)).toEqual({ added: 0, changed: 1, unchanged: 4, batches: 1 });
  });

  it('refuses rows that name one address twice', async () => {
    const row = { chain: 'ethereum', address: TORNADO, accountId: 'a', kind: 'deposit' } as unknown as NewWatchedAddress;
    await expect(importAccounts({ upsertWatchedAddresses: async () => ({ added: 0, changed: 0 }), refreshWatchedStatistics: async () => undefined }, [row, row])).rejects.toThrow(
      /appears twice/,
    );
  });
});
