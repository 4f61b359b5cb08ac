/**
 * Blocks the follower handed on that some stage has not finished, queued again from the store.
 * The store records each block before its extract job is queued and until its last effect is
 * written (store/handed-blocks-repo.ts), so Redis losing its data (restarted without AOF, a
 * failover to an empty replica) loses no block: when the follower of a chain starts, and when
 * it finds its sentinel key gone from Redis, every pending block is queued again under its
 * deterministic job id. A block whose jobs are still in Redis is not queued twice; one whose
 * jobs were lost runs again, and every effect is keyed, so nothing is raised twice.
 */
import type { PipelineContext } from './context.js';
import { jobId, type ExtractJob, type WireBlock } from './jobs.js';

/** Written by the follower of a chain; a Redis that restarted without its data has lost it. */
export function sentinelKey(chain: string): string {
  return `cordon:sentinel:follow:${chain}`;
}

/** The extract job of a live block, as the follower queues it. */
export function liveExtractJob(chain: string, block: WireBlock): { name: string; data: ExtractJob; opts: { jobId: string } } {
  return { name: 'block', data: { kind: 'block', chain, block }, opts: { jobId: jobId('extract', chain, block.hash) } };
}

/** Queues every pending block of `chain` again; returns how many there were. */
export async function requeuePending(ctx: PipelineContext, chain: string, why: 'start' | 'redis-emptied'): Promise<number> {
  const pending = await ctx.store.handed.pending(chain);
  const jobs = pending.map((b) =>
    liveExtractJob(chain, { number: b.number.toString(), hash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp }),
  );
  for (let i = 0; i < jobs.length; i += 500) await ctx.queues.extract.addBulk(jobs.slice(i, i + 500));
  const log = ctx.log.child({ component: 'follow', chain });
  if (jobs.length > 0) {
    const fields = { chain, pending: jobs.length, from: pending[0]?.number, to: pending.at(-1)?.number, why };
    if (why === 'redis-emptied') log.error(fields, 'Redis lost its data: queued every block not yet fully screened and acted on again from the store');
    else log.info(fields, 'queued the blocks not yet fully screened and acted on again (jobs still in Redis are not duplicated)');
  }
  return jobs.length;
}

/**
 * Writes the sentinel, or, when it has vanished since it was written (Redis emptied under us),
 * queues the pending blocks again first. `known` says whether this process wrote it before.
 */
export async function checkSentinel(ctx: PipelineContext, chain: string, known: boolean): Promise<'ok' | 'requeued' | 'written'> {
  const exists = (await ctx.redis.exists(sentinelKey(chain))) === 1;
  if (exists) return 'ok';
  if (known) {
    await requeuePending(ctx, chain, 'redis-emptied');
    await ctx.redis.set(sentinelKey(chain), new Date().toISOString());
    return 'requeued';
  }
  await ctx.redis.set(sentinelKey(chain), new Date().toISOString());
  return 'written';
}
