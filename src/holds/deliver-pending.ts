/**
 * The exchange-hook worker: delivers every hold not yet delivered, records each attempt on the
 * hold, and schedules the next try with exponential backoff and jitter.
 *
 * Nothing is ever given up: a transient failure (no answer, timeout, 408, 429, 5xx) is retried
 * from `baseMs` doubling up to `capMs`; a refusal (another 4xx, a 3xx) is retried no sooner than
 * every `refusedMinMs` and the hold's hook status becomes `failed` so `cordon holds list` shows
 * it. Refusals, and transient failures past `alertAfterAttempts`, are logged at error level and
 * reported with `alert: true` so the caller pages on-call.
 *
 * Several workers may run this at once: attempt numbers stay unique, and the exchange dedupes a
 * hold sent twice by its idempotency key.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import type { HoldsRepo, StoredHold } from '../store/holds-repo.js';
import { deliverHold, hookTarget, type HookConfig, type HookOutcome } from './exchange-hook.js';

export interface HookRetryPolicy {
  /** Delay after the first failed attempt; doubles with each further one. */
  readonly baseMs: number;
  /** The most a transient failure waits between attempts. */
  readonly capMs: number;
  /** The least a refused hold (4xx other than 408/429, 3xx) waits between attempts. */
  readonly refusedMinMs: number;
  /** From this many failed attempts in a row, every further failure is an alert. */
  readonly alertAfterAttempts: number;
}

export const DEFAULT_HOOK_RETRY: HookRetryPolicy = {
  baseMs: 2_000,
  capMs: 10 * 60_000,
  refusedMinMs: 30 * 60_000,
  alertAfterAttempts: 8,
};

/**
 * Delay before the next attempt after `failedAttempts` failures in a row: exponential, capped,
 * with equal jitter (half fixed, half random) so holds failing together do not retry together.
 * A `Retry-After` from the exchange is honoured up to `capMs`.
 */
export function hookRetryDelayMs(
  failedAttempts: number,
  outcome: 'retry' | 'refused',
  retryAfterMs: number | null,
  policy: HookRetryPolicy = DEFAULT_HOOK_RETRY,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 40));
  let delay = exp / 2 + (random() * exp) / 2;
  if (outcome === 'refused') delay = Math.max(delay, policy.refusedMinMs * (1 + random() / 4));
  if (retryAfterMs !== null) delay = Math.max(delay, Math.min(retryAfterMs, policy.capMs));
  return Math.round(delay);
}

export interface DeliverPendingOptions {
  /** Holds per run. Default 50. */
  readonly limit?: number;
  readonly retry?: HookRetryPolicy;
  /** Scheduling and recorded attempt times (not the signature's timestamp). Default the wall clock. */
  readonly clock?: () => Date;
  readonly random?: () => number;
}

export interface DeliveryReport {
  readonly holdId: number;
  readonly holdKey: string;
  readonly attempt: number;
  readonly outcome: HookOutcome['outcome'];
  readonly statusCode: number | null;
  readonly error: string | null;
  /** Null once delivered. */
  readonly nextAttemptAt: Date | null;
  /** On-call should be told: the exchange refused the hold, or it has failed too often. */
  readonly alert: boolean;
}

export interface DeliveryRun {
  readonly reports: DeliveryReport[];
  /** Holds marked `not_configured` because no hook is configured. */
  readonly notConfigured: number[];
}

/**
 * One pass: every hold due for delivery (up to `limit`) gets one attempt. With no hook
 * configured (`hook` null), due holds are marked `not_configured` instead.
 */
export async function deliverPending(
  repo: HoldsRepo,
  hook: HookConfig | null,
  log: Logger,
  options: DeliverPendingOptions = {},
): Promise<DeliveryRun> {
  const clock = options.clock ?? (() => new Date());
  const policy = options.retry ?? DEFAULT_HOOK_RETRY;
  const due = await repo.holdsPendingDelivery(options.limit ?? 50, clock());
  if (hook === null) {
    for (const hold of due) await repo.markHookNotConfigured(hold.id);
    if (due.length > 0) {
      log.info({ component: 'exchange-hook', holds: due.length }, 'no exchange hook configured; holds marked not_configured');
    }
    return { reports: [], notConfigured: due.map((h) => h.id) };
  }
  const reports: DeliveryReport[] = [];
  for (const hold of due) reports.push(await deliverOne(repo, hold, hook, log, policy, clock, options.random ?? Math.random));
  return { reports, notConfigured: [] };
}

