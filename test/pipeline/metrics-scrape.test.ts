/**
 * `/metrics` answers while Redis is down: the queue-depth collector is left behind after the
 * collect timeout and its gauge emptied, instead of the scrape hanging for the whole outage.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createMetrics, type Metrics } from '../../src/pipeline/metrics.js';
import { startPipeline, type Pipeline } from '../../src/pipeline/service.js';
import { openStore, type Store } from '../../src/store/index.js';
import { freePort } from '../helpers/anvil.js';
import { RedisServer } from '../helpers/redis-server.js';

/** The scrape, or `hung` after `ms`. */
async function scrape(metrics: Metrics, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    return await Promise.race([metrics.registry.metrics(), hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('/metrics during a Redis outage', () => {
  let redis: RedisServer;
  let store: Store;
  let pipeline: Pipeline;
  let metrics: Metrics;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    const { config } = loadConfig({ env: { CORDON_REDIS__URL: redis.url() } });
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    metrics = createMetrics({ defaultMetrics: false, collectTimeoutMs: 300 });
    pipeline = await startPipeline({ config, store, log: pino({ level: 'silent' }), metrics, stages: [], sources: new Map() });
  });
  afterAll(async () => {
    if (!redis.running) await redis.start().catch(() => undefined);
    await pipeline?.stop();
    await store?.close();
    await redis?.close();
  });

  it('counts jobs per queue while Redis answers', async () => {
    expect(await scrape(metrics, 5_000)).toMatch(/cordon_queue_jobs\{queue="[^"]+",state="waiting"\} 0/);
  });

  it('still answers, without stale queue depths, while Redis is down; and counts the collector that timed out', async () => {
    await redis.kill();
    const text = await scrape(metrics, 5_000);
    expect(text).not.toBe('hung');
    expect(text).not.toMatch(/cordon_queue_jobs\{/);
    // A second scrape does not pile another Redis call onto the one still waiting; the counter
    // (written out before the gauges are collected) shows the first timeout.
    const again = await scrape(metrics, 5_000);
    expect(again).not.toBe('hung');
    expect(again).toMatch(/cordon_metrics_collect_timeouts_total\{collector="queue_jobs"\} [1-9]/);
  });

  it('counts again once Redis is back', async () => {
    await redis.start();
    let text = '';
    for (let i = 0; i < 50 && !/cordon_queue_jobs\{/.test(text); i++) {
      text = await scrape(metrics, 5_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toMatch(/cordon_queue_jobs\{queue="[^"]+",state="waiting"\} 0/);
  });
});
