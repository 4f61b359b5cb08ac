import pg from 'pg';
import type { Db } from './db.js';
import { StoreUnavailable } from './errors.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresOptions {
  readonly url: string;
  readonly poolSize?: number;
  readonly schema?: string;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db` for messages (any URL scheme). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** A `pg` pool; every connection uses `schema` as its search_path. */
export async function openPostgres(options: PostgresOptions): Promise<Db> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid postgres schema "${schema}": use lower-case letters, digits and _`);
  }
  const target = redactUrl(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    options: `-c search_path=${schema}`,
  });
  // An idle client dying (server restart) must not crash the daemon; the next query
  // reconnects or fails with its own error.
  pool.on('error', (err) => {
    process.emitWarning(`postgres idle connection to ${target} lost: ${err.message}`);
  });

  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const reason = err instanceof Error ? err.message || err.name : String(err);
    throw new StoreUnavailable(
      target,
      `${reason}. Is PostgreSQL running and does the URL name the right host, user and database?`,
      { cause: err },
    );
  }
  try {
    // CREATE SCHEMA IF NOT EXISTS is not safe against itself: concurrent starts would collide.
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('cordon.schema:' || $1::text))`, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('COMMIT');
    client.release();
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    await pool.end().catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot create postgres schema ${schema} at ${target}: ${reason}`, { cause: err });
  }

  const clientDb = (client: pg.PoolClient): Db => {
    const db: Db = {
      kind: 'postgres',
      query: async <R>(sql: string, params?: readonly unknown[]) =>
        (await client.query(sql, params ? [...params] : undefined)).rows as R[],
      exec: async (sql) => {
        await client.query(sql);
      },
      transaction: (fn) => fn(db),
      close: () => Promise.reject(new Error('store: close() called inside a transaction')),
    };
    return db;
  };

  return {
    kind: 'postgres',
    query: async <R>(sql: string, params?: readonly unknown[]) =>
      (await pool.query(sql, params ? [...params] : undefined)).rows as R[],
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction: async (fn) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(clientDb(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        });
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
