import { randomUUID } from 'node:crypto';
import type { PipelineContext } from './context.js';
import { sourceOf } from './context.js';
import { jobId, type ExtractJob, type RunTag } from './jobs.js';
import { runJobRetention } from './queues.js';

export interface ReplayRequest {
  readonly chain: string;
  readonly from: bigint;
  readonly to: bigint;
  readonly dryRun: boolean;
  readonly listVersions?: Readonly<Record<string, number>>;
  /** Blocks per extract job (fetched together in batched requests). Default DEFAULT_BLOCKS_PER_JOB. */
  readonly blocksPerJob?: number;
}

/**
 * Ten batched chunks of an EVM source (its rangeChunkBlocks default is 10), read four at a time
 * within the job. What a job costs besides its blocks (queue calls, store round trips, the
 * run's progress, one screen and one act job after it) is then paid once per 100 blocks:
 * bench:replay ran end to end at 2.6-3.6× extract alone with 10, 2.1-2.6× with 50, and (once a
 * job's callbacks stopped being compiled anew each job) 1.66-1.83× with 50, 1.56-1.79× with 100.
 * A replay of a few hundred blocks still spreads over every extract worker.
 */
export const DEFAULT_BLOCKS_PER_JOB = 100;

export interface ReplayProgress {
  readonly runId: string;
  readonly done: number;
  readonly total: number;
  readonly blocksPerSecond: number;
  readonly etaSeconds: number | null;
}

export class ReplayFailed extends Error {
  constructor(
    readonly runId: string,
    readonly reason: string,
  ) {
    super(`replay ${runId} failed: ${reason}`);
    this.name = 'ReplayFailed';
  }
}

/**
 * Pushes historical blocks through the same stages as live following: range jobs on the
 * extract queue, tagged with a run id. Any worker process picks them up. Holds are keyed as
 * always, so replaying a range twice raises nothing new; a dry run raises nothing at all.
 */
export async function enqueueReplay(ctx: PipelineContext, req: ReplayRequest): Promise<string> {
  if (req.to < req.from) throw new Error(`--to ${req.to} is below --from ${req.from}`);
  const head = await sourceOf(ctx, req.chain).head();
  if (req.to > head.number) throw new Error(`--to ${req.to} is above ${req.chain}'s head #${head.number}`);
  const runId = `${req.chain}-${req.from}-${req.to}-${randomUUID().slice(0, 8)}`;
  const run: RunTag = { runId, dryRun: req.dryRun, ...(req.listVersions ? { listVersions: req.listVersions } : {}) };
  const total = Number(req.to - req.from + 1n);
  await ctx.progress.start({
    runId,
    chain: req.chain,
    from: req.from.toString(),
    to: req.to.toString(),
    dryRun: req.dryRun,
    total,
    startedAt: Date.now(),
  });
  const step = BigInt(Math.max(1, req.blocksPerJob ?? DEFAULT_BLOCKS_PER_JOB));
  const jobs: { name: string; data: ExtractJob; opts: { jobId: string } }[] = [];
  for (let from = req.from; from <= req.to; from += step) {
    const to = from + step - 1n > req.to ? req.to : from + step - 1n;
    jobs.push({
      name: 'range',
      data: { kind: 'range', chain: req.chain, from: from.toString(), to: to.toString(), run },
      opts: { jobId: jobId('extract', req.chain, from.toString(), to.toString(), runId), ...runJobRetention(run) },
    });
  }
  for (let i = 0; i < jobs.length; i += 500) await ctx.queues.extract.addBulk(jobs.slice(i, i + 500));
  ctx.log.info({ runId, chain: req.chain, from: req.from, to: req.to, dryRun: req.dryRun, jobs: jobs.length }, 'replay queued');
  return runId;
}

/** How often, at most, a waiting replay looks for a failed job (every queue's failed set). */
const FAILED_CHECK_MS = 1_000;

