import type { Job, Queue } from 'bullmq';
import type { Alert } from '../domain/alert.js';
import { jobId, type AlertJob } from './jobs.js';

/** The job of one alert: its key, so an alert queued twice is sent once. */
export const alertJobId = (alert: Alert): string => jobId('alert', alert.dedupKey);

/** Queues one on-call alert for the alert workers (`cordon-alerts`). */
export function addAlertJob(queue: Queue<AlertJob>, alert: Alert): Promise<Job<AlertJob>> {
  return queue.add('alert', { kind: 'alert', alert }, { jobId: alertJobId(alert) });
}
