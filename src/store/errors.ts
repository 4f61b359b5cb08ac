import type { DataDirLockHolder } from './data-dir-lock.js';

/** PostgreSQL could not be reached or refused the connection. */
export class StoreUnavailable extends Error {
  constructor(
    readonly target: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`store unavailable at ${target}: ${reason}`, options);
    this.name = 'StoreUnavailable';
  }
}

/** A statement was started after the store began to close. */
export class StoreClosed extends Error {
  constructor() {
    super('store: closed (or closing); the statement was not run');
    this.name = 'StoreClosed';
  }
}

/** The database schema does not match what this build of Cordon expects. */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** A value read from the database is not what its column promises. */
export class StoreDataError extends Error {
  constructor(
    readonly column: string,
    readonly reason: string,
  ) {
    super(`unexpected value in ${column}: ${reason}`);
    this.name = 'StoreDataError';
  }
}

/** A snapshot was given two entries with the same uid. */
export class DuplicateEntryUid extends Error {
  constructor(
    readonly listId: string,
    readonly entryUid: string,
    readonly locations: readonly [string, string],
  ) {
    super(
      `list ${listId}: entry uid ${entryUid} appears twice (${locations[0]} and ${locations[1]}); snapshot not stored`,
    );
    this.name = 'DuplicateEntryUid';
  }
}

/** No hold with that id or key. */
export class HoldNotFound extends Error {
  constructor(readonly hold: number | string) {
    super(`hold ${hold} not found`);
    this.name = 'HoldNotFound';
  }
}

/** A guarded transition found the hold in a different state than the caller expected. */
export class HoldStateConflict extends Error {
  constructor(
    readonly holdId: number,
    readonly expectedFrom: string,
    readonly actual: string,
    readonly to: string,
  ) {
    super(
      `hold ${holdId}: cannot move ${expectedFrom} → ${to}, it is ${actual} now; reload it and decide again`,
    );
    this.name = 'HoldStateConflict';
  }
}

/** A withdrawal id was re-announced with a different account or chain. */
export class WithdrawalConflict extends Error {
  constructor(
    readonly withdrawalId: string,
    readonly reason: string,
  ) {
    super(`withdrawal ${withdrawalId}: ${reason}`);
    this.name = 'WithdrawalConflict';
  }
}

/**
 * The embedded store's data directory is held by another process (see data-dir-lock.ts).
 * `held`: a live process on this host. `other-host`: a process on another host, which cannot be
 * checked from here. `unreadable`: a lock file that says nobody in particular.
 */
export class StoreLocked extends Error {
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    readonly holder: DataDirLockHolder | null,
    readonly kind: 'held' | 'other-host' | 'unreadable',
    readonly detail?: string,
  ) {
    super(storeLockedMessage(dataDir, lockFile, holder, kind, detail));
    this.name = 'StoreLocked';
  }
}

/** `` `cordon run` (pid 1234, since 2025-11-20T10:00:00.000Z) ``, with the host when it is another one. */
export function describeLockHolder(holder: DataDirLockHolder, withHost = false): string {
  return `\`${holder.command}\` (pid ${holder.pid}${withHost ? ` on host ${holder.hostname}` : ''}, since ${holder.startedAt})`;
}

function storeLockedMessage(
  dataDir: string,
  lockFile: string,
  holder: DataDirLockHolder | null,
  kind: StoreLocked['kind'],
  detail: string | undefined,
): string {
  const share = 'to share one store between processes, use PostgreSQL (store.driver: postgres)';
  if (holder === null || kind === 'unreadable') {
    return (
      `the embedded store ${dataDir} is locked by ${lockFile}, which cannot be read (${detail ?? 'unknown content'}); ` +
      `if no Cordon process uses ${dataDir}, delete that file and try again`
    );
  }
  if (kind === 'other-host') {
    return (
      `the embedded store ${dataDir} is in use by ${describeLockHolder(holder, true)}; this host cannot tell whether it still runs: ` +
      `stop it there, or if it is gone (e.g. a replaced container), delete ${lockFile} and try again; ${share}`
    );
  }
  return `the embedded store ${dataDir} is in use by ${describeLockHolder(holder)}; one process at a time opens it: stop that one first; ${share}`;
}

/** A list has no version waiting for approval (none was refused, or it was approved or replaced). */
export class PendingVersionNotFound extends Error {
  constructor(
    readonly listId: string,
    readonly pendingId?: number,
  ) {
    super(
      pendingId === undefined
        ? `list ${listId} has no version awaiting approval; see \`cordon lists show ${listId}\``
        : `list ${listId}: pending version #${pendingId} no longer awaits approval (approved, or replaced by a newer download); see \`cordon lists show ${listId}\``,
    );
    this.name = 'PendingVersionNotFound';
  }
}
