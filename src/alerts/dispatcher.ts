/**
 * Sends one alert to every channel at once. Per channel, independently (a slow or failing
 * channel never delays or fails another):
 *
 * 1. Dedupe. The alerts store is asked to claim (channel, dedupKey) as `sending`, for a short
 *    lease. It answers `sent` when an earlier dispatch already recorded `sent` (or
 *    `suppressed`): that channel is skipped and nothing is sent; `busy` while another sender's
 *    lease runs. A `failed` record from an earlier attempt (or a lease run out after a crash
 *    mid-send) does not block, so a retried job re-sends exactly the channels that did not get
 *    the alert. Two dispatches of one alert in the same process share one send (and its
 *    answer, until its outcome is written); across processes the claims keep it to one.
 * 2. Rate limit: a token bucket per channel (see rate-limit.ts). Every attempt takes a token;
 *    an alert waiting for one keeps renewing its claim.
 * 3. Send, retrying retryable failures with exponential backoff and jitter (at least the
 *    receiver's `Retry-After`), up to `maxAttempts` and within `maxTotalMs` of the first try.
 * 4. Record `sent`, or `failed` (leaving the door open for a later retry). `dispatch` resolves
 *    once that is written; `deliver` as soon as every channel has answered, with the writes in
 *    `recorded`, so that a caller sending many alerts starts the next one meanwhile.
 *
 * Logs name the channel, its type, the alert kind and key, and the HTTP status or error code:
 * never a routing key, webhook URL or secret (channels keep those in their closures).
 */
import type { Alert } from '../domain/alert.js';
import type { Logger } from '../log/logger.js';
import type { AlertClaim, AlertsRepo } from '../store/alerts-repo.js';
import type { AlertChannel, ChannelType, SendResult } from './channel.js';
import { createTokenBucket, RateLimitQueueFull, type TokenBucket } from './rate-limit.js';

/**
 * How long a claim on an alert lasts: one attempt (channel timeouts are 10 s) and the store
 * write after it. It is extended before each wait between attempts and renewed while the alert
 * waits for the channel's rate limit, so only a sender that died lets it run out, and then the
 * alert is free again within this time.
 */
const CLAIM_LEASE_MS = 15_000;

export interface RetryPolicy {
  /** Attempts per channel per dispatch, the first included. Default 5. */
  readonly maxAttempts: number;
  /** First backoff; doubles per attempt. Default 1 s. */
  readonly baseDelayMs: number;
  /** Longest single backoff. Default 30 s. */
  readonly maxDelayMs: number;
  /** No retry starts later than this after the first attempt. Default 2 min. */
  readonly maxTotalMs: number;
  /** A `Retry-After` longer than this ends the dispatch for that channel (the job retries later). Default 60 s. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxTotalMs: 120_000,
  maxRetryAfterMs: 60_000,
};

export interface AlertDispatcherOptions {
  readonly channels: readonly AlertChannel[];
  readonly alertsRepo: Pick<AlertsRepo, 'claimAlert' | 'extendClaim' | 'finishAlert'>;
  readonly log: Logger;
  /** Sends per channel per minute. Default 30 (Slack asks for about one message a second). */
  readonly rateLimitPerMinute?: number;
  /** Sends a channel may make at once before the rate applies. Default min(10, rateLimitPerMinute). */
  readonly burst?: number;
  /** Alerts that may wait for a channel's rate limit before further ones are refused. Default 100. */
  readonly maxQueued?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** For tests: jitter source in [0, 1). */
  readonly random?: () => number;
  /** For tests: how long a claim lasts unless renewed (default 15 s). */
  readonly claimLeaseMs?: number;
}

export type ChannelOutcome =
  | { readonly channel: string; readonly type: ChannelType; readonly status: 'sent'; readonly attempts: number }
  /** Already delivered by an earlier dispatch: nothing was sent. */
  | { readonly channel: string; readonly type: ChannelType; readonly status: 'duplicate' }
  | {
      readonly channel: string;
      readonly type: ChannelType;
      readonly status: 'failed';
      readonly attempts: number;
      /** True when dispatching again later may succeed (the caller's job should retry). */
      readonly retryable: boolean;
      readonly reason: string;
    };

export interface DispatchResult {
  readonly kind: Alert['kind'];
  readonly dedupKey: string;
  readonly outcomes: readonly ChannelOutcome[];
  /** Every channel has the alert (now or earlier). */
  readonly delivered: boolean;
  /** Some channel failed in a way a later dispatch may fix. */
  readonly retryable: boolean;
}

