import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createWatchedAddressIndex } from '../accounts/index.js';
import { batchedClaims, createAlertDispatcher, createChannels, createPostThread } from '../alerts/index.js';
import type { ChainSource } from '../chains/chain-source.js';
import type { CordonConfig } from '../config/schema.js';
import { failedJobsAlert } from '../domain/alert.js';
import { DEFAULT_HOOK_RETRY, runHookDeliveryLoop } from '../holds/index.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/index.js';
import { assetPolicies } from './asset-policy.js';
import { createChainSources, identifyChainSources } from './chain-sources.js';
import type { PipelineContext } from './context.js';
import { subscribeNewHolds } from './new-holds.js';
import { startFollowStage, type FollowStage } from './follow-stage.js';
import { addAlertJob } from './alert-jobs.js';
import { ListIndexCache } from './list-index-cache.js';
import type { Metrics } from './metrics.js';
import type { Stage } from './queue-names.js';
import { createQueues, type PipelineQueues } from './queues.js';
import { connectRedis, probeRedis, redisOptions } from './redis-connection.js';
import { runProgress } from './run-progress.js';
import { startWorkers, type WorkerStage } from './workers.js';

/** How long the first outcome of a batch of alert outcomes waits for others before the write. */
const OUTCOME_GATHER_MS = 20;

/** How long a start waits for Redis to answer before it fails. */
const REDIS_PROBE_TIMEOUT_MS = 5_000;

export interface Pipeline {
  readonly ctx: PipelineContext;
  readonly follow: FollowStage | null;
  /** Failed jobs per queue (for readiness, metrics and the CLI). */
  failedCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  readonly config: CordonConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly stages: readonly Stage[];
  /** Chain sources to use instead of building them from the config (tests, replay). */
  readonly sources?: ReadonlyMap<string, ChainSource>;
}

