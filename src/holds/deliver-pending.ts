/**
 * The exchange-hook worker: delivers every hold not yet delivered, records each attempt on the
 * hold, and schedules the next try with exponential backoff and jitter.
 *
 * Nothing is ever given up: a transient failure (no answer, timeout, 408, 429, 5xx) is retried
 * from `baseMs` doubling up to `capMs`; a refusal (another 4xx, a 3xx) is retried no sooner than
 * every `refusedMinMs` and the hold's hook status becomes `failed` so `cordon holds list` shows
 * it. Refusals, and transient failures past `alertAfterAttempts`, are logged at error level and
 * reported with `alert: true` and the on-call page to send (`page`, a `hook_delivery_failing`
 * alert deduplicated per hold per hour).
 *
 * Deliveries run concurrently, at most `concurrency` at once: a hook that hangs for one hold
 * holds one slot for one timeout, and the other holds go through the other slots. A hold is
 * claimed before it is sent (its next attempt moves past the request's timeout), so no two
 * workers, in this process or another, send it at once; a worker that dies mid-request leaves
 * the claim to run out, and the hold is sent again (the exchange dedupes it by its idempotency
 * key).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { hookDeliveryFailingAlert, type HookDeliveryFailingAlert } from '../domain/alert.js';
import type { Logger } from '../log/logger.js';
import type { HoldsRepo, StoredHold } from '../store/holds-repo.js';
import { deliverHold, hookOrigin, hookTarget, type HookConfig, type HookOutcome } from './exchange-hook.js';

export interface HookRetryPolicy {
  /** Delay after the first failed attempt; doubles with each further one. */
  readonly baseMs: number;
  /** The most a transient failure waits between attempts. */
  readonly capMs: number;
  /** The least a refused hold (4xx other than 408/429, 3xx) waits between attempts. */
  readonly refusedMinMs: number;
  /** From this many failed attempts in a row, every further failure is an alert (a refusal is one at once). */
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

/** Deliveries at once, by default. */
export const DEFAULT_HOOK_CONCURRENCY = 4;

/**
 * How long past the request's own timeout a claim on a hold lasts: room to record the attempt.
 * Only a worker that died lets it run out.
 */
const CLAIM_MARGIN_MS = 60_000;

/** How a delivery ended, as `cordon_hook_deliveries_total{outcome}` counts it. */
export type HookDeliveryResult = 'delivered' | 'refused' | 'failed' | 'timeout';

export interface DeliverPendingOptions {
  /** Holds per run. Default 50. */
  readonly limit?: number;
  /** Deliveries at once. Default 4. */
  readonly concurrency?: number;
  readonly retry?: HookRetryPolicy;
  /** Scheduling and recorded attempt times (not the signature's timestamp). Default the wall clock. */
  readonly clock?: () => Date;
  readonly random?: () => number;
  /** Called as each delivery ends (count it, page on-call for `page`); its errors are logged. */
  readonly onDelivery?: (report: DeliveryReport) => void | Promise<void>;
}

export interface DeliveryReport {
  readonly holdId: number;
  readonly holdKey: string;
  readonly attempt: number;
  readonly outcome: HookOutcome['outcome'];
  /** For the metric: a transient failure is `timeout` when the exchange did not answer in time. */
  readonly result: HookDeliveryResult;
  readonly statusCode: number | null;
  readonly error: string | null;
  /** Null once delivered. */
  readonly nextAttemptAt: Date | null;
  /** Failed attempts in a row so far, this one included; 0 once delivered. */
  readonly failedAttempts: number;
  /** On-call should be told: the exchange refused the hold, or it has failed too often. */
  readonly alert: boolean;
  /** The page to send when `alert`; its key folds the hold's further failures within the hour into one. */
  readonly page: HookDeliveryFailingAlert | null;
}

export interface DeliveryRun {
  readonly reports: DeliveryReport[];
  /** Holds marked `not_configured` because no hook is configured. */
  readonly notConfigured: number[];
}

/**
 * One pass: every hold due for delivery (up to `limit`) is claimed and gets one attempt, at
 * most `concurrency` at once. With no hook configured (`hook` null), due holds are marked
 * `not_configured` instead.
 */
