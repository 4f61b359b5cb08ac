import type { ChainConfig } from '../config/schema.js';
import { followerLaggingAlert } from '../domain/alert.js';
import { createFollower, ReorgTooDeep, type FollowEvent, type FollowerStatus } from '../follow/index.js';
import type { PipelineContext } from './context.js';
import { sourceOf } from './context.js';
import { jobId, toWireBlock } from './jobs.js';
import { addAlertJob } from './alert-jobs.js';
import { runAsLeader } from './leader-lock.js';
import { checkChainHealth, healthCheckInterval, type ChainHealth, type FailedBlock } from './chain-health.js';
import { checkSentinel, liveExtractJob, requeuePending } from './pending-blocks.js';

export interface FollowStage {
  /** Lag and state of each chain this process follows (null while another process leads). */
  status(): { chain: string; maxLag: number; status: FollowerStatus | null; fatal: string | null }[];
  /** Each chain as readiness sees it (fits http's ChainLag). */
  readiness(): ChainReadiness[];
  stop(): Promise<void>;
}

export interface ChainReadiness {
  readonly chain: string;
  /** Blocks behind the head; null before the first head (or while another process leads). */
  readonly lag: bigint | null;
  readonly maxLag: number;
  /** Since the last successful head read (or the follower's start), ms; null while not following. */
  readonly headAgeMs: number | null;
  readonly maxHeadAgeMs: number;
  /** The follower's last failure while it is failing (e.g. the node refusing connections). */
  readonly lastError: string | null;
  readonly failedBlock: FailedBlock | null;
  /** Following stopped for good (a reorg deeper than reorgDepth): what a person must do. */
  readonly fatal: string | null;
}

interface ChainEntry {
  readonly maxLag: number;
  readonly maxHeadAge: number;
  status: () => FollowerStatus | null;
  fatal: string | null;
  readonly health: ChainHealth;
}

/**
 * follow: one follower per chain across all processes (a Redis lock with renewal), handing
 * each canonical block to extract and each reorg to act. The follower moves its cursor only
 * after the job is in Redis, so a crash loses nothing.
 */
export function startFollowStage(ctx: PipelineContext): FollowStage {
  const stop = new AbortController();
  const state = new Map<string, ChainEntry>();
  const runs = ctx.config.chains.map((chain) => followChain(ctx, chain, stop.signal, state));
  return {
    status: () => [...state].map(([chain, s]) => ({ chain, maxLag: s.maxLag, status: s.status(), fatal: s.fatal })),
    readiness: () =>
      [...state].map(([chain, s]) => {
        const status = s.status();
        return {
          chain,
          lag: status?.lag ?? null,
          maxLag: s.maxLag,
          headAgeMs: status?.lastHeadAt == null ? null : Date.now() - status.lastHeadAt,
          maxHeadAgeMs: s.maxHeadAge,
          lastError: status?.lastError ?? null,
          failedBlock: s.health.failedBlock,
          fatal: s.fatal,
        };
      }),
    async stop() {
      stop.abort();
      await Promise.allSettled(runs);
    },
  };
}

