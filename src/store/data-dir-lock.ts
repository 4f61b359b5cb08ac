/**
 * One process at a time on an embedded (PGlite) data directory.
 *
 * PGlite is PostgreSQL compiled to WASM and run inside one process: it keeps its own buffers
 * and takes no lock a second process would respect (the postmaster.pid it writes carries a
 * made-up pid). Two processes on one directory each see their own picture of it (a row one
 * writes the other never reads) and can corrupt it. So opening the directory takes
 * `<dataDir>/cordon.lock`, created atomically (a hard link of a fully written file: it appears
 * whole or not at all), saying who holds it: pid, host, command, since when and, once
 * `cordon run` listens, the URL of its API so other commands can send their writes there.
 *
 * A lock whose process is gone (same host, pid not alive) is taken over with a warning; a live
 * holder, or one on another host that cannot be checked from here, refuses the open with
 * `StoreLocked`. The lock is removed on close and, best effort, when the process exits.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { StoreLocked } from './errors.js';

export const LOCK_FILE_NAME = 'cordon.lock';

/** What the lock file says about the process that holds the directory. */
export interface DataDirLockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** e.g. `cordon run`, `cordon accounts import` */
  readonly command: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** Base URL of the holder's HTTP API (`http://127.0.0.1:8080`), once it listens. */
  readonly api?: string;
  /** Tells this holding apart from an earlier one by the same pid (a restarted container's pid 1). */
  readonly id: string;
}

/** Where a taken-over stale lock is reported (a pino logger fits). */
export interface LockLog {
  warn(obj: object, msg: string): void;
}

export interface LockOptions {
  /** The command that holds the directory, for other processes' messages. */
  readonly command?: string;
  readonly log?: LockLog;
}

export interface DataDirLock {
  /** The lock file's absolute path. */
  readonly path: string;
  readonly dataDir: string;
  holder(): DataDirLockHolder;
  /** Records the URL this process serves its API on, for other commands to find. */
  setApi(url: string): Promise<void>;
  /** Removes the lock if it is still this process's. Idempotent. */
  release(): Promise<void>;
}

/** Locks held by this process, by lock path: for the exit handler and `announceApiInLock`. */
const held = new Map<string, DataDirLock>();
let exitHandlerInstalled = false;

export function lockPathFor(dataDir: string): string {
  return join(resolve(dataDir), LOCK_FILE_NAME);
}

/** Where the store's warnings go when the caller gives no logger: Node's process warnings. */
export const processWarningLog: LockLog = {
  warn: (obj, msg) => process.emitWarning(`${msg} ${JSON.stringify(obj)}`),
};

/** Takes the lock on `dataDir` (creating the directory), or throws `StoreLocked`. */
export async function acquireDataDirLock(dataDir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  const path = lockPathFor(dir);
  let me: DataDirLockHolder = {
    pid: process.pid,
    hostname: hostname(),
    command: options.command ?? defaultCommand(),
    startedAt: new Date().toISOString(),
    id: randomUUID(),
  };
  const log = options.log ?? processWarningLog;

  // A few rounds: each lost race (another process took or freed the lock meanwhile) re-reads it.
  let taken = false;
  let last: DataDirLockHolder | null = null;
  for (let round = 0; round < 5 && !taken; round++) {
    taken = await createExclusive(path, me);
    if (taken) break;
    const found = await readHolder(path);
    if (found.kind === 'absent') continue;
    if (found.kind === 'unreadable') throw new StoreLocked(dir, path, null, 'unreadable', found.reason);
    last = found.holder;
    const state = holderState(last);
    if (state === 'alive') throw new StoreLocked(dir, path, last, 'held');
    if (state === 'other-host') throw new StoreLocked(dir, path, last, 'other-host');
    if (await takeOver(path, last)) {
      log.warn(
        { dataDir: dir, lockFile: path, stale: { pid: last.pid, hostname: last.hostname, command: last.command, since: last.startedAt } },
        'embedded store lock left by a process that is gone; taking it over',
      );
    }
  }
  if (!taken) throw new StoreLocked(dir, path, last, 'held');

  installExitHandler();
  let released = false;
  const lock: DataDirLock = {
    path,
    dataDir: dir,
    holder: () => me,
    async setApi(url) {
      if (released) throw new Error(`store lock ${path}: already released; cannot record the API URL`);
      const current = await readHolder(path);
      if (current.kind !== 'held' || current.holder.id !== me.id) {
        throw new Error(`store lock ${path} is no longer this process's; cannot record the API URL ${url}`);
      }
      me = { ...me, api: url };
      const tmp = `${path}.${me.id}.tmp`;
      await writeSynced(tmp, me);
      await rename(tmp, path);
    },
    async release() {
      if (released) return;
      released = true;
      held.delete(path);
      const current = await readHolder(path);
      if (current.kind === 'held' && current.holder.id === me.id) await unlink(path).catch(() => undefined);
    },
  };
  held.set(path, lock);
  return lock;
}

