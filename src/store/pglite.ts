import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock, processWarningLog, type DataDirLock, type LockOptions } from './data-dir-lock.js';
import type { Db } from './db.js';
import { StoreClosed } from './errors.js';
import { removeHoldsCopy, writeHoldsCopy } from './holds-copy.js';
import { holdsRepo } from './holds-repo.js';
import { copyPgliteTemplate } from './pglite-template.js';

const INT8_OID = 20;
// PGlite turns int8 into a JS number (lossy past 2^53); `pg` returns a string. Match `pg`.
/** Shared buffers of a short-lived command's store (db.ts OpenOptions.brief); 128MB by default. */
const BRIEF_SHARED_BUFFERS = '8MB';
export const PARSERS = { [INT8_OID]: (value: string) => value };

/**
 * Embedded PostgreSQL (WASM). `memory://` keeps everything in memory; otherwise a data dir,
 * which one process at a time may open: its `cordon.lock` is taken first (`StoreLocked` when
 * another live process holds it) and removed on close. The holder also keeps the copy of the
 * holds that `holds list` reads (holds-copy.ts): removed at open, written again at close.
 */
export async function openPglite(dataDir: string, lockOptions: LockOptions & { readonly brief?: boolean } = {}): Promise<Db> {
  const inMemory = dataDir.startsWith('memory://');
  let lock: DataDirLock | null = null;
  if (!inMemory) {
    await mkdir(dirname(resolve(dataDir)), { recursive: true });
    lock = await acquireDataDirLock(dataDir, lockOptions);
  }
  let pg: PGlite;
  try {
    // A new data directory starts as a copy of the template `npm run build` made (seconds and
    // hundreds of megabytes less than initdb); without one that fits, PGlite runs initdb.
    if (!inMemory && !existsSync(join(resolve(dataDir), 'PG_VERSION'))) await copyPgliteTemplate(resolve(dataDir));
    if (!inMemory) removeHoldsCopy(dataDir);
    pg = await PGlite.create({
      dataDir: inMemory ? dataDir : resolve(dataDir),
      parsers: PARSERS,
      // A command-line setting: postgresql.conf keeps the default for `cordon run`.
      ...(lockOptions.brief === true ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${BRIEF_SHARED_BUFFERS}`] } : {}),
    });
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const log = lockOptions.log ?? processWarningLog;
  return dbOverPglite(pg, {
    ...(inMemory ? {} : { beforeClose: async (db: Db) => void (await writeHoldsCopy(dataDir, holdsRepo(db), log)) }),
    release: () => lock?.release(),
  });
}

export interface PgliteCloseHooks {
  /**
   * Runs at close once no new statement can start (they reject with `StoreClosed`) and every
   * earlier one has ended: PGlite runs statements and transactions one after another.
   */
  readonly beforeClose?: (db: Db) => Promise<void>;
  /** Runs after PGlite is closed. */
  readonly release?: () => Promise<void> | undefined;
}

/** The Db interface over an open PGlite. */
export function dbOverPglite(pg: PGlite, hooks: PgliteCloseHooks = {}): Db {
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

  const open: Db = {
    kind: 'pglite',
    query: async <R>(sql: string, params?: readonly unknown[]) =>
      (await pg.query<R>(sql, params ? [...params] : undefined)).rows,
    exec: async (sql) => {
      await pg.exec(sql);
    },
    transaction: (fn) => pg.transaction((tx) => fn(txDb(tx))),
    close: () => Promise.reject(new Error('store: close() called from a close hook')),
  };
  let closing: Promise<void> | null = null;
  const refuseOnceClosing = <T>(run: () => Promise<T>): Promise<T> => (closing === null ? run() : Promise.reject(new StoreClosed()));
  return {
    kind: 'pglite',
    query: (sql, params) => refuseOnceClosing(() => open.query(sql, params)),
    exec: (sql) => refuseOnceClosing(() => open.exec(sql)),
    transaction: (fn) => refuseOnceClosing(() => open.transaction(fn)),
    close: () =>
      (closing ??= (async () => {
        try {
          await hooks.beforeClose?.(open);
          await pg.close();
        } finally {
          await hooks.release?.();
        }
      })()),
  };
}