/** A dispatch whose outcomes are being written. */
export interface Delivery extends DispatchResult {
  /** Settles once every channel's outcome is in the store (or its failure logged); never rejects. */
  readonly recorded: Promise<void>;
}

export interface AlertDispatcher {
  /** Never rejects: each channel's failure is in its outcome. Resolves once the outcomes are recorded. */
  dispatch(alert: Alert): Promise<DispatchResult>;
  /**
   * As `dispatch`, resolving once every channel has answered. Whoever must know the outcomes
   * are written (a job before it completes) awaits `recorded`.
   */
  deliver(alert: Alert): Promise<Delivery>;
}

/** One channel's outcome, and its write to the store. */
interface Sent {
  readonly outcome: ChannelOutcome;
  readonly recorded: Promise<void>;
}

const NOTHING_TO_RECORD: Promise<void> = Promise.resolve();

export function createAlertDispatcher(opts: AlertDispatcherOptions): AlertDispatcher {
  const names = new Set<string>();
  for (const c of opts.channels) {
    if (names.has(c.name)) throw new Error(`two alert channels are named "${c.name}": names must be unique`);
    names.add(c.name);
  }
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const perMinute = opts.rateLimitPerMinute ?? 30;
  const random = opts.random ?? Math.random;
  const leaseMs = opts.claimLeaseMs ?? CLAIM_LEASE_MS;
  const log = opts.log.child({ component: 'alerts' });
  const buckets = new Map<string, TokenBucket>(
    opts.channels.map((c) => [
      c.name,
      createTokenBucket({
        channel: c.name,
        perMinute,
        burst: opts.burst ?? Math.min(10, Math.max(1, Math.floor(perMinute))),
        maxWaiting: opts.maxQueued ?? 100,
      }),
    ]),
  );
  const inFlight = new Map<string, Promise<Sent>>();

  const backoff = (attempt: number): number => {
    const exp = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + (exp / 2) * random());
  };

  async function deliverOn(channel: AlertChannel, alert: Alert, bucket: TokenBucket): Promise<Sent> {
    const base = { channel: channel.name, type: channel.type } as const;
    const ctx = { channel: channel.name, channelType: channel.type, kind: alert.kind, dedupKey: alert.dedupKey };

    let claim: AlertClaim;
    try {
      claim = await opts.alertsRepo.claimAlert(channel.name, alert.dedupKey, alert.kind, leaseMs);
    } catch (err) {
      log.error({ ...ctx, error: errorName(err) }, 'alert store unavailable; alert not sent on this channel');
      return unrecorded({ ...base, status: 'failed', attempts: 0, retryable: true, reason: 'alert store unavailable' });
    }
    if (claim === 'sent') {
      log.debug(ctx, 'alert already sent on this channel; skipped');
      return unrecorded({ ...base, status: 'duplicate' });
    }
    if (claim === 'busy') {
      // Another process is sending it; if that process died, its short lease frees the alert
      // for the retry of this dispatch.
      log.info(ctx, 'alert is being sent by another process; dispatch again later');
      return unrecorded({ ...base, status: 'failed', attempts: 0, retryable: true, reason: 'being sent by another process' });
    }

    const started = Date.now();
    let attempts = 0;
    let last: Exclude<SendResult, { outcome: 'delivered' }> | null = null;
    let waitedForLimit = false;
    while (attempts < retry.maxAttempts) {
      try {
        if (bucket.ready()) await bucket.take();
        else {
          if (!waitedForLimit) {
            waitedForLimit = true;
            log.info({ ...ctx, queued: bucket.waiting }, 'channel rate limit reached; alert waits its turn');
          }
          // The queue behind a limit of 30 a minute can outlast the lease: without renewal,
          // another process would find the claim expired and send the alert a second time.
          await holdingClaim(channel.name, alert.dedupKey, bucket.take());
        }
      } catch (err) {
        const reason = err instanceof RateLimitQueueFull ? 'rate-limit queue full' : 'rate limiter failed';
        log.error({ ...ctx, attempts }, `alert not sent: ${reason}; dispatch again later`);
        return record(channel, alert, ctx, { ...base, status: 'failed', attempts, retryable: true, reason });
      }
      attempts += 1;
      let result: SendResult;
      try {
        result = await channel.send(alert);
      } catch (err) {
        // Channels report through SendResult; a throw is a bug in one — do not echo its message.
        result = { outcome: 'retryable', status: null, retryAfterMs: null, reason: `channel threw ${errorName(err)}` };
      }
      if (result.outcome === 'delivered') {
        log.info({ ...ctx, status: result.status, attempts }, 'alert delivered');
        return record(channel, alert, ctx, { ...base, status: 'sent', attempts });
      }
      last = result;
      if (result.outcome === 'permanent') {
        log.error({ ...ctx, status: result.status, reason: result.reason, attempts }, 'alert refused by the channel; not retrying — check the channel configuration');
        return record(channel, alert, ctx, { ...base, status: 'failed', attempts, retryable: false, reason: result.reason });
      }
      if (attempts >= retry.maxAttempts) break;
      let delay = backoff(attempts);
      if (result.retryAfterMs !== null) {
        if (result.retryAfterMs > retry.maxRetryAfterMs) {
          log.warn({ ...ctx, status: result.status, retryAfterMs: result.retryAfterMs }, 'channel asks to wait longer than allowed; giving up for now');
          bucket.pause(result.retryAfterMs);
          break;
        }
        bucket.pause(result.retryAfterMs);
        delay = Math.max(delay, result.retryAfterMs);
      }
      if (Date.now() + delay - started > retry.maxTotalMs) break;
      log.warn({ ...ctx, status: result.status, reason: result.reason, attempts, delayMs: delay }, 'alert not delivered; retrying');
      await opts.alertsRepo.extendClaim(channel.name, alert.dedupKey, delay + leaseMs).catch(() => undefined);
      await sleep(delay);
    }
    const reason = last?.reason ?? 'not attempted';
    log.error({ ...ctx, status: last?.status ?? null, reason, attempts }, 'alert not delivered after retries; dispatch again later');
    return record(channel, alert, ctx, { ...base, status: 'failed', attempts, retryable: true, reason });
  }

  /** Waits for `wait`, renewing the claim every third of a lease until it settles. */
  async function holdingClaim(channel: string, dedupKey: string, wait: Promise<void>): Promise<void> {
    const renew = setInterval(() => void opts.alertsRepo.extendClaim(channel, dedupKey, leaseMs).catch(() => undefined), leaseMs / 3);
    renew.unref();
    try {
      await wait;
    } finally {
      clearInterval(renew);
    }
  }

  /** Starts writing the outcome; the write's failure is logged, never thrown. */
  function record(
    channel: AlertChannel,
    alert: Alert,
    ctx: Record<string, string>,
    outcome: Exclude<ChannelOutcome, { status: 'duplicate' }>,
  ): Sent {
    const recorded = opts.alertsRepo.finishAlert(channel.name, alert.dedupKey, outcome.status).catch((err: unknown) => {
      // A `sent` that is not recorded may be sent again by a retried job; say so.
      log.error({ ...ctx, outcome: outcome.status, error: errorName(err) }, 'could not record the alert outcome');
    });
    return { outcome, recorded };
  }

  async function deliver(alert: Alert): Promise<Delivery> {
    const sent = await Promise.all(
      opts.channels.map((channel) => {
        const key = `${channel.name}\u0000${alert.dedupKey}`;
        const running = inFlight.get(key);
        if (running !== undefined) return running;
        const bucket = buckets.get(channel.name);
        const p = (bucket === undefined ? Promise.reject(new Error('no rate limiter')) : deliverOn(channel, alert, bucket)).catch((err: unknown): Sent => {
          log.error({ channel: channel.name, kind: alert.kind, dedupKey: alert.dedupKey, error: errorName(err) }, 'alert dispatch failed');
          return unrecorded({ channel: channel.name, type: channel.type, status: 'failed', attempts: 0, retryable: true, reason: 'internal error' });
        });
        inFlight.set(key, p);
        // Shared until its outcome is written: a second dispatch meanwhile gets this one's
        // answer instead of finding its own claim still open and calling it busy.
        void p.then((s) => s.recorded).finally(() => inFlight.delete(key));
        return p;
      }),
    );
    const outcomes = sent.map((s) => s.outcome);
    return {
      kind: alert.kind,
      dedupKey: alert.dedupKey,
      outcomes,
      delivered: outcomes.every((o) => o.status !== 'failed'),
      retryable: outcomes.some((o) => o.status === 'failed' && o.retryable),
      recorded: Promise.all(sent.map((s) => s.recorded)).then(() => undefined),
    };
  }

  return {
    deliver,
    async dispatch(alert) {
      const { recorded, ...result } = await deliver(alert);
      await recorded;
      return result;
    },
  };
}

function unrecorded(outcome: ChannelOutcome): Sent {
  return { outcome, recorded: NOTHING_TO_RECORD };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The error's class name only: messages from drivers or channels may quote what they were given. */
function errorName(err: unknown): string {
  if (err instanceof Error) return err.name;
  return typeof err;
}
