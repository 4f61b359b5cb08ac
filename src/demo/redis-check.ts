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
    throw new DemoError(
      [
        `Redis is not answering at ${url} (${why}).`,
        'Cordon\'s pipeline needs Redis (its stages are BullMQ queues). Start one, e.g.:',
        '    redis-server --daemonize yes                       # installed locally',
        '    docker run -d --name redis -p 6379:6379 redis:7    # or with Docker',
        'or point the demo at another one: CORDON_DEMO_REDIS_URL=redis://host:6379/9 npm run demo',
      ].join('\n'),
    );
  } finally {
    redis.disconnect();
  }
}
