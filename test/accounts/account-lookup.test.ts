import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLookup } from '../../src/accounts/account-lookup.js';
import { importAccounts, parseAccountsCsv } from '../../src/accounts/accounts-csv.js';
import { attributeTransfers } from '../../src/accounts/attribute.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { blockHash } from '../../src/domain/block.js';
import type { Transfer } from '../../src/domain/transfer.js';
import { accountsRepo } from '../../src/store/accounts-repo.js';
import type { Db } from '../../src/store/db.js';
import { openStore, type Store } from '../../src/store/store.js';
import { openPostgresTestStore } from '../helpers/pg-schema.js';

const addr = (raw: string) => raw as NormalisedAddress;

const TORNADO = addr('0x8589427373d6d84e98730d7795d8f6f8731fda16');
const GARANTEX = addr('0x7ff9cfad3877f21d41da833e2f775db0569ee3d9');
const ROUTER = addr('0xd90e2f925da726b50c4ed8d0fb90ad053324f31b');
const DEPOSIT = addr('0x1111111111111111111111111111111111111111');
const HOT_WALLET = addr('0x28c6c06298d514db089934071355e5743bf21d60');
const tx = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

function transfer(n: number, from: NormalisedAddress, to: NormalisedAddress, txFrom = from): Transfer {
  return {
    chain: 'ethereum',
    blockNumber: 19_000_000n,
    blockHash: blockHash(`0x${'01'.repeat(32)}`),
    txHash: tx(n),
    position: 'tx',
    kind: 'native',
    asset: { kind: 'native' },
    from,
    to,
    amount: 1n,
    txFrom,
  };
}

/** The store's Db, recording every statement it runs. */
function countingDb(db: Db): { db: Db; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    db: {
      ...db,
      kind: db.kind,
      query: <R>(sql: string, params?: readonly unknown[]) => {
        statements.push(sql.replace(/\s+/g, ' ').trim());
        return db.query<R>(sql, params);
      },
    },
  };
}

const backends: [string, () => Promise<{ store: Store; close: () => Promise<void> }>][] = [
  [
    'pglite (memory)',
    async () => {
      const store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
      return { store, close: () => store.close() };
    },
  ],
  [
    'postgres (fresh schema)',
    () => openPostgresTestStore('cordon_accounts', 2),
  ],
];