async function deliverOne(
  repo: HoldsRepo,
  hold: StoredHold,
  hook: HookConfig,
  log: Logger,
  policy: HookRetryPolicy,
  clock: () => Date,
  random: () => number,
): Promise<DeliveryReport> {
  const at = clock();
  // Signed with the wall clock: the exchange checks the timestamp against its own.
  const result = await deliverHold(hold, { url: hook.url, secret: hook.secret, timeoutMs: hook.timeoutMs });
  const fields = { component: 'exchange-hook', holdId: hold.id, holdKey: hold.holdKey, target: hookTarget(hook.url) };

  if (result.outcome === 'delivered') {
    const attempt = await repo.recordHookAttempt(hold.id, { outcome: 'delivered', statusCode: result.statusCode, at });
    log.info({ ...fields, attempt: attempt.attempt, status: result.statusCode }, 'hold delivered to the exchange');
    return {
      holdId: hold.id,
      holdKey: hold.holdKey,
      attempt: attempt.attempt,
      outcome: 'delivered',
      statusCode: result.statusCode,
      error: null,
      nextAttemptAt: null,
      alert: false,
    };
  }

  const failedSoFar = (await repo.hookAttempts(hold.id)).filter((a) => a.outcome === 'failed').length + 1;
  const delay = hookRetryDelayMs(failedSoFar, result.outcome, result.retryAfterMs, policy, random);
  const nextAttemptAt = new Date(clock().getTime() + delay);
  const attempt = await repo.recordHookAttempt(hold.id, {
    outcome: 'failed',
    statusCode: result.statusCode,
    error: result.error,
    at,
    hookStatus: result.outcome === 'refused' ? 'failed' : 'pending',
    nextAttemptAt,
  });
  const alert = result.outcome === 'refused' || failedSoFar >= policy.alertAfterAttempts;
  const details = {
    ...fields,
    attempt: attempt.attempt,
    status: result.statusCode,
    error: result.error,
    nextAttemptAt: nextAttemptAt.toISOString(),
  };
  if (result.outcome === 'refused') {
    log.error(
      details,
      `exchange refused the hold (${result.error}); it is kept and retried at most every ` +
        `${Math.round(policy.refusedMinMs / 60_000)} min: check the exchange endpoint and the shared hook secret`,
    );
  } else if (alert) {
    log.error(details, `exchange hook has failed ${failedSoFar} times in a row; still retrying: check the exchange endpoint`);
  } else {
    log.warn(details, 'exchange hook attempt failed; will retry');
  }
  return {
    holdId: hold.id,
    holdKey: hold.holdKey,
    attempt: attempt.attempt,
    outcome: result.outcome,
    statusCode: result.statusCode,
    error: result.error,
    nextAttemptAt,
    alert,
  };
}

export interface DeliveryLoopOptions extends DeliverPendingOptions {
  /** Stops the loop (after the attempt in flight). */
  readonly signal: AbortSignal;
  /** Pause between passes that found less than a full batch. Default 1 s. */
  readonly pollMs?: number;
  /** Called after every pass, e.g. to page on-call for reports with `alert`. */
  readonly onRun?: (run: DeliveryRun) => void | Promise<void>;
  /**
   * Wakes the loop early when a hold is raised (e.g. a Redis announcement from the act stage);
   * given the wake function, returns the unsubscribe. The loop polls anyway.
   */
  readonly wakeOn?: (wake: () => void) => () => void | Promise<void>;
}

/**
 * Runs `deliverPending` until `signal` aborts. A store error is logged and the pass is tried
 * again after the poll interval; the loop never exits on its own.
 */
export async function runHookDeliveryLoop(
  repo: HoldsRepo,
  hook: HookConfig | null,
  log: Logger,
  options: DeliveryLoopOptions,
): Promise<void> {
  const { signal, pollMs = 1_000, onRun, wakeOn, ...pass } = options;
  const limit = pass.limit ?? 50;
  // A hold announced during a pass makes the next pass start at once.
  let woken = false;
  let wakeSleeper: (() => void) | undefined;
  const unsubscribe = wakeOn?.(() => {
    woken = true;
    wakeSleeper?.();
  });
  try {
    while (!signal.aborted) {
      woken = false;
      let full = false;
      try {
        const run = await deliverPending(repo, hook, log, { ...pass, limit });
        full = run.reports.length + run.notConfigured.length >= limit;
        await onRun?.(run);
      } catch (err) {
        log.error({ component: 'exchange-hook', err }, 'exchange hook pass failed; trying again');
      }
      if (full || woken || signal.aborted) continue;
      const early = new AbortController();
      wakeSleeper = () => early.abort();
      try {
        await sleep(pollMs, undefined, { signal: AbortSignal.any([signal, early.signal]) });
      } catch {
        // stopped, or woken early
      } finally {
        wakeSleeper = undefined;
      }
    }
  } finally {
    await unsubscribe?.();
  }
}
