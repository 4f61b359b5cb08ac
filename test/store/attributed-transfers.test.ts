import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalisedAddress } from '../../src/domain/address.js';
import type { BlockHash } from '../../src/domain/block.js';
import type { Transfer } from '../../src/domain/transfer.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { AttributedRecord } from '../../src/store/transfers-repo.js';
import { openPostgresTestStore } from '../helpers/pg-schema.js';

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as NormalisedAddress;
const DEPOSIT = a(0xd);
const BLOCK = { number: 100n, hash: '0xb100' as BlockHash, timestamp: 1_700_000_000 };

function record(i: number, counterparties: NormalisedAddress[], extra: Partial<Transfer> = {}): AttributedRecord {
  return {
    transfer: {
      chain: 'eth',
      blockNumber: BLOCK.number,
      blockHash: BLOCK.hash,
      txHash: `0xtx${i}`,
      position: 'tx',
      kind: 'native',
      asset: { kind: 'native' },
      from: counterparties[0] ?? a(0),
      to: DEPOSIT,
      amount: BigInt(i) * 10n ** 18n,
      txFrom: counterparties[0] ?? a(0),
      ...extra,
    },
    direction: 'deposit',
    accountId: i % 2 === 0 ? `acct-${i}` : null,
    exchangeAddress: DEPOSIT,
    counterparties,
  };
}

