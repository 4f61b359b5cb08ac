import { Worker, type Job } from 'bullmq';
import type { PipelineContext } from './context.js';
import type { ActJob, ExtractJob, ScreenJob } from './jobs.js';
import { QUEUE } from './queue-names.js';
import { runAct } from './act-stage.js';
import { runExtract } from './extract-stage.js';
import { runScreen } from './screen-stage.js';
import { redisOptions } from './redis-connection.js';

export type WorkerStage = 'extract' | 'screen' | 'act';

/**
 * The BullMQ workers of the given stages. Several processes on several machines may run the
 * same stages against one Redis: they share the work. A worker that loses Redis pauses and
 * resumes by itself; a job in flight on a crashed process is taken over once its lock expires.
 */
export function startWorkers(ctx: PipelineContext, stages: readonly WorkerStage[]): Worker[] {
  const connection = redisOptions(ctx.config.redis.url);
  const { concurrency, lockDuration } = ctx.config.pipeline;
  const common = { connection, lockDuration, stalledInterval: Math.max(1_000, Math.floor(lockDuration / 2)) };
  const workers: Worker[] = [];
  const log = ctx.log.child({ component: 'pipeline' });
  const add = (stage: WorkerStage, worker: Worker) => {
    worker.on('error', (err) => log.warn({ stage, err }, 'worker error (Redis connection?); it recovers by itself'));
    worker.on('failed', (job, err) => {
      const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
      log[final ? 'error' : 'warn'](
        { stage, job: job?.id, attempt: job?.attemptsMade, err: err.message },
        final ? 'job failed for good: in the failed set' : 'job failed; will retry',
      );
    });
    workers.push(worker);
  };
  if (stages.includes('extract')) {
    add('extract', new Worker(QUEUE.extract, (job: Job<ExtractJob>) => runExtract(ctx, job.data), { ...common, concurrency: concurrency.extract }));
  }
  if (stages.includes('screen')) {
    add('screen', new Worker(QUEUE.screen, (job: Job<ScreenJob>) => runScreen(ctx, job.data), { ...common, concurrency: concurrency.screen }));
  }
  if (stages.includes('act')) {
    add('act', new Worker(QUEUE.act, (job: Job<ActJob>) => runAct(ctx, job.data), { ...common, concurrency: concurrency.act }));
  }
  return workers;
}
