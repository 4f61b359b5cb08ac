import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenBucket, RateLimitQueueFull } from '../../src/alerts/rate-limit.js';

describe('per-channel rate limit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('lets a burst through, then releases waiting sends one per interval, first come first served', async () => {
    const bucket = createTokenBucket({ channel: 'oncall', perMinute: 60, burst: 2, maxWaiting: 10 });
    const released: number[] = [];
    const takes = [1, 2, 3, 4, 5].map((n) => bucket.take().then(() => released.push(n)));
    await vi.advanceTimersByTimeAsync(0);
    expect(released).toEqual([1, 2]);
    expect(bucket.waiting).toBe(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(released).toEqual([1, 2, 3]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(released).toEqual([1, 2, 3, 4, 5]);
    await Promise.all(takes);
  });

  it('refuses, rather than drops, a send when the queue is full', async () => {
    const bucket = createTokenBucket({ channel: 'oncall', perMinute: 60, burst: 1, maxWaiting: 2 });
    await bucket.take();
    const waiting = [bucket.take(), bucket.take()];
    await expect(bucket.take()).rejects.toBeInstanceOf(RateLimitQueueFull);
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(waiting);
  });

  it("a receiver's Retry-After holds every queued send until it has passed", async () => {
    const bucket = createTokenBucket({ channel: 'oncall', perMinute: 600, burst: 5, maxWaiting: 10 });
    bucket.pause(5_000);
    expect(bucket.ready()).toBe(false);
    let released = 0;
    const p = bucket.take().then(() => released++);
    await vi.advanceTimersByTimeAsync(4_900);
    expect(released).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(released).toBe(1);
    await p;
  });
});