/** Starts the requested stages of the pipeline in this process. */
export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const { config, store, log, metrics } = opts;
  const sources = opts.sources ?? createChainSources(config.chains, log);
  // Before anything else is started: an endpoint on the wrong chain would be read as this one,
  // and a chain with none on the right one fails the start (nothing to stop yet).
  if (opts.stages.includes('follow') || opts.stages.includes('extract')) {
    await identifyChainSources(sources).catch(async (err: unknown) => {
      if (opts.sources === undefined) await Promise.all([...sources.values()].map((s) => s.close().catch(() => undefined)));
      throw err;
    });
  }
  // A Redis that is down at start fails the start at once (the workers' reconnect loop would wait forever).
  await probeRedis(config.redis.url, REDIS_PROBE_TIMEOUT_MS).catch(async (err: unknown) => {
    if (opts.sources === undefined) await Promise.all([...sources.values()].map((s) => s.close().catch(() => undefined)));
    throw err;
  });
  const redis: Redis = connectRedis(config.redis.url);
  redis.on('error', (err) => log.warn({ err: err.message }, 'Redis connection error; reconnecting'));
  const queues: PipelineQueues = createQueues(redisOptions(config.redis.url), {
    attempts: config.pipeline.attempts,
    backoffMs: config.pipeline.backoff,
  });
  for (const q of queues.all) q.on('error', (err) => log.warn({ queue: q.name, err: err.message }, 'queue error; reconnecting'));
  // Started at the first alert: a process without the act stage never has one.
  const postThread = createPostThread(log.child({ component: 'alerts' }));
  const ctx: PipelineContext = {
    config,
    store,
    sources,
    queues,
    redis,
    log,
    metrics,
    alerts: createAlertDispatcher({
      channels: createChannels(config.alerts.channels, { post: postThread.post }),
      // Claims and outcomes of alerts sent together are written together (one statement each);
      // outcomes gathered a little longer, which holds up no send (bench:replay: 163 → ~80 a run).
      alertsRepo: batchedClaims(store.alerts, { outcomeGatherMs: OUTCOME_GATHER_MS }),
      log: log.child({ component: 'alerts' }),
      rateLimitPerMinute: config.alerts.rateLimitPerMinute,
      burst: config.alerts.burst,
    }),
    lists: new ListIndexCache(store.lists, config, log.child({ component: 'sanctions' })),
    // The embedded store computes and decodes each page on this thread: smaller pages keep
    // each stall of the event loop short while millions of addresses load.
    watched: createWatchedAddressIndex(store.accounts, log.child({ component: 'accounts' }), { pageSize: store.kind === 'pglite' ? 10_000 : 50_000 }),
    progress: runProgress(redis),
    assets: assetPolicies(
      config.chains,
      async (chain, contract) => (await sources.get(chain)?.tokenUnits?.(contract)) ?? null,
      log.child({ component: 'assets' }),
    ),
  };

  const workerStages = opts.stages.filter((s): s is WorkerStage => s === 'extract' || s === 'screen' || s === 'act');
  const workers: Worker[] = startWorkers(ctx, workerStages);
  const follow = opts.stages.includes('follow') ? startFollowStage(ctx) : null;
  const stopHook = new AbortController();
  const hook = config.exchangeHook;
  if (hook && opts.stages.includes('hook')) {
    // Every outcome is exported from the start, so a rate() on refusals works before the first one.
    for (const outcome of ['delivered', 'refused', 'failed', 'timeout'] as const) metrics.hookDeliveries.inc({ outcome }, 0);
  }
  const hookLoop = opts.stages.includes('hook')
    ? runHookDeliveryLoop(
        store.holds,
        hook ? { url: hook.url, secret: hook.secret, timeoutMs: hook.timeout } : null,
        log.child({ component: 'exchange-hook' }),
        {
          signal: stopHook.signal,
          wakeOn: (wake) => subscribeNewHolds(redis, log.child({ component: 'exchange-hook' }), wake),
          ...(hook ? { concurrency: hook.concurrency, retry: { ...DEFAULT_HOOK_RETRY, alertAfterAttempts: hook.alertAfterFailures } } : {}),
          // Pages go out like every other alert: an alert job, one per key (per hold per hour).
          onDelivery: async (report) => {
            metrics.hookDeliveries.inc({ outcome: report.result });
            if (report.page === null) return;
            await addAlertJob(queues.alerts, report.page);
          },
        },
      )
    : Promise.resolve();

  const failedCounts = async () => {
    const out: Record<string, number> = {};
    for (const q of queues.all) out[q.name] = await q.getFailedCount();
    return out;
  };
  metrics.onCollect(
    async () => {
      for (const q of queues.all) {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
        for (const [state, n] of Object.entries(counts)) metrics.queueJobs.set({ queue: q.name, state }, n);
      }
    },
    // Redis down: the counts would hang until it is back; the scrape must not.
    { name: 'queue_jobs', clears: [metrics.queueJobs] },
  );
  metrics.onCollect(async () => {
    for (const [chain, source] of sources) {
      for (const e of source.endpointStats?.() ?? []) {
        for (const [kind, count] of Object.entries(e.failures)) metrics.rpcErrors.set({ chain, endpoint: e.label, kind }, count);
      }
    }
  });
  // The failed sets are visible (metrics, CLI) and alerted, never silently dropped.
  const backlogTimer = setInterval(() => {
    void failedCounts()
      .then(async (counts) => {
        for (const [queue, count] of Object.entries(counts)) {
          if (count < config.pipeline.failedJobsAlertAt) continue;
          const alert = failedJobsAlert({ queue, count }, new Date());
          await addAlertJob(queues.alerts, alert);
        }
      })
      .catch((err: unknown) => log.warn({ err }, 'cannot read failed job counts'));
  }, 30_000);

  log.info({ stages: opts.stages, chains: [...sources.keys()] }, 'pipeline started');
  return {
    ctx,
    follow,
    failedCounts,
    async stop() {
      clearInterval(backlogTimer);
      await follow?.stop();
      stopHook.abort();
      await hookLoop;
      await Promise.all(workers.map((w) => w.close()));
      await postThread.close();
      await queues.close();
      await Promise.all([...sources.values()].map((s) => s.close().catch(() => undefined)));
      redis.disconnect();
    },
  };
}
