/**
 * Errors that configuration must fix (a Bitcoin node without txindex and without prevouts in
 * `getblock 3`, a block every node pruned): retrying the job only delays the page. They say so
 * with `permanent: true` (and what to change in `fix`) on the error or one of its causes; the
 * job then fails at once, without the retries a transient error gets.
 */
import { UnrecoverableError } from 'bullmq';

export interface PermanentError {
  readonly message: string;
  readonly permanent: true;
  readonly fix?: string;
}

/** The error, or the first of its causes, that is marked permanent; null for a transient one. */
export function permanentCause(err: unknown): PermanentError | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const marked = e as Error & { permanent?: unknown; fix?: unknown };
    if (marked.permanent === true) {
      return { message: e.message, permanent: true, ...(typeof marked.fix === 'string' ? { fix: marked.fix } : {}) };
    }
  }
  return null;
}

/** Marker BullMQ knows: the job goes to the failed set now, whatever attempts are left. */
export class PermanentJobFailure extends UnrecoverableError {
  constructor(readonly permanent: PermanentError) {
    super(`${permanent.message} (not retried: configuration must fix this${permanent.fix ? `: ${permanent.fix}` : ''})`);
    this.name = 'PermanentJobFailure';
  }
}

/** Runs `fn`; a permanent error leaves as PermanentJobFailure, anything else unchanged. */
export async function failFastOnPermanent<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const permanent = permanentCause(err);
    throw permanent ? new PermanentJobFailure(permanent) : err;
  }
}

/** The fix named in a failed job's reason, when it failed for a permanent error. */
export function fixOf(failedReason: string): string | null {
  const m = /\(not retried: configuration must fix this: (.*)\)$/.exec(failedReason);
  return m?.[1] ?? null;
}
