/**
 * Queues on-call alerts from a command that runs no pipeline (e.g. `cordon lists refresh`
 * raising retroactive holds): the alert workers of `cordon run` send them, deduplicated by the
 * alert's key like every other alert. Redis is checked first, so a command whose Redis is down
 * says so instead of waiting.
 */
import { Queue } from 'bullmq';
import type { CordonConfig } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import { alertJob } from './alert-jobs.js';
import type { AlertJob } from './jobs.js';
import { QUEUE } from './queue-names.js';
import { jobOptions } from './queues.js';
import { probeRedis, redisOptions } from './redis-connection.js';

export async function queueAlertsFromCommand(config: CordonConfig, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  await probeRedis(config.redis.url, 5_000);
  const queue = new Queue<AlertJob>(QUEUE.alerts, {
    connection: redisOptions(config.redis.url),
    defaultJobOptions: jobOptions({ attempts: config.pipeline.attempts, backoffMs: config.pipeline.backoff }),
  });
  try {
    await queue.addBulk(alerts.map(alertJob));
  } finally {
    await queue.close();
  }
}
