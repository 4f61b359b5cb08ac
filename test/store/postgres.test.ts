import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsRepo, type NewWatchedAddress } from '../../src/store/accounts-repo.js';
import type { Db } from '../../src/store/db.js';
import { appliedMigrations, MIGRATIONS } from '../../src/store/migrations.js';
import { redactUrl } from '../../src/store/postgres.js';
import { openStore } from '../../src/store/store.js';
import { addr, describeStoreContract } from './store-contract.js';

// Not skipped when PostgreSQL is down: CI starts it, so a missing server is a failure.
const url = process.env.CORDON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runId = randomBytes(4).toString('hex');
const schemas: string[] = [];

function freshSchema(label: string): string {
  const schema = `cordon_test_${runId}_${label}`;
  schemas.push(schema);
  return schema;
}

/** A promise the test resolves when it chooses: lets it hold a transaction open. */
function gate<T = void>(): { readonly promise: Promise<T>; readonly open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves once backend `pid` is waiting for a lock another transaction holds. */
async function waitUntilBlocked(db: Db, pid: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows = await db.query<{ wait_event_type: string | null }>(
      'SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1',
      [pid],
    );
    if (rows[0]?.wait_event_type === 'Lock') return;
    if (Date.now() > deadline) throw new Error(`backend ${pid} never waited for a lock`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('postgres', () => {
  beforeAll(async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (err) {
      const reason = err instanceof Error ? err.message || err.name : String(err);
      throw new Error(
        `PostgreSQL is not reachable at ${redactUrl(url)} (${reason}). ` +
          'Start it, or point CORDON_TEST_PG_URL at a server where this user may create schemas.',
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  afterAll(async () => {
    if (schemas.length === 0) return; // never connected: nothing to clean up
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  describeStoreContract('postgres', () =>
    openStore({ driver: 'postgres', url, poolSize: 4, schema: freshSchema('contract') }),
  );

  it('queues writers of one chain on its version counter, so a reader asking since the version it saw misses nothing', async () => {
    const store = await openStore({ driver: 'postgres', url, poolSize: 4, schema: freshSchema('since') });
    const chain = 'ethereum';
    const batch = (tag: string, accountId: string): NewWatchedAddress[] =>
      [1, 2, 3].map((i) => ({ chain, address: addr(`0x${tag}${i}`.padEnd(42, '0')), accountId, kind: 'deposit' }));
    // Disjoint batches: the only thing the writers share is the chain's counter row.
    const first = batch('a', 'acct-a');
    const second = batch('b', 'acct-b');
    const since = (version: bigint | null) => store.accounts.watchedAddressesSince(chain, version, { limit: 1_000 });

    const firstMayCommit = gate();
    const secondMayCommit = gate();
    const firstWrote = gate();
    const secondWrote = gate();
    const secondPid = gate<number>();
    let t1: Promise<unknown> = Promise.resolve();
    let t2: Promise<unknown> = Promise.resolve();
    try {
      await store.accounts.upsertWatchedAddress({ chain, address: addr(`0x${'0'.repeat(40)}`), accountId: 'seed', kind: 'deposit' });
      const seeded = await since(null);
      const v0 = seeded.version ?? 0n;

      t1 = store.db.transaction(async (tx) => {
        const result = await accountsRepo(tx).upsertWatchedAddresses(first);
        firstWrote.open();
        await firstMayCommit.promise;
        return result;
      });
      await Promise.race([firstWrote.promise, t1]); // a writer that fails must not leave us waiting
      t2 = store.db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        secondPid.open(row!.pid);
        const result = await accountsRepo(tx).upsertWatchedAddresses(second);
        secondWrote.open();
        await secondMayCommit.promise;
        return result;
      });

      // The second writer cannot even take a version while the first is uncommitted.
      const pid = await Promise.race([
        secondPid.promise,
        t2.then(() => Promise.reject(new Error('the second writer ended before saying who it is'))),
      ]);
      await waitUntilBlocked(store.db, pid);
      expect(await since(v0)).toStrictEqual({ version: v0, addresses: [] });

      firstMayCommit.open();
      expect(await t1).toStrictEqual({ added: 3, changed: 0 });
      await Promise.race([secondWrote.promise, t2]); // holding its counter lock, uncommitted
      const afterFirst = await since(v0);
      expect([...afterFirst.addresses].sort()).toEqual(first.map((a) => a.address));
      const v1 = afterFirst.version ?? 0n;
      expect(v1).toBeGreaterThan(v0);

      secondMayCommit.open();
      expect(await t2).toStrictEqual({ added: 3, changed: 0 });
      const afterSecond = await since(v1);
      expect([...afterSecond.addresses].sort()).toEqual(second.map((a) => a.address));
      expect(afterSecond.version).toBeGreaterThan(v1);
      expect(await since(afterSecond.version)).toStrictEqual({ version: afterSecond.version, addresses: [] });

      // The reader, stepping from version to version, has seen every address the table holds.
      const seen = new Set([...seeded.addresses, ...afterFirst.addresses, ...afterSecond.addresses]);
      expect([...seen].sort()).toEqual((await store.accounts.listWatchedAddresses(chain)).map((w) => w.address));
    } finally {
      firstMayCommit.open();
      secondMayCommit.open();
      await Promise.allSettled([t1, t2]);
      await store.close();
    }
  });

  it('applies migrations once when several instances start at the same time, and again on reopen', async () => {
    const schema = freshSchema('concurrent');
    const stores = await Promise.all(
      [1, 2, 3].map(() => openStore({ driver: 'postgres', url, poolSize: 2, schema })),
    );
    try {
      const applied = await appliedMigrations(stores[0]!.db);
      expect(applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
      const reopened = await openStore({ driver: 'postgres', url, poolSize: 1, schema });
      expect(await appliedMigrations(reopened.db)).toEqual(applied);
      await reopened.close();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
