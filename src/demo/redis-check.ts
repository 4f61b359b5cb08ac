import { Redis } from 'ioredis';
import { DemoError } from './demo-error.js';

/**
 * Checks that Redis answers at `url` and empties that database (the demo's own), so reruns
 * start clean. Fails fast, with how to start Redis, when nothing answers.
 */
export async function flushDemoRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  try {
    await redis.connect();
    await redis.ping();
    await redis.flushdb();
  } catch (err) {
    const why = lastError || (err instanceof Error ? err.message : String(err));
    throw new DemoError([`Redis is not answering at ${url} (${why}).`, ...startHints(url)].join('\n'));
  } finally {
    redis.disconnect();
  }
}

/** How to start a Redis where `url` points (its port; a remote host is only named). */
export function startHints(url: string): string[] {
  let host = '127.0.0.1';
  let port = 6379;
  try {
    const u = new URL(url);
    host = u.hostname || host;
    port = u.port === '' ? 6379 : Number(u.port);
  } catch {
    // An unreadable URL: the defaults' hints, and the URL is in the first line.
  }
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
  const other = 'or point the demo at another one: CORDON_DEMO_REDIS_URL=redis://host:6379/9 npm run demo';
  if (!local) return [`Cordon's pipeline needs Redis (its stages are BullMQ queues): start the one on ${host}:${port},`, other];
  return [
    "Cordon's pipeline needs Redis (its stages are BullMQ queues). Start one on that port, e.g.:",
    `    redis-server --daemonize yes --port ${port}${' '.repeat(Math.max(1, 22 - String(port).length))}# installed locally`,
    `    docker run -d --name redis -p ${port}:6379 redis:7${' '.repeat(Math.max(1, 10 - String(port).length))}# or with Docker`,
    other,
  ];
}