describe.each(backends)('loadLookup on %s', (_name, open) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await open());
    const csv = [
      'chain,address,account_id,kind',
      `ethereum,${DEPOSIT},acct-7731,deposit`,
      `ethereum,${HOT_WALLET},house,hot_wallet`,
      `polygon,${TORNADO},acct-elsewhere,deposit`,
    ].join('\n');
    const { rows, rejected } = parseAccountsCsv(csv, [
      { id: 'ethereum', family: 'evm' },
      { id: 'polygon', family: 'evm' },
    ]);
    expect(rejected).toEqual([]);
    expect(await importAccounts(store.accounts, rows)).toMatchObject({ added: 3, changed: 0 });
    expect(await importAccounts(store.accounts, rows)).toMatchObject({ added: 0, changed: 0, unchanged: 3 });

    await store.accounts.addWithdrawal({ id: 'wd-1', chain: 'ethereum', txid: tx(2), accountId: 'acct-1' });
    await store.accounts.addWithdrawal({ id: 'wd-2', chain: 'ethereum', destination: GARANTEX, accountId: 'acct-2' });
    // Bound to another transaction: not a candidate for other transfers to Garantex.
    await store.accounts.addWithdrawal({ id: 'wd-3', chain: 'ethereum', txid: tx(99), destination: GARANTEX, accountId: 'acct-3' });
    // Another chain: never seen from ethereum.
    await store.accounts.addWithdrawal({ id: 'wd-4', chain: 'polygon', txid: tx(3), accountId: 'acct-4' });
  });

  afterAll(async () => {
    await close();
  });

  it('answers a whole block with three batched queries and the right maps', async () => {
    const counted = countingDb(store.db);
    const transfers = [
      transfer(1, TORNADO, DEPOSIT), // deposit from Tornado
      transfer(2, HOT_WALLET, TORNADO), // withdrawal registered by txid
      transfer(3, HOT_WALLET, GARANTEX), // withdrawal registered by destination
      transfer(4, ROUTER, DEPOSIT, TORNADO), // deposit through a contract
      transfer(5, DEPOSIT, HOT_WALLET), // sweep
    ];
    const lookup = await loadLookup({ accounts: accountsRepo(counted.db) }, 'ethereum', transfers);

    expect(counted.statements).toHaveLength(3);
    expect(counted.statements.every((s) => s.includes('= ANY($2::text[])'))).toBe(true);
    expect(lookup.watched).toEqual(
      new Map([
        [HOT_WALLET, { accountId: 'house', kind: 'hot_wallet' }],
        [DEPOSIT, { accountId: 'acct-7731', kind: 'deposit' }],
      ]),
    );
    expect(lookup.withdrawalsByTxid).toEqual(new Map([[tx(2), { id: 'wd-1', accountId: 'acct-1' }]]));
    expect(lookup.withdrawalsByDestination).toEqual(new Map([[GARANTEX, ['acct-2']]]));

    const attributed = attributeTransfers(transfers, lookup).map(({ transfer: t, attribution: a }) => ({
      tx: t.txHash,
      direction: a.direction,
      accountId: a.accountId,
      counterparties: a.counterparties,
    }));
    expect(attributed).toEqual([
      { tx: tx(1), direction: 'deposit', accountId: 'acct-7731', counterparties: [TORNADO] },
      { tx: tx(2), direction: 'withdrawal', accountId: 'acct-1', counterparties: [TORNADO] },
      { tx: tx(3), direction: 'withdrawal', accountId: 'acct-2', counterparties: [GARANTEX] },
      { tx: tx(4), direction: 'deposit', accountId: 'acct-7731', counterparties: [ROUTER, TORNADO] },
    ]);
  });

  it('skips the withdrawal queries when nothing leaves a hot wallet, and every query for an empty block', async () => {
    const counted = countingDb(store.db);
    const repo = { accounts: accountsRepo(counted.db) };
    const lookup = await loadLookup(repo, 'ethereum', [transfer(1, TORNADO, DEPOSIT)]);
    expect(counted.statements).toHaveLength(1);
    expect(lookup.withdrawalsByTxid.size).toBe(0);

    await loadLookup(repo, 'ethereum', []);
    expect(counted.statements).toHaveLength(1);
  });

  it('refuses transfers of another chain', async () => {
    await expect(loadLookup(store, 'polygon', [transfer(1, TORNADO, DEPOSIT)])).rejects.toThrow(/polygon.*ethereum/);
  });

  it('finds many addresses in one statement and reports re-assignments on import', async () => {
    const many = Array.from({ length: 2_500 }, (_, i) => addr(`0xe${(i + 1).toString(16).padStart(39, '0')}`));
    const result = await importAccounts(
      store.accounts,
      many.map((address) => ({ chain: 'ethereum', address, accountId: 'bulk', kind: 'deposit' as const })),
      { batchSize: 1_000 },
    );
    expect(result).toEqual({ added: 2_500, changed: 0, unchanged: 0, batches: 3 });
    const found = await store.accounts.findWatchedAddresses('ethereum', [...many, TORNADO]);
    expect(found).toHaveLength(2_500);

    const moved = await store.accounts.upsertWatchedAddresses([{ chain: 'ethereum', address: DEPOSIT, accountId: 'acct-new', kind: 'deposit' }]);
    expect(moved).toEqual({ added: 0, changed: 1 });
    expect((await store.accounts.findWatchedAddress('ethereum', DEPOSIT))?.accountId).toBe('acct-new');
  });
});
