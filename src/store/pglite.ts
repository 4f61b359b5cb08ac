import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock, type DataDirLock, type LockOptions } from './data-dir-lock.js';
import type { Db } from './db.js';

const INT8_OID = 20;

/**
 * Embedded PostgreSQL (WASM). `memory://` keeps everything in memory; otherwise a data dir,
 * which one process at a time may open: its `cordon.lock` is taken first (`StoreLocked` when
 * another live process holds it) and removed on close.
 */
export async function openPglite(dataDir: string, lockOptions: LockOptions = {}): Promise<Db> {
  const inMemory = dataDir.startsWith('memory://');
  let lock: DataDirLock | null = null;
  if (!inMemory) {
    await mkdir(dirname(resolve(dataDir)), { recursive: true });
    lock = await acquireDataDirLock(dataDir, lockOptions);
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create({
      dataDir: inMemory ? dataDir : resolve(dataDir),
      // PGlite turns int8 into a JS number (lossy past 2^53); `pg` returns a string. Match `pg`.
      parsers: { [INT8_OID]: (value: string) => value },
    });
  } catch (err) {
    await lock?.release();
    throw err;
  }

  const txDb = (tx: Transaction): Db => {
    const db: Db = {
      kind: 'pglite',
      query: async <R>(sql: string, params?: readonly unknown[]) =>
        (await tx.query<R>(sql, params ? [...params] : undefined)).rows,
      exec: async (sql) => {
        await tx.exec(sql);
      },
      transaction: (fn) => fn(db),
      close: () => Promise.reject(new Error('store: close() called inside a transaction')),
    };
    return db;
  };

  return {
    kind: 'pglite',
    query: async <R>(sql: string, params?: readonly unknown[]) =>
      (await pg.query<R>(sql, params ? [...params] : undefined)).rows,
    exec: async (sql) => {
      await pg.exec(sql);
    },
    transaction: (fn) => pg.transaction((tx) => fn(txDb(tx))),
    close: async () => {
      try {
        await pg.close();
      } finally {
        await lock?.release();
      }
    },
  };
}