export async function deliverPending(
  repo: HoldsRepo,
  hook: HookConfig | null,
  log: Logger,
  options: DeliverPendingOptions = {},
): Promise<DeliveryRun> {
  const limit = options.limit ?? 50;
  if (hook === null) return { reports: [], notConfigured: await parkNotConfigured(repo, log, limit) };
  const deliver = deliverer(repo, hook, log, options);
  const claimed = await claim(repo, hook, limit, options.clock ?? (() => new Date()));
  const reports: DeliveryReport[] = [];
  let next = 0;
  const slot = async (): Promise<void> => {
    for (let hold = claimed[next++]; hold !== undefined; hold = claimed[next++]) {
      const report = await deliver(hold);
      if (report !== null) reports.push(report);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrencyOf(options), claimed.length) }, slot));
  return { reports, notConfigured: [] };
}

function concurrencyOf(options: DeliverPendingOptions): number {
  return Math.max(1, Math.floor(options.concurrency ?? DEFAULT_HOOK_CONCURRENCY));
}

async function parkNotConfigured(repo: HoldsRepo, log: Logger, limit: number): Promise<number[]> {
  const due = await repo.holdsPendingDelivery(limit);
  for (const hold of due) await repo.markHookNotConfigured(hold.id);
  if (due.length > 0) {
    log.info({ component: 'exchange-hook', holds: due.length }, 'no exchange hook configured; holds marked not_configured');
  }
  return due.map((h) => h.id);
}

/** Claims up to `n` due holds for one request each (see `HoldsRepo.claimHoldsForDelivery`). */
function claim(repo: HoldsRepo, hook: HookConfig, n: number, clock: () => Date): Promise<StoredHold[]> {
  const now = clock();
  return repo.claimHoldsForDelivery(n, now, new Date(now.getTime() + hook.timeoutMs + CLAIM_MARGIN_MS));
}

/**
 * One attempt at a claimed hold, reported to `onDelivery`. Null when the attempt could not be
 * recorded (the store failed): logged, and the hold is tried again once its claim runs out.
 */
function deliverer(
  repo: HoldsRepo,
  hook: HookConfig,
  log: Logger,
  options: DeliverPendingOptions,
): (hold: StoredHold) => Promise<DeliveryReport | null> {
  const policy = options.retry ?? DEFAULT_HOOK_RETRY;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  return async (hold) => {
    let report: DeliveryReport;
    try {
      report = await deliverOne(repo, hold, hook, log, policy, clock, random);
    } catch (err) {
      log.error(
        { component: 'exchange-hook', holdId: hold.id, holdKey: hold.holdKey, err },
        'cannot record the exchange hook attempt; the hold is sent again once its claim runs out: check the store',
      );
      return null;
    }
    try {
      await options.onDelivery?.(report);
    } catch (err) {
      log.error({ component: 'exchange-hook', holdId: hold.id, err }, 'handling a delivery report failed (metric or on-call page)');
    }
    return report;
  };
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
    const attempt = await repo.recordHookAttempt(hold.id, { outcome: 'delivered', statusCode: result.statusCode, at, revision: hold.hookRevision });
    if (attempt.attempt > 1) {
      log.info(
        { ...fields, attempt: attempt.attempt, status: result.statusCode, failedBefore: attempt.attempt - 1 },
        `hold delivered to the exchange after ${attempt.attempt - 1} failed attempts`,
      );
    } else {
      log.info({ ...fields, attempt: attempt.attempt, status: result.statusCode }, 'hold delivered to the exchange');
    }
    return {
      holdId: hold.id,
      holdKey: hold.holdKey,
      attempt: attempt.attempt,
      outcome: 'delivered',
      result: 'delivered',
      statusCode: result.statusCode,
      error: null,
      nextAttemptAt: null,
      failedAttempts: 0,
      alert: false,
      page: null,
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
    revision: hold.hookRevision,
  });
  const alert = result.outcome === 'refused' || failedSoFar >= policy.alertAfterAttempts;
  const details = {
    ...fields,
    attempt: attempt.attempt,
    status: result.statusCode,
    error: result.error,
    failedAttempts: failedSoFar,
    nextAttemptAt: nextAttemptAt.toISOString(),
  };
  if (result.outcome === 'refused') {
    log.error(
      details,
      `exchange refused the hold (${result.error}); it is kept and retried at most every ` +
        `${Math.round(policy.refusedMinMs / 60_000)} min; on-call is paged: check the exchange endpoint and the shared hook secret`,
    );
  } else if (alert) {
    log.error(details, `exchange hook has failed ${failedSoFar} times in a row; still retrying; on-call is paged: check the exchange endpoint`);
  } else {
    log.warn(details, 'exchange hook attempt failed; will retry');
  }
  const page = alert
    ? hookDeliveryFailingAlert(
        {
          holdId: hold.id,
          holdKey: hold.holdKey,
          accountId: hold.accountId,
          chain: hold.chain,
          txid: hold.txid,
          reason: result.outcome === 'refused' ? 'refused' : 'failing',
          statusCode: result.statusCode,
          error: result.error,
          failedAttempts: failedSoFar,
          target: hookOrigin(hook.url),
          nextAttemptAt: nextAttemptAt.toISOString(),
        },
        clock(),
      )
    : null;
  return {
    holdId: hold.id,
    holdKey: hold.holdKey,
    attempt: attempt.attempt,
    outcome: result.outcome,
    result: result.outcome === 'refused' ? 'refused' : result.timedOut ? 'timeout' : 'failed',
    statusCode: result.statusCode,
    error: result.error,
    nextAttemptAt,
    failedAttempts: failedSoFar,
    alert,
    page,
  };
}

