import { ActiveListsMirror } from './active-lists-mirror.js';
import { accountsRepo, type AccountsRepo } from './accounts-repo.js';
import { alertsRepo, type AlertsRepo } from './alerts-repo.js';
import { blocksRepo, type BlocksRepo } from './blocks-repo.js';
import { cursorsRepo, type CursorsRepo } from './cursors-repo.js';
import { announceApiInLock, processWarningLog } from './data-dir-lock.js';
import { openDb, type Db, type OpenOptions, type StoreConfig } from './db.js';
import { handedBlocksRepo, type HandedBlocksRepo } from './handed-blocks-repo.js';
import { holdsRepo, type HoldsRepo } from './holds-repo.js';
import { listsRepo, type ListsRepo } from './lists-repo.js';
import { migrate } from './migrations.js';
import { transfersRepo, type TransfersRepo } from './transfers-repo.js';
import { utxosRepo, type UtxosRepo } from './utxos-repo.js';

export interface Repos {
  readonly lists: ListsRepo;
  readonly cursors: CursorsRepo;
  readonly accounts: AccountsRepo;
  readonly transfers: TransfersRepo;
  readonly holds: HoldsRepo;
  readonly alerts: AlertsRepo;
  readonly blocks: BlocksRepo;
  /** Blocks handed on by a follower and whether every stage is through with them. */
  readonly handed: HandedBlocksRepo;
  readonly utxos: UtxosRepo;
}

export interface Store extends Repos {
  readonly kind: Db['kind'];
  /** The raw handle, for tests and for migrations; other code should use the repos. */
  readonly db: Db;
  /** Runs `fn` with repos bound to one transaction (e.g. a hold and the cursor together). */
  transaction<T>(fn: (repos: Repos) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function reposFor(db: Db): Repos {
  return {
    lists: listsRepo(db),
    cursors: cursorsRepo(db),
    accounts: accountsRepo(db),
    transfers: transfersRepo(db),
    holds: holdsRepo(db),
    alerts: alertsRepo(db),
    blocks: blocksRepo(db),
    handed: handedBlocksRepo(db),
    utxos: utxosRepo(db),
  };
}

/**
 * Opens the configured database and brings its schema up to date. An embedded store on disk
 * is opened by one process at a time: `StoreLocked` names the one holding it.
 */
export async function openStore(config: StoreConfig, options: OpenOptions = {}): Promise<Store> {
  const db = await openDb(config, options);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  const repos = reposFor(db);
  const mirror = mirrorFor(config, repos.lists, options);
  if (mirror === null) {
    return { kind: db.kind, db, ...repos, transaction: (fn) => db.transaction((tx) => fn(reposFor(tx))), close: () => db.close() };
  }
  await mirror.syncIfStale();
  return {
    kind: db.kind,
    db,
    ...repos,
    lists: mirroredLists(repos.lists, mirror),
    transaction: async (fn) => {
      // Only a transaction that writes list versions or images touches the copy.
      let began = false;
      const begin = () => {
        if (!began) mirror.begin();
        began = true;
      };
      try {
        return await db.transaction((tx) => {
          const txRepos = reposFor(tx);
          return fn({ ...txRepos, lists: announcingLists(txRepos.lists, begin) });
        });
      } finally {
        if (began) await mirror.end();
      }
    },
    close: () => db.close(),
  };
}

/** The copy of the active lists an embedded store on disk keeps for `cordon screen` (active-lists-mirror.ts). */
function mirrorFor(config: StoreConfig, lists: ListsRepo, options: OpenOptions): ActiveListsMirror | null {
  if (config.driver !== 'pglite' || config.dataDir.startsWith('memory://')) return null;
  return new ActiveListsMirror(config.dataDir, lists, options.log ?? processWarningLog);
}

/** Inside a transaction: the lists repository that calls `begin` before a write of versions or images. */
function announcingLists(lists: ListsRepo, begin: () => void): ListsRepo {
  return {
    ...lists,
    insertSnapshot: (s) => {
      begin();
      return lists.insertSnapshot(s);
    },
    saveIndexImage: (id, version, image) => {
      begin();
      return lists.saveIndexImage(id, version, image);
    },
  };
}

/** The lists repository whose writes of versions and images keep the mirror exact. */
function mirroredLists(lists: ListsRepo, mirror: ActiveListsMirror): ListsRepo {
  return {
    ...lists,
    insertSnapshot: (s) => mirror.change(() => lists.insertSnapshot(s)),
    saveIndexImage: (id, version, image) => mirror.change(() => lists.saveIndexImage(id, version, image)),
  };
}

/**
 * Records, in the lock of the embedded store this process holds, the URL it serves its API on,
 * so commands in other processes send their writes there. Nothing to do for PostgreSQL (any
 * number of processes share it) or `memory://`.
 */
export async function announceApi(config: StoreConfig, url: string): Promise<void> {
  if (config.driver !== 'pglite' || config.dataDir.startsWith('memory://')) return;
  await announceApiInLock(config.dataDir, url);
}
