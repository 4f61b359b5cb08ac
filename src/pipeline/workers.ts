import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { PipelineContext } from './context.js';
import { ChainNotConfigured, PermanentJobError } from './job-errors.js';
import type { ActJob, AlertJob, ExtractJob, ScreenJob } from './jobs.js';
import { QUEUE } from './queue-names.js';
import { runAct } from './act-stage.js';
import { runAlertJob } from './alert-stage.js';
import { runExtract } from './extract-stage.js';
import { runScreen } from './screen-stage.js';
import { redisOptions } from './redis-connection.js';

export type WorkerStage = 'extract' | 'screen' | 'act';

/**
 * The BullMQ workers of the given stages (the act stage's include the alert workers, with
 * their own concurrency). Several processes on several machines may run the same stages
 * against one Redis: they share the work. A worker that loses Redis pauses and resumes by
 * itself; a job in flight on a crashed process is taken over once its lock expires.
 */
export function startWorkers(ctx: PipelineContext, stages: readonly WorkerStage[]): Worker[] {
  const connection = redisOptions(ctx.config.redis.url);
  const { concurrency, lockDuration } = ctx.config.pipeline;
  const common = { connection, lockDuration, stalledInterval: Math.max(1_000, Math.floor(lockDuration / 2)) };
  const workers: Worker[] = [];
  const log = ctx.log.child({ component: 'pipeline' });
  const add = (stage: WorkerStage | 'alerts', worker: Worker) => {
    worker.on('error', (err) => log.warn({ stage, err }, 'worker error (Redis connection?); it recovers by itself'));
    worker.on('failed', (job, err) => {
      const permanent = err instanceof UnrecoverableError;
      const final = permanent || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
      log[final ? 'error' : 'warn'](
        { stage, job: job?.id, chain: chainOf(job?.data), attempt: job?.attemptsMade, err: err.message },
        permanent
          ? 'job failed and retrying cannot fix it: in the failed set now'
          : final
            ? 'job failed for good: in the failed set'
            : 'job failed; will retry',
      );
    });
    workers.push(worker);
  };
  if (stages.includes('extract')) {
    const run = failFast((job: Job<ExtractJob>) => {
      if (!ctx.sources.has(job.data.chain)) throw new ChainNotConfigured(job.data.chain, 'extract');
      return runExtract(ctx, job.data);
    });
    add('extract', new Worker(QUEUE.extract, run, { ...common, concurrency: concurrency.extract }));
  }
  if (stages.includes('screen')) {
    const run = failFast((job: Job<ScreenJob>) => {
      if (!ctx.config.chains.some((c) => c.id === job.data.chain)) throw new ChainNotConfigured(job.data.chain, 'screen');
      return runScreen(ctx, job.data);
    });
    add('screen', new Worker(QUEUE.screen, run, { ...common, concurrency: concurrency.screen }));
  }
  if (stages.includes('act')) {
    add('act', new Worker(QUEUE.act, failFast((job: Job<ActJob>) => runAct(ctx, job.data)), { ...common, concurrency: concurrency.act }));
    add('alerts', new Worker(QUEUE.alerts, failFast((job: Job<AlertJob>) => runAlertJob(ctx, job.data)), { ...common, concurrency: concurrency.alerts }));
  }
  return workers;
}

/**
 * A processor whose PermanentJobError fails the job at once: BullMQ retries any other error
 * with backoff, so without this a replay on a store with no list backed off through every
 * attempt (minutes: 8.5 per job with the default attempts and backoff) before it said why.
 */
function failFast<T, R>(process: (job: Job<T>) => Promise<R>): (job: Job<T>) => Promise<R> {
  return async (job) => {
    try {
      return await process(job);
    } catch (err) {
      if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}

function chainOf(data: unknown): string | undefined {
  return typeof data === 'object' && data !== null && 'chain' in data && typeof data.chain === 'string' ? data.chain : undefined;
}