export interface DeliveryLoopOptions extends DeliverPendingOptions {
  /** Stops the loop; deliveries in flight finish first (each within the hook's timeout). */
  readonly signal: AbortSignal;
  /** Pause between looks at the store while nothing new is announced. Default 1 s. */
  readonly pollMs?: number;
  /**
   * Called after every look at the store, with the deliveries that ended since the one before
   * and the holds marked `not_configured`.
   */
  readonly onRun?: (run: DeliveryRun) => void | Promise<void>;
  /**
   * Wakes the loop early when a hold is raised (e.g. a Redis announcement from the act stage);
   * given the wake function, returns the unsubscribe. The loop polls anyway.
   */
  readonly wakeOn?: (wake: () => void) => () => void | Promise<void>;
}

/**
 * Delivers holds until `signal` aborts, keeping up to `concurrency` deliveries in flight: a
 * slot that frees (or a hold announced, or the poll interval) makes the loop claim more. A
 * store error is logged and the store is asked again after the poll interval; the loop never
 * exits on its own.
 */
export async function runHookDeliveryLoop(
  repo: HoldsRepo,
  hook: HookConfig | null,
  log: Logger,
  options: DeliveryLoopOptions,
): Promise<void> {
  const { signal, pollMs = 1_000, onRun, wakeOn, ...pass } = options;
  const limit = pass.limit ?? 50;
  const concurrency = concurrencyOf(pass);
  const clock = pass.clock ?? (() => new Date());
  const inFlight = new Set<Promise<void>>();
  let ended: DeliveryReport[] = [];
  // Set by a hold announced or a delivery ending: look at the store again before sleeping.
  let kicked = false;
  let wakeSleeper: (() => void) | undefined;
  const kick = () => {
    kicked = true;
    wakeSleeper?.();
  };
  const deliver = hook === null ? null : deliverer(repo, hook, log, pass);
  const unsubscribe = wakeOn?.(kick);
  try {
    while (!signal.aborted) {
      kicked = false;
      let more = false;
      let notConfigured: number[] = [];
      try {
        if (hook === null || deliver === null) {
          notConfigured = await parkNotConfigured(repo, log, limit);
          more = notConfigured.length >= limit;
        } else if (inFlight.size < concurrency) {
          for (const hold of await claim(repo, hook, concurrency - inFlight.size, clock)) {
            const running: Promise<void> = deliver(hold).then((report) => {
              inFlight.delete(running);
              if (report !== null) ended.push(report);
              kick();
            });
            inFlight.add(running);
          }
        }
      } catch (err) {
        log.error({ component: 'exchange-hook', err }, 'cannot read holds to deliver from the store; trying again');
      }
      const reports = ended;
      ended = [];
      try {
        await onRun?.({ reports, notConfigured });
      } catch (err) {
        log.error({ component: 'exchange-hook', err }, 'exchange hook pass handler failed');
      }
      if (more || kicked || signal.aborted) continue;
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
    await Promise.allSettled([...inFlight]);
    await unsubscribe?.();
  }
}
