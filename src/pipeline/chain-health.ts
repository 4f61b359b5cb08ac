/**
 * What stops screening on a chain besides lag: a node that no longer answers (no successful
 * head read for `maxHeadAge`) and a block whose job failed for good (BullMQ's failed set). The
 * follow stage checks both while it leads a chain, makes the chain not ready, and pages:
 * `chain_stalled` (then `chain_recovered`), `block_failed` naming the block, the error and the fix.
 */
import type { Queue } from 'bullmq';
import type { ChainConfig } from '../config/schema.js';
import { blockFailedAlert, chainRecoveredAlert, chainStalledAlert, type Alert } from '../domain/alert.js';
import type { FollowerStatus } from '../follow/index.js';
import type { PipelineContext } from './context.js';
import { jobId, screenJobBlocks, type ActJob, type ExtractJob, type ScreenJob, type WireBlock } from './jobs.js';
import { addAlertJob } from './alert-jobs.js';
import { fixOf } from './permanent-errors.js';

/** The lowest block of a chain with a live job in a failed set. */
export interface FailedBlock {
  readonly number: string;
  readonly hash: string;
  readonly queue: string;
  readonly jobId: string;
  readonly attempts: number;
  readonly error: string;
  readonly fix: string | null;
  /** Failed live jobs of this chain, across the queues (at most the 200 newest per queue are read). */
  readonly failedJobs: number;
}

export interface ChainHealth {
  /** When the chain was found stalled (ms since the epoch); null while heads are read. */
  stalledSince: number | null;
  failedBlock: FailedBlock | null;
}

/** The block a live (not replay) job of `chain` is about (the lowest, for a job of several), if it is one. */
function liveBlockOf(data: ExtractJob | ScreenJob | ActJob, chain: string): WireBlock | null {
  if (!('chain' in data) || data.chain !== chain) return null;
  if ('run' in data && data.run !== undefined) return null;
  let blocks: readonly WireBlock[];
  if (!('kind' in data)) blocks = screenJobBlocks(data);
  else if (data.kind === 'block' || data.kind === 'match') blocks = [data.block];
  else if (data.kind === 'matches') blocks = data.matches.map((m) => m.block);
  else return null;
  return blocks.reduce<WireBlock | null>((low, b) => (low === null || BigInt(b.number) < BigInt(low.number) ? b : low), null);
}

export async function failedBlockOf(queues: readonly Queue[], chain: string): Promise<FailedBlock | null> {
  let lowest: Omit<FailedBlock, 'failedJobs'> | null = null;
  let count = 0;
  for (const queue of queues) {
    if ((await queue.getFailedCount()) === 0) continue;
    for (const job of await queue.getFailed(0, 199)) {
      const block = liveBlockOf(job.data as ExtractJob | ScreenJob | ActJob, chain);
      if (!block) continue;
      count++;
      if (lowest === null || BigInt(block.number) < BigInt(lowest.number)) {
        const error = job.failedReason ?? 'no reason recorded';
        lowest = { number: block.number, hash: block.hash, queue: queue.name, jobId: job.id ?? '?', attempts: job.attemptsMade, error, fix: fixOf(error) };
      }
    }
  }
  return lowest === null ? null : { ...lowest, failedJobs: count };
}

/** How often the follow stage checks a chain's health: often enough to notice within `maxHeadAge`. */
export function healthCheckInterval(chain: ChainConfig): number {
  return Math.min(5_000, Math.max(200, Math.floor(chain.maxHeadAge / 4)));
}

/** One check: updates `health`, logs and pages on each change. */
export async function checkChainHealth(ctx: PipelineContext, chain: ChainConfig, status: FollowerStatus, health: ChainHealth): Promise<void> {
  const log = ctx.log.child({ component: 'follow', chain: chain.id });
  const now = Date.now();
  const since = status.lastHeadAt;
  if (since !== null && now - since > chain.maxHeadAge) {
    const ageSeconds = Math.round((now - since) / 1000);
    const lastHeadAt = new Date(since).toISOString();
    if (health.stalledSince === null) {
      health.stalledSince = now;
      log.error({ chain: chain.id, lastHeadAt, ageSeconds, maxHeadAge: chain.maxHeadAge, lastError: status.lastError }, 'chain stalled: no successful head read; not ready');
    }
    // Queued on every check while stalled: the job id keeps it to one page per chain per hour,
    // and a page that could not be queued (Redis down too) is queued at the next check.
    await queueAlert(ctx, chainStalledAlert({ chain: chain.id, lastHeadAt, ageSeconds, maxHeadAgeSeconds: Math.round(chain.maxHeadAge / 1000), lastError: status.lastError }, new Date(now)));
  } else if (health.stalledSince !== null) {
    const stalledSince = new Date(health.stalledSince).toISOString();
    const stalledSeconds = Math.round((now - health.stalledSince) / 1000);
    health.stalledSince = null;
    log.info({ chain: chain.id, stalledSince, stalledSeconds }, 'chain recovered: heads read again');
    await queueAlert(ctx, chainRecoveredAlert({ chain: chain.id, stalledSince, stalledSeconds }, new Date(now)));
  }

  const failed = await failedBlockOf(ctx.queues.all, chain.id);
  const before = health.failedBlock;
  health.failedBlock = failed;
  if (failed) {
    if (before?.hash !== failed.hash || before.queue !== failed.queue) {
      log.error({ chain: chain.id, block: failed.number, hash: failed.hash, queue: failed.queue, job: failed.jobId, attempts: failed.attempts, err: failed.error, fix: failed.fix }, 'block failed for good: not ready');
    }
    // One page per (chain, block, queue): the job id dedupes the checks that follow.
    await queueAlert(
      ctx,
      blockFailedAlert({ chain: chain.id, block: failed.number, blockHash: failed.hash, queue: failed.queue, jobId: failed.jobId, attempts: failed.attempts, error: failed.error, fix: failed.fix }, new Date(now)),
    );
  } else if (before) {
    log.info({ chain: chain.id, block: before.number, hash: before.hash }, 'no failed block any more');
  }
}

async function queueAlert(ctx: PipelineContext, alert: Alert): Promise<void> {
  await addAlertJob(ctx.queues.alerts, alert);
}
