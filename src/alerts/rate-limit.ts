/**
 * A token bucket per channel: `burst` sends at once, then one every `60 000 / perMinute` ms.
 * Excess sends wait in a FIFO queue instead of being dropped; the queue is bounded
 * (`maxWaiting`) so a flood cannot pile up without limit — a send that finds it full is
 * refused with `RateLimitQueueFull`, which the dispatcher records as a retryable failure (the
 * job that dispatched it retries later, and the `failed` record does not block that retry).
 * A receiver's `Retry-After` pauses the whole bucket, so queued alerts wait too.
 */
export class RateLimitQueueFull extends Error {
  override readonly name = 'RateLimitQueueFull';
  constructor(readonly channel: string, readonly maxWaiting: number) {
    super(`alert channel "${channel}": ${maxWaiting} alerts already wait for the rate limit; retry later`);
  }
}

export interface TokenBucketOptions {
  readonly channel: string;
  readonly perMinute: number;
  readonly burst: number;
  readonly maxWaiting: number;
  readonly now?: () => number;
}

export interface TokenBucket {
  /** Resolves when a send may go; rejects with `RateLimitQueueFull` when the queue is full. */
  take(): Promise<void>;
  /** Whether `take()` would resolve at once. */
  ready(): boolean;
  /** No send before `ms` from now (a 429's `Retry-After`). */
  pause(ms: number): void;
  /** Sends queued behind the limit right now. */
  readonly waiting: number;
}

export function createTokenBucket(opts: TokenBucketOptions): TokenBucket {
  if (!(opts.perMinute > 0)) throw new Error(`alert channel "${opts.channel}": rate limit must be > 0 per minute`);
  const now = opts.now ?? Date.now;
  const burst = Math.max(1, opts.burst);
  const msPerToken = 60_000 / opts.perMinute;
  let tokens = burst;
  let last = now();
  let pausedUntil = 0;
  const waiters: (() => void)[] = [];
  let timer: NodeJS.Timeout | null = null;

  const refill = (): void => {
    const t = now();
    tokens = Math.min(burst, tokens + (t - last) / msPerToken);
    last = t;
  };

  const drain = (): void => {
    timer = null;
    if (now() >= pausedUntil) {
      refill();
      while (waiters.length > 0 && tokens >= 1) {
        tokens -= 1;
        waiters.shift()?.();
      }
    }
    if (waiters.length > 0) schedule();
  };

  const schedule = (): void => {
    if (timer !== null) return;
    refill();
    const untilToken = tokens >= 1 ? 0 : (1 - tokens) * msPerToken;
    const wait = Math.max(pausedUntil - now(), untilToken, 0);
    timer = setTimeout(drain, Math.ceil(wait));
  };

  return {
    take() {
      if (waiters.length === 0 && now() >= pausedUntil) {
        refill();
        if (tokens >= 1) {
          tokens -= 1;
          return Promise.resolve();
        }
      }
      if (waiters.length >= opts.maxWaiting) return Promise.reject(new RateLimitQueueFull(opts.channel, opts.maxWaiting));
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        schedule();
      });
    },
    ready() {
      if (waiters.length > 0 || now() < pausedUntil) return false;
      refill();
      return tokens >= 1;
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
      if (timer !== null) {
        // Re-plan: the pending wake-up may now be too early (drain would re-plan anyway).
        clearTimeout(timer);
        timer = null;
        if (waiters.length > 0) schedule();
      }
    },
    get waiting() {
      return waiters.length;
    },
  };
}