/** Records `url` as the API of the process holding `dataDir`'s lock, when that is this process. */
export async function announceApiInLock(dataDir: string, url: string): Promise<boolean> {
  const lock = held.get(lockPathFor(dataDir));
  if (lock === undefined) return false;
  await lock.setApi(url);
  return true;
}

/** Who holds `dataDir` now, as its lock file says; null when nobody does. */
export async function readDataDirLock(dataDir: string): Promise<DataDirLockHolder | null> {
  const found = await readHolder(lockPathFor(dataDir));
  return found.kind === 'held' ? found.holder : null;
}

function defaultCommand(): string {
  const script = process.argv[1];
  return script === undefined ? 'node' : `node ${basename(script)}`;
}

/** Writes the holder to a private file, then hard-links it into place: false when the lock exists. */
async function createExclusive(path: string, holder: DataDirLockHolder): Promise<boolean> {
  const tmp = `${path}.${holder.id}.tmp`;
  await writeSynced(tmp, holder);
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    if (errno(err) !== 'EPERM' && errno(err) !== 'ENOTSUP' && errno(err) !== 'ENOSYS') throw err;
    // A file system without hard links: O_EXCL create, then write (readers retry an empty file).
    return createWithOpenExcl(path, holder);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function createWithOpenExcl(path: string, holder: DataDirLockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(`${JSON.stringify(holder)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function writeSynced(path: string, holder: DataDirLockHolder): Promise<void> {
  const handle = await open(path, 'w', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(holder)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

type ReadResult =
  | { readonly kind: 'held'; readonly holder: DataDirLockHolder }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreadable'; readonly reason: string };

async function readHolder(path: string): Promise<ReadResult> {
  // An empty or partial file is one being written without hard links: give it a moment.
  let last: ReadResult = { kind: 'absent' };
  for (let attempt = 0; attempt < 10; attempt++) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT') return { kind: 'absent' };
      throw err;
    }
    last = parseHolder(text);
    if (last.kind === 'held') return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}

function parseHolder(text: string): ReadResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', reason: text.trim() === '' ? 'it is empty' : 'it is not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'unreadable', reason: 'it is not a JSON object' };
  const v = value as Record<string, unknown>;
  const { pid, hostname: host, command, startedAt, api, id } = v;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return { kind: 'unreadable', reason: 'it names no pid' };
  if (typeof host !== 'string' || typeof command !== 'string' || typeof startedAt !== 'string' || typeof id !== 'string') {
    return { kind: 'unreadable', reason: 'it lacks hostname, command, startedAt or id' };
  }
  if (api !== undefined && typeof api !== 'string') return { kind: 'unreadable', reason: 'its api is not a string' };
  return { kind: 'held', holder: { pid, hostname: host, command, startedAt, id, ...(api === undefined ? {} : { api }) } };
}

/** `alive`: refuse. `stale`: take over. `other-host`: cannot tell from here, refuse. */
function holderState(holder: DataDirLockHolder): 'alive' | 'stale' | 'other-host' {
  if (holder.hostname !== hostname()) return 'other-host';
  if (holder.pid === process.pid) {
    // This process: alive if it is one of our own holdings, else left by an earlier process
    // that had the same pid (a container's pid 1 after a restart).
    return [...held.values()].some((lock) => lock.holder().id === holder.id) ? 'alive' : 'stale';
  }
  return isAlive(holder.pid) ? 'alive' : 'stale';
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return errno(err) !== 'ESRCH';
  }
}

/**
 * Moves the stale lock aside (atomic), then checks that what it moved is the stale lock it
 * read: if another process replaced it meanwhile, that fresh lock is put back.
 */
async function takeOver(path: string, stale: DataDirLockHolder): Promise<boolean> {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (errno(err) === 'ENOENT') return false;
    throw err;
  }
  const moved = await readHolder(aside);
  if (moved.kind === 'held' && moved.holder.id !== stale.id) {
    await link(aside, path).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

/** On exit, removes the locks this process still holds (only if the file is still ours). */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const [path, lock] of held) {
      try {
        const found = parseHolder(readFileSync(path, 'utf8'));
        if (found.kind === 'held' && found.holder.id === lock.holder().id) unlinkSync(path);
      } catch {
        // Best effort: a lock left behind is taken over by the next open (its pid is gone).
      }
    }
  });
}

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as NodeJS.ErrnoException).code ?? undefined) : undefined;
}
