import type { RedisOptions as QueueRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

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
