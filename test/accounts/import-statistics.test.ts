/**
 * A bulk import leaves the store's statistics of the watched addresses current, so the
 * watched-address index's page queries are planned on the table as it is (an index read), not
 * as the empty table the planner last saw (a sort of every remaining row).
 */
import { afterAll, describe, expect, it } from 'vitest';

import { importAccounts } from '../../src/accounts/index.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { openStore, type NewWatchedAddress, type Store } from '../../src/store/index.js';
import { openPostgresTestStore } from '../helpers/pg-schema.js';

const ROWS = 20_000;

function rows(): NewWatchedAddress[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    chain: 'ethereum',
    address: `0x${(i + 1).toString(16).padStart(40, '0')}` as NormalisedAddress,
    accountId: `acct-${i}`,
    kind: 'deposit' as const,
  }));
}

async function plannedRows(store: Store): Promise<number> {
  const [row] = await store.db.query<{ reltuples: number }>(`SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'watched_addresses'::regclass`);
  return Number(row?.reltuples ?? -1);
}

describe('importing watched addresses', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it.each(['postgres', 'pglite'] as const)('on %s: refreshes the planner statistics of the table it filled', async (driver) => {
    let store: Store;
    if (driver === 'postgres') {
      const pg = await openPostgresTestStore('import_stats', 2);
      store = pg.store;
      closers.push(pg.close);
    } else {
      store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
      closers.push(() => store.close());
    }
    // Never analysed: the planner knows nothing of the table's size (-1, or 0 before PostgreSQL 14).
    expect(await plannedRows(store)).toBeLessThanOrEqual(0);
    await importAccounts(store.accounts, rows(), { batchSize: 5_000 });
    expect(await plannedRows(store)).toBe(ROWS);
  }, 60_000);
});
