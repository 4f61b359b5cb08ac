/**
 * `waitForRunAlerts`, which `cordon replay` waits on before it exits: it counts alerts, not
 * alert jobs, and tells what is still pending from what failed for good, including alert jobs
 * an earlier version queued in the act queue. Real BullMQ on a Redis of its own.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PipelineContext } from '../../src/pipeline/context.js';
import type { ActJob, AlertJob } from '../../src/pipeline/jobs.js';
import { QUEUE } from '../../src/pipeline/queue-names.js';
import { createQueues, type PipelineQueues } from '../../src/pipeline/queues.js';
import { waitForRunAlerts } from '../../src/pipeline/replay.js';
import { runProgress } from '../../src/pipeline/run-progress.js';
import { freePort } from '../helpers/anvil.js';
import { RedisServer } from '../helpers/redis-server.js';

const RUN = 'ethereum-1-9-abcdef01';
const OLD_RUN = 'ethereum-1-9-0ld0ld01';
const alertsJob = (n: number): AlertJob => ({ kind: 'alerts', alerts: Array.from({ length: n }, (_, i) => ({ dedupKey: `k${i}` })) }) as unknown as AlertJob;

describe('waitForRunAlerts', () => {
  let server: RedisServer;
  let redis: Redis;
  let queues: PipelineQueues;
  let ctx: PipelineContext;

  beforeAll(async () => {
    server = new RedisServer(await freePort());
    await server.start();
    redis = new Redis(server.url(), { maxRetriesPerRequest: null });
    queues = createQueues({ url: server.url() }, { attempts: 1, backoffMs: 10 });
    // What waitForRunAlerts reads of a pipeline: the alerts and act queues and the run's progress.
    ctx = { queues, progress: runProgress(redis) } as unknown as PipelineContext;
  });
  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await server?.close();
  });

  it('counts the alerts of completed, failed, waiting and vanished jobs, and ends once none is pending', async () => {
    const progress = runProgress(redis);
    // sent: 3 alerts delivered; refused: 2 alerts whose job failed for good; later: 1 alert still
    // waiting; gone: a job already cleaned up after its retention (counted as one, delivered);
    // earlier: 4 alerts an earlier version queued in the act queue, still waiting there.
    await queues.alerts.add('alerts', alertsJob(3), { jobId: 'sent' });
    await queues.alerts.add('alerts', alertsJob(2), { jobId: 'refused' });
    await queues.act.add('alerts', alertsJob(4) as ActJob, { jobId: 'earlier' });
    await progress.expectAlert(RUN, 'sent', 3);
    await progress.expectAlert(RUN, 'refused', 2);
    await progress.expectAlert(RUN, 'later');
    await progress.expectAlert(RUN, 'gone');
    await progress.expectAlert(RUN, 'earlier', 4);
    // The same jobs as an earlier version recorded them (ids only): counted from the jobs' data.
    await redis.sadd(`cordon:run:${OLD_RUN}:alerts`, 'sent', 'refused', 'later', 'gone', 'earlier');
    const worker = new Worker<AlertJob>(
      QUEUE.alerts,
      async (job) => {
        if (job.id === 'refused') throw new Error('receiver answered 400');
        return 'sent';
      },
      { connection: { url: server.url() } },
    );
    await new Promise<void>((resolve) => {
      let settled = 0;
      const one = () => ++settled === 2 && resolve();
      worker.on('completed', one);
      worker.on('failed', one);
    });
    await worker.close();
    await queues.alerts.add('alert', alertsJob(1), { jobId: 'later' });

    const started = Date.now();
    expect(await waitForRunAlerts(ctx, RUN, 300, 20)).toEqual({ pending: 5, failed: 2, total: 11 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await waitForRunAlerts(ctx, OLD_RUN, 100, 20)).toEqual({ pending: 5, failed: 2, total: 11 });

    // The waiting jobs are taken and sent while the replay waits: it returns as soon as it sees that.
    const late = [QUEUE.alerts, QUEUE.act].map((queue) => new Worker(queue, async () => 'sent', { connection: { url: server.url() } }));
    try {
      expect(await waitForRunAlerts(ctx, RUN, 20_000, 20)).toEqual({ pending: 0, failed: 2, total: 11 });
      expect(await waitForRunAlerts(ctx, OLD_RUN, 20_000, 20)).toEqual({ pending: 0, failed: 2, total: 11 });
    } finally {
      await Promise.all(late.map((w) => w.close()));
    }
  });
});
