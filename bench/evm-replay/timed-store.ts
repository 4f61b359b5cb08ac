/**
 * A store whose every statement is timed, by statement (its first words), for the bench's
 * `--profile`: where the time of a replay goes. Redis is measured on the server side instead
 * (INFO commandstats), which costs the client nothing.
 */
import { migrate, openDb, reposFor, type Db, type Store, type StoreConfig } from '../../src/store/index.js';

export interface StatementTime {
  readonly statement: string;
  calls: number;
  ms: number;
}

export interface TimedStore {
  readonly store: Store;
  readonly times: Map<string, StatementTime>;
}

const label = (sql: string): string => sql.replace(/\s+/g, ' ').trim().slice(0, 90);

function timed(db: Db, times: Map<string, StatementTime>): Db {
  const note = (sql: string, ms: number): void => {
    const key = label(sql);
    const t = times.get(key) ?? { statement: key, calls: 0, ms: 0 };
    t.calls++;
    t.ms += ms;
    times.set(key, t);
  };
  const wrapped: Db = {
    kind: db.kind,
    async query<R>(sql: string, params?: readonly unknown[]): Promise<R[]> {
      const s = performance.now();
      try {
        return await db.query<R>(sql, params);
      } finally {
        note(sql, performance.now() - s);
      }
    },
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction((tx) => fn(timed(tx, times))),
    close: () => db.close(),
  };
  return wrapped;
}

/**
 * Opens and migrates the store like `openStore`, with every statement timed when `timing` is
 * set (the bench's `--profile`); without it `times` stays empty and the store is the plain one,
 * so that a timed run does not also pay for timing each statement.
 */
export async function openTimedStore(config: StoreConfig, timing: boolean): Promise<TimedStore> {
  const raw = await openDb(config);
  await migrate(raw);
  const times = new Map<string, StatementTime>();
  const db = timing ? timed(raw, times) : raw;
  const store: Store = {
    kind: db.kind,
    db,
    ...reposFor(db),
    transaction: (fn) => db.transaction((tx) => fn(reposFor(tx))),
    close: () => db.close(),
  };
  return { store, times };
}
