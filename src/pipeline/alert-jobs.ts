import type { Job, Queue } from 'bullmq';
import type { Alert } from '../domain/alert.js';
import { jobId, type AlertJob } from './jobs.js';

/** The job of one alert: its key, so an alert queued twice is sent once. */
export const alertJobId = (alert: Alert): string => jobId('alert', alert.dedupKey);

/** One alert as a job of the alerts queue (`cordon-alerts`), for `add` or `addBulk`. */
export function alertJob(alert: Alert): { name: 'alert'; data: AlertJob; opts: { jobId: string } } {
  return { name: 'alert', data: { kind: 'alert', alert }, opts: { jobId: alertJobId(alert) } };
}

/** Several alerts (those of one act job) as one job, known by their keys: queued again, it adds nothing. */
export function alertsJob(alerts: readonly Alert[]): { name: 'alerts'; data: AlertJob; opts: { jobId: string } } {
  return { name: 'alerts', data: { kind: 'alerts', alerts }, opts: { jobId: jobId('alerts', ...alerts.map((a) => a.dedupKey).sort()) } };
}

/** Queues one on-call alert for the alert workers. */
export function addAlertJob(queue: Queue<AlertJob>, alert: Alert): Promise<Job<AlertJob>> {
  const { name, data, opts } = alertJob(alert);
  return queue.add(name, data, opts);
}
