/**
 * "A new hold": published on Redis by the act stage after it commits a hold, so the
 * exchange-hook delivery loop, in whichever process runs it, wakes at once instead of at its
 * next poll (the exchange learns of a hold through the hook, and must before it credits the
 * deposit). Only a wake-up: the loop still polls the store, so an announcement lost (Redis
 * down, no subscriber yet) costs one poll interval, never a delivery.
 */
import type { Redis } from 'ioredis';

import type { Logger } from '../log/logger.js';

export const NEW_HOLDS_CHANNEL = 'cordon:holds:new';

export async function announceNewHold(redis: Redis, log: Logger): Promise<void> {
  try {
    await redis.publish(NEW_HOLDS_CHANNEL, '1');
  } catch (err) {
    log.debug({ err }, 'cannot announce a new hold; the hook loop polls anyway');
  }
}

/**
 * Calls `onChange` for every announcement, on a connection of its own (a subscribed Redis
 * connection can do nothing else). Returns the unsubscribe.
 */
export function subscribeNewHolds(redis: Redis, log: Logger, onNewHold: () => void): () => Promise<void> {
  const sub = redis.duplicate();
  sub.on('error', (err: Error) => log.debug({ err: err.message }, 'new-hold subscription: redis error; the hook loop polls anyway'));
  sub.on('message', (channel: string) => {
    if (channel === NEW_HOLDS_CHANNEL) onNewHold();
  });
  sub.subscribe(NEW_HOLDS_CHANNEL).catch((err: unknown) => log.warn({ err }, 'cannot subscribe to new holds; the hook loop polls every interval'));
  return async () => {
    await sub.quit().catch(() => sub.disconnect());
  };
}