/**
 * Waits until every block of the run went through every stage; fails if one of its jobs failed
 * for good. Failed jobs are looked for at most once a second whatever `pollMs`, so a short poll
 * (for a precise end) costs one Redis command a poll.
 */
export async function waitForReplay(
  ctx: PipelineContext,
  runId: string,
  onProgress: (p: ReplayProgress) => void,
  pollMs = 500,
): Promise<void> {
  const meta = await ctx.progress.meta(runId);
  if (!meta) throw new ReplayFailed(runId, 'unknown run');
  let failedCheckedAt = -Infinity;
  for (;;) {
    const done = await ctx.progress.doneCount(runId);
    const elapsed = (Date.now() - meta.startedAt) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    onProgress({ runId, done, total: meta.total, blocksPerSecond: rate, etaSeconds: rate > 0 ? (meta.total - done) / rate : null });
    if (done >= meta.total) return;
    if (performance.now() - failedCheckedAt >= FAILED_CHECK_MS) {
      failedCheckedAt = performance.now();
      const failed = await failedJobOf(ctx, runId);
      if (failed) throw new ReplayFailed(runId, failed);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function failedJobOf(ctx: PipelineContext, runId: string): Promise<string | null> {
  const counts = await Promise.all(ctx.queues.all.map((queue) => queue.getFailedCount()));
  for (const [i, queue] of ctx.queues.all.entries()) {
    if (counts[i] === 0) continue;
    for (const job of await queue.getFailed(0, 200)) {
      const data = job.data as { run?: RunTag };
      if (data.run?.runId !== runId) continue;
      const attempts = job.attemptsMade > 1 ? ` after ${job.attemptsMade} attempts` : '';
      return `${queue.name} job ${job.id} failed${attempts}: ${job.failedReason}`;
    }
  }
  return null;
}

export interface AlertsLeft {
  /** Alerts of the run still waiting or being retried (on-call channels not answering yet). */
  readonly pending: number;
  /** Alerts whose job failed for good (see `cordon queues`). */
  readonly failed: number;
  readonly total: number;
}

/**
 * Waits, at most `timeoutMs`, until every alert the run queued has gone out (or failed for
 * good); what is left is for `cordon run`'s alert workers, which keep retrying it. A run
 * started by an earlier version queued its alerts in the act queue: a job not in the alerts
 * queue is looked for there.
 */
export async function waitForRunAlerts(ctx: PipelineContext, runId: string, timeoutMs: number, pollMs = 250): Promise<AlertsLeft> {
  const ids = await ctx.progress.alertJobs(runId);
  const deadline = Date.now() + timeoutMs;
  // Alerts per job, as recorded when it was queued; a job queued by an earlier version is read
  // once (its data is its alerts: parsing them competes with the act workers still sending
  // them). A completed job stays so.
  const alertsOf = await ctx.progress.alertCounts(runId);
  const completed = new Set<string>();
  for (;;) {
    const open = ids.filter((id) => !completed.has(id));
    const states = await Promise.all(
      open.map(async (id) => {
        if (!alertsOf.has(id)) {
          const job = (await ctx.queues.alerts.getJob(id)) ?? (await ctx.queues.act.getJob(id));
          // Counted in alerts, not jobs: one `alerts` job carries several.
          alertsOf.set(id, job?.data.kind === 'alerts' ? job.data.alerts.length : 1);
          // Gone: completed and cleaned up after its retention.
          if (job === undefined) return 'completed';
        }
        const state = await ctx.queues.alerts.getJobState(id);
        return state === 'unknown' ? ctx.queues.act.getJobState(id) : state;
      }),
    );
    let pending = 0;
    let failed = 0;
    open.forEach((id, i) => {
      const state = states[i];
      const alerts = alertsOf.get(id) ?? 1;
      if (state === 'completed' || state === 'unknown') completed.add(id);
      else if (state === 'failed') failed += alerts;
      else pending += alerts;
    });
    if (pending === 0 || Date.now() >= deadline) {
      return { pending, failed, total: ids.reduce((n, id) => n + (alertsOf.get(id) ?? 1), 0) };
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
