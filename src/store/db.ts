/**
 * The one seam between Cordon and SQL. Both backends (PostgreSQL via `pg`, embedded PGlite)
 * run the same SQL through this interface.
 *
 * Column types as they come back, identical on both backends:
 * - int8 / bigserial → `string` (the adapters make PGlite match `pg`; repos convert
 *   deliberately with `toBigInt` or `toSafeNumber` from `./convert.js`)
 * - int4 → `number`, numeric → `string`, timestamptz → `Date`, jsonb → parsed JSON
 */
export type DbKind = 'postgres' | 'pglite';

export interface Db {
  readonly kind: DbKind;
  /** One statement with `$1`-style parameters; the rows it returns. */
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws.
   * Calling `transaction` on the `tx` handle joins the same transaction (no nesting).
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Releases the pool or the embedded database. Not available inside a transaction. */
  close(): Promise<void>;
}

export type StoreConfig =
  | {
      readonly driver: 'pglite';
      /** A directory on disk (parents are created) or `memory://` for a throwaway store. */
      readonly dataDir: string;
    }
  | {
      readonly driver: 'postgres';
      /** `postgres://user:password@host:port/database` */
      readonly url: string;
      readonly poolSize?: number;
      /** Schema for every table (created if missing; set as search_path). Default `public`. */
      readonly schema?: string;
    };

/** Who opens the store: named in the embedded store's lock, for other processes' messages. */
export interface OpenOptions {
  /** e.g. `cordon run` */
  readonly command?: string;
  /** Where taking over a stale embedded-store lock is reported (a pino logger fits). */
  readonly log?: { warn(obj: object, msg: string): void };
  /**
   * A short-lived command (`holds list`, `lists show`): the embedded store starts with small
   * shared buffers, which a few queries do not need (about 130 MB less RSS; the files stay in
   * the OS page cache). Long-running `run` and `replay` keep PostgreSQL's default.
   */
  readonly brief?: boolean;
}

/** Opens the database named by `config` without migrating it (see `openStore`). */
export async function openDb(config: StoreConfig, options: OpenOptions = {}): Promise<Db> {
  switch (config.driver) {
    case 'pglite': {
      const { openPglite } = await import('./pglite.js');
      return openPglite(config.dataDir, options);
    }
    case 'postgres': {
      const { openPostgres } = await import('./postgres.js');
      return openPostgres(config);
    }
  }
}