async function followChain(
  ctx: PipelineContext,
  chain: ChainConfig,
  stop: AbortSignal,
  state: Map<string, ChainEntry>,
): Promise<void> {
  const log = ctx.log.child({ component: 'follow', chain: chain.id });
  const entry: ChainEntry = { maxLag: chain.maxLag, maxHeadAge: chain.maxHeadAge, status: () => null, fatal: null, health: { stalledSince: null, failedBlock: null } };
  state.set(chain.id, entry);
  const onEvent = async (event: FollowEvent) => {
    switch (event.type) {
      case 'block': {
        await ctx.store.blocks.markCanonical(chain.id, event.block.hash);
        // In the store before the job is in Redis (and so before the cursor moves past it):
        // should Redis lose the job, the block is queued again from here.
        await ctx.store.handed.recordHanded(chain.id, event.block);
        const job = liveExtractJob(chain.id, toWireBlock(event.block));
        await ctx.queues.extract.add(job.name, job.data, job.opts);
        ctx.metrics.blocksProcessed.inc({ chain: chain.id, stage: 'follow' });
        break;
      }
      case 'reorg': {
        // Recorded before the reorg is handed on: a late hold for these blocks sees it.
        await ctx.store.blocks.markOrphaned(chain.id, event.orphaned);
        await ctx.store.handed.forget(chain.id, event.orphaned.map((b) => b.hash));
        await ctx.queues.act.add(
          'reorg',
          { kind: 'reorg', chain: chain.id, orphaned: event.orphaned.map(toWireBlock), forkPoint: toWireBlock(event.forkPoint) },
          { jobId: jobId('reorg', chain.id, event.forkPoint.hash, ...event.orphaned.map((b) => b.hash)) },
        );
        // Should an orphaned block become canonical again, its jobs must run again.
        for (const b of event.orphaned) {
          await ctx.queues.extract.remove(jobId('extract', chain.id, b.hash)).catch(() => undefined);
          await ctx.queues.screen.remove(jobId('screen', chain.id, b.hash, 'live')).catch(() => undefined);
        }
        break;
      }
      case 'finalized':
        // Done blocks that can no longer be reorged need no record.
        await ctx.store.handed.pruneDone(chain.id, event.block.number);
        break;
    }
  };

  await runAsLeader({ redis: ctx.redis, key: `cordon:leader:follow:${chain.id}`, log }, stop, async (lost) => {
    // Stopped while the lock was being taken: an abort listener added now would never fire.
    if (lost.aborted) return;
    const follower = createFollower({
      source: sourceOf(ctx, chain.id),
      cursors: ctx.store.cursors,
      onEvent,
      log,
      withTransfers: false,
      confirmations: chain.confirmations,
      finality: chain.finality,
      reorgDepth: chain.reorgDepth,
      startBlock: chain.startBlock,
      pollIntervalMs: chain.pollInterval,
    });
    entry.status = () => follower.status();
    const monitor = setInterval(() => void watchLag(ctx, chain, follower.status()), 5_000);
    let checking = false;
    const health = setInterval(() => {
      if (checking) return;
      checking = true;
      void checkChainHealth(ctx, chain, follower.status(), entry.health)
        .catch((err: unknown) => log.warn({ err }, 'cannot check chain health; checking again'))
        .finally(() => (checking = false));
    }, healthCheckInterval(chain));
    const sentinel = watchForLostQueues(ctx, chain.id, log);
    lost.addEventListener('abort', () => void follower.stop());
    try {
      await follower.run();
    } catch (err) {
      if (!(err instanceof ReorgTooDeep)) throw err;
      entry.fatal = err.message;
      log.fatal({ err }, 'reorg deeper than reorgDepth: following stopped; a person must look');
      await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve())));
    } finally {
      clearInterval(monitor);
      clearInterval(health);
      sentinel.stop();
      entry.status = () => null;
    }
  });
}

/** How often the follower looks for its sentinel key in Redis (gone: Redis lost the queues). */
const SENTINEL_CHECK_MS = 2_000;

/**
 * At once, the blocks handed on before (by this or another process) and not yet done are queued
 * again; then, every SENTINEL_CHECK_MS, a vanished sentinel key (Redis restarted empty) queues
 * them again. A failure (store or Redis down) is retried at the next check, never fatal.
 */
function watchForLostQueues(ctx: PipelineContext, chain: string, log: PipelineContext['log']): { stop(): void } {
  let started = false;
  let busy = false;
  const check = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      if (!started) {
        await requeuePending(ctx, chain, 'start');
        await checkSentinel(ctx, chain, false);
        started = true;
      } else {
        await checkSentinel(ctx, chain, true);
      }
    } catch (err) {
      log.warn({ chain, err }, 'cannot queue the pending blocks again from the store; retrying');
    } finally {
      busy = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), SENTINEL_CHECK_MS);
  return { stop: () => clearInterval(timer) };
}

async function watchLag(ctx: PipelineContext, chain: ChainConfig, status: FollowerStatus): Promise<void> {
  if (status.lag === null) return;
  ctx.metrics.followerLag.set({ chain: chain.id }, Number(status.lag));
  // Blocks held back for confirmations are not lag.
  if (status.lag - BigInt(chain.confirmations) <= BigInt(chain.maxLag) || status.head === null) return;
  const alert = followerLaggingAlert(
    {
      chain: chain.id,
      head: status.head.toString(),
      processed: status.tip?.number.toString() ?? 'none',
      lag: Number(status.lag),
      maxLag: chain.maxLag,
    },
    new Date(),
  );
  await addAlertJob(ctx.queues.alerts, alert).catch((err: unknown) => {
    ctx.log.error({ chain: chain.id, err }, 'cannot queue the lag alert');
  });
}