describe.each(['pglite', 'postgres'] as const)('attributed transfers on %s', (backend) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    if (backend === 'pglite') {
      store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
      close = () => store.close();
    } else {
      ({ store, close } = await openPostgresTestStore('cordon_attributed', 2));
    }
  });
  afterAll(async () => {
    await close?.();
  });

  it("a block's transfers are written in one statement, one row per counterparty, and a repeat adds nothing", async () => {
    const statements: string[] = [];
    const query = store.db.query.bind(store.db);
    const counting = { ...store.db, query: <R>(sql: string, params?: readonly unknown[]) => (statements.push(sql), query<R>(sql, params)) };
    const { transfersRepo } = await import('../../src/store/transfers-repo.js');
    const repo = transfersRepo(counting);
    const token = a(0x70c);
    const records = [
      record(1, [a(1)]),
      record(2, [a(2), a(3)], { position: 'out:0', payment: 'out:0', kind: 'utxo' }),
      record(3, [a(1)], { position: 'log:4', kind: 'erc20', asset: { kind: 'token', contract: token } }),
    ];
    expect(await repo.recordAttributed(BLOCK, records)).toBe(4);
    expect(statements).toHaveLength(1);
    expect(await repo.recordAttributed(BLOCK, records)).toBe(0);
    const rows = await store.db.query<{ n: string }>('SELECT count(*) AS n FROM attributed_transfers');
    expect(Number(rows[0]?.n)).toBe(4);
  });

  it('looks up by counterparty (with the index), chain and block time, and reads back what was stored', async () => {
    const found = await store.transfers.attributedWith({ counterparties: [a(1), a(3)], chains: ['eth'], since: new Date(1_600_000_000_000) });
    expect(found.map((f) => [f.counterparty, f.transfer.position])).toEqual([
      [a(1), 'tx'],
      [a(3), 'out:0'],
      [a(1), 'log:4'],
    ]);
    const token = found.find((f) => f.transfer.position === 'log:4');
    expect(token).toMatchObject({
      blockTime: new Date(1_700_000_000_000),
      direction: 'deposit',
      accountId: null,
      exchangeAddress: DEPOSIT,
      transfer: { chain: 'eth', blockNumber: 100n, blockHash: BLOCK.hash, txHash: '0xtx3', kind: 'erc20', asset: { kind: 'token', contract: a(0x70c) }, amount: 3n * 10n ** 18n, to: DEPOSIT },
    });
    expect(found.find((f) => f.transfer.position === 'out:0')?.transfer.payment).toBe('out:0');
    expect(await store.transfers.attributedWith({ counterparties: [a(1)], chains: ['eth'], since: new Date(1_800_000_000_000) })).toEqual([]);
    expect(await store.transfers.attributedWith({ counterparties: [a(1)], chains: ['base'], since: new Date(0) })).toEqual([]);
    // attributedBy: only what the extract stage had recorded by then (the settled re-screen's bound).
    expect(await store.transfers.attributedWith({ counterparties: [a(1)], chains: ['eth'], since: new Date(0), attributedBy: new Date(Date.now() - 3_600_000) })).toEqual([]);
    expect(await store.transfers.attributedWith({ counterparties: [a(1)], chains: ['eth'], since: new Date(0), attributedBy: new Date(Date.now() + 60_000) })).toHaveLength(2);

    await store.db.query('SET enable_seqscan = off');
    try {
      const plan = await store.db.query<Record<string, string>>(
        `EXPLAIN SELECT * FROM attributed_transfers WHERE counterparty = ANY($1::text[]) AND block_time >= $2 AND chain = ANY($3::text[])`,
        [[a(1)], new Date(0), ['eth']],
      );
      expect(plan.map((r) => Object.values(r).join(' ')).join('\n')).toContain('attributed_transfers_counterparty_idx');
    } finally {
      await store.db.query('SET enable_seqscan = on');
    }
  });

  it('stores account ids and payments with quotes, backslashes, braces and non-ASCII as they are', async () => {
    const odd = 'acct "ünïcode", {x}\\y\'z\tend';
    const block = { ...BLOCK, number: 101n, hash: '0xb101' as BlockHash };
    const rec = { ...record(5, [a(5)], { blockNumber: 101n, blockHash: block.hash, payment: 'p"1\\' }), accountId: odd };
    expect(await store.transfers.recordAttributed(block, [rec])).toBe(1);
    const [found] = await store.transfers.attributedWith({ counterparties: [a(5)], chains: ['eth'], since: new Date(0) });
    expect(found?.accountId).toBe(odd);
    expect(found?.transfer.payment).toBe('p"1\\');
    expect(found?.transfer.to).toBe(DEPOSIT);
  });

  it('keeps every column of every row in place, nulls included, and stores values holding control characters as they are', async () => {
    const block = { ...BLOCK, number: 102n, hash: '0xb102' as BlockHash };
    const at = (i: number, extra: Partial<Transfer> = {}) => record(i, [a(0x600 + i)], { blockNumber: 102n, blockHash: block.hash, ...extra });
    const plain = [at(6, { to: null }), { ...at(7, { payment: 'out:1', position: 'out:1', kind: 'utxo' }), accountId: null }, at(8)];
    expect(await store.transfers.recordAttributed(block, plain)).toBe(3);
    // Unit and record separators: characters the compact form of a batch cannot carry.
    const marked = { ...at(9), accountId: 'acct\x1fnine\x1e' };
    expect(await store.transfers.recordAttributed(block, [at(10), marked])).toBe(2);
    const found = await store.transfers.attributedWith({ counterparties: [6, 7, 8, 9, 10].map((i) => a(0x600 + i)), chains: ['eth'], since: new Date(0) });
    const byTx = new Map(found.map((f) => [f.transfer.txHash, f]));
    expect(byTx.get('0xtx6')).toMatchObject({ accountId: 'acct-6', transfer: { to: null, amount: 6n * 10n ** 18n, position: 'tx' } });
    expect(byTx.get('0xtx6')?.transfer.payment).toBeUndefined();
    expect(byTx.get('0xtx7')).toMatchObject({ accountId: null, transfer: { payment: 'out:1', position: 'out:1', kind: 'utxo', to: DEPOSIT } });
    expect(byTx.get('0xtx8')).toMatchObject({ accountId: 'acct-8', counterparty: a(0x608), blockTime: new Date(1_700_000_000_000), transfer: { blockNumber: 102n } });
    expect(byTx.get('0xtx9')?.accountId).toBe('acct\x1fnine\x1e');
    expect(byTx.get('0xtx10')).toMatchObject({ accountId: 'acct-10', counterparty: a(0x60a) });
  });
});
