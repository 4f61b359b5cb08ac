/**
 * PostgreSQL for tests: each test file works in a fresh schema of the `test` database and drops
 * it afterwards, so files run in parallel and leave nothing behind.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

import { openStore, type Store } from '../../src/store/index.js';

export const PG_URL = process.env['CORDON_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other test run uses: `<prefix>_<10 hex digits>`. */
export function freshSchema(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function dropSchema(schema: string, url = PG_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A store in a fresh schema; `close` closes it and drops the schema. */
export async function openPostgresTestStore(prefix: string, poolSize: number): Promise<{ store: Store; close: () => Promise<void> }> {
  const schema = freshSchema(prefix);
  const store = await openStore({ driver: 'postgres', url: PG_URL, poolSize, schema });
  return {
    store,
    async close() {
      await store.close();
      await dropSchema(schema);
    },
  };
}
