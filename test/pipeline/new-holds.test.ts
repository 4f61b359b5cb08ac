/** The new-hold announcement over a real Redis: what wakes the exchange-hook loop in any process. */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { announceNewHold, subscribeNewHolds } from '../../src/pipeline/new-holds.js';
import { memoryLogger } from '../chains/evm/memory-log.js';

const redis = new Redis('redis://127.0.0.1:6379/0', { lazyConnect: true });

afterAll(() => {
  redis.disconnect();
});

describe('new-hold announcements', () => {
  it('a subscriber (on a connection of its own) hears an announcement; after unsubscribing, nothing', async () => {
    const { log } = memoryLogger();
    let heard = 0;
    const unsubscribe = subscribeNewHolds(redis, log, () => void heard++);
    // Announce until the subscription is live (SUBSCRIBE is asynchronous).
    for (let i = 0; i < 100 && heard === 0; i++) {
      await announceNewHold(redis, log);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(heard).toBeGreaterThan(0);
    await unsubscribe();
    const before = heard;
    await announceNewHold(redis, log);
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toBe(before);
    // The publishing connection itself stays usable for commands.
    expect(await redis.ping()).toBe('PONG');
  });

  it('an announcement Redis cannot take is dropped quietly: the loop polls anyway', async () => {
    const { log, lines } = memoryLogger();
    const down = new Redis('redis://127.0.0.1:1/0', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    await announceNewHold(down, log);
    expect(lines.some((l) => l.msg === 'cannot announce a new hold; the hook loop polls anyway')).toBe(true);
    down.disconnect();
  });
});
