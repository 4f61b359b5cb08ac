import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedMigrations, MIGRATIONS } from '../../src/store/migrations.js';
import { redactUrl } from '../../src/store/postgres.js';
import { openStore } from '../../src/store/store.js';
import { describeStoreContract } from './store-contract.js';

// Not skipped when PostgreSQL is down: CI starts it, so a missing server is a failure.
const url = process.env.CORDON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runId = randomBytes(4).toString('hex');
const schemas: string[] = [];

function freshSchema(label: string): string {
  const schema = `cordon_test_${runId}_${label}`;
  schemas.push(schema);
  return schema;
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
