import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import type { ActJob, AlertJob, ExtractJob, RunTag, ScreenJob } from './jobs.js';
import { QUEUE } from './queue-names.js';

export interface RetrySettings {
  /** Attempts per job before it lands in the failed set (visible and alerted, never dropped). */
  readonly attempts: number;
  /** First retry delay; doubles each attempt. */
  readonly backoffMs: number;
}

export interface PipelineQueues {
  readonly extract: Queue<ExtractJob>;
  readonly screen: Queue<ScreenJob>;
  readonly act: Queue<ActJob>;
  readonly alerts: Queue<AlertJob>;
  readonly all: readonly Queue[];
  close(): Promise<void>;
}

export function jobOptions(retry: RetrySettings): DefaultJobOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    // Completed jobs are kept a day so a duplicate enqueue of the same id is still ignored (a
    // replay's are not: runJobRetention); failed jobs are kept until someone looks (cordon
    // pipeline status / metrics / alerts).
    removeOnComplete: { age: 86_400, count: 50_000 },
    removeOnFail: false,
  };
}

/**
 * A replay's jobs (those with a run tag) are removed once completed, instead of staying a day
 * with their data: bench:replay left ~9 MB of them in Redis per 1,000 blocks (1% listed
 * counterparties), so a month of Ethereum would have left ~2 GB. Their ids are the run's own,
 * and one added again after it completed (its predecessor retried) changes nothing twice: every
 * effect is keyed. Failed ones stay, as every failed job does.
 */
export function runJobRetention(run: RunTag | undefined): { removeOnComplete?: true } {
  return run ? { removeOnComplete: true } : {};
}

export function createQueues(connection: ConnectionOptions, retry: RetrySettings): PipelineQueues {
  const defaultJobOptions = jobOptions(retry);
  const extract = new Queue<ExtractJob>(QUEUE.extract, { connection, defaultJobOptions });
  const screen = new Queue<ScreenJob>(QUEUE.screen, { connection, defaultJobOptions });
  const act = new Queue<ActJob>(QUEUE.act, { connection, defaultJobOptions });
  const alerts = new Queue<AlertJob>(QUEUE.alerts, { connection, defaultJobOptions });
  const all = [extract, screen, act, alerts] as Queue[];
  return {
    extract,
    screen,
    act,
    alerts,
    all,
    async close() {
      await Promise.all(all.map((q) => q.close()));
    },
  };
}
