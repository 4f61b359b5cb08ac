/**
 * Job errors that retrying cannot fix. The workers fail such a job at once (BullMQ's
 * UnrecoverableError) instead of backing off through every attempt, so a replay stops within
 * seconds with the reason, and `cordon run` puts the job in the failed set (visible in
 * `cordon queues`, /metrics and an alert) where `cordon queues --retry-failed` resumes it once
 * the cause is fixed. Anything else a job throws (an RPC or store timeout) is retried.
 */
export abstract class PermanentJobError extends Error {}

/** The store holds no snapshot of any list: screening would find nothing. */
export class NoListLoaded extends PermanentJobError {
  override readonly name = 'NoListLoaded';
  constructor() {
    super(
      'no sanctions list is loaded, so this block cannot be screened: load the configured lists with ' +
        '`cordon lists refresh` (or `cordon lists import`), then `cordon queues --retry-failed`',
    );
  }
}

/** A replay pinned a list version (`--lists id@n`) that the store does not hold. */
export class PinnedListMissing extends PermanentJobError {
  override readonly name = 'PinnedListMissing';
  constructor(
    readonly listId: string,
    readonly version: number,
    readonly stored: readonly number[],
  ) {
    super(
      `list ${listId} has no version ${version} (stored: ${stored.length > 0 ? stored.map((v) => `v${v}`).join(', ') : 'none'}); ` +
        'replay again with a stored version (`cordon lists show`)',
    );
  }
}

/** A job names a chain this process has no configuration (or source) for. */
export class ChainNotConfigured extends PermanentJobError {
  override readonly name = 'ChainNotConfigured';
  constructor(
    readonly chain: string,
    readonly stage: string,
  ) {
    super(
      `chain ${chain} is not configured in this process (${stage} stage): add it under "chains" in the config of ` +
        'every process that runs this stage, restart them, then `cordon queues --retry-failed`',
    );
  }
}
