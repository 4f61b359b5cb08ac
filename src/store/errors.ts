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
