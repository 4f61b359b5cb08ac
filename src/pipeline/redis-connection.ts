import type { RedisOptions as QueueRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { redactUrl } from '../store/postgres.js';

/**
 * Connection settings from a `redis://` URL. `maxRetriesPerRequest: null` makes commands wait
 * through a lost connection instead of failing (what BullMQ's workers need to pause and
 * resume by themselves); ioredis reconnects with a capped backoff.
 */
export function redisOptions(url: string): QueueRedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 5_000),
  };
}

export function connectRedis(url: string): Redis {
  return new Redis(redisOptions(url));
}

/** Redis did not answer when a command started: nothing was started on it. */
export class RedisUnavailable extends Error {
  override readonly name = 'RedisUnavailable';
  constructor(
    /** The URL without credentials. */
    readonly url: string,
    readonly reason: string,
  ) {
    super(`Redis is not answering at ${url} (${reason}): start it, or point redis.url (CORDON_REDIS__URL) at one that answers`);
  }
}

/**
 * Checks once, within `timeoutMs`, that Redis answers at `url`. Commands check before they
 * start anything: a command whose Redis is down at start fails at once with why, instead of
 * waiting forever in the reconnect loop its workers use to ride out an outage later on.
 */
export async function probeRedis(url: string, timeoutMs: number): Promise<void> {
  const redis = new Redis({ ...redisOptions(url), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError = '';
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([redis.connect().then(() => redis.ping()), late]);
  } catch (err) {
    throw new RedisUnavailable(redactUrl(url), lastError || (err instanceof Error ? err.message : String(err)));
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

