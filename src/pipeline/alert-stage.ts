/**
 * The alert workers (queue `cordon-alerts`, run with the act stage): each job sends its alerts
 * to every channel through the dispatcher (claims, rate limits, retries). A queue of its own,
 * so that a channel's rate limit (Slack: about one message a second) or a receiver that is
 * down holds up alert jobs only: with alerts in the act queue, two slow alert jobs took both
 * of its slots and new holds waited behind them.
 */
import type { DispatchResult } from '../alerts/index.js';
import type { Alert } from '../domain/alert.js';
import type { PipelineContext } from './context.js';
import type { AlertJob } from './jobs.js';

/** Raised when an alert could not reach every channel yet: BullMQ retries the job. */
export class AlertDeliveryPending extends Error {
  constructor(readonly dedupKey: string) {
    super(`alert ${dedupKey} not delivered to every channel yet; retrying`);
    this.name = 'AlertDeliveryPending';
  }
}

export async function runAlertJob(ctx: PipelineContext, job: AlertJob): Promise<string> {
  if (job.kind === 'alert') {
    await deliver(ctx, job.alert);
    return 'alerted';
  }
  await deliverAll(ctx, job.alerts);
  return `${job.alerts.length} alerted`;
}

/** How many alerts of one `alerts` job are dispatched at once (each channel keeps its own rate limit). */
const ALERTS_AT_ONCE = 32;

/**
 * Sends every alert; throws (the job retries) if one could not reach every channel yet: those
 * sent are not sent again. Each slot goes on to its next alert while the outcome is written;
 * the job ends once every outcome is, as a job of one alert does.
 */
async function deliverAll(ctx: PipelineContext, alerts: readonly Alert[]): Promise<void> {
  let next = 0;
  const pending: string[] = [];
  const recorded: Promise<void>[] = [];
  const worker = async (): Promise<void> => {
    while (next < alerts.length) {
      const alert = alerts[next++] as Alert;
      const delivery = await ctx.alerts.deliver(alert);
      recorded.push(delivery.recorded);
      if (!counted(ctx, delivery)) pending.push(alert.dedupKey);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ALERTS_AT_ONCE, alerts.length) }, worker));
  await Promise.all(recorded);
  if (pending.length > 0) throw new AlertDeliveryPending(pending.join(', '));
}

async function deliver(ctx: PipelineContext, alert: Alert): Promise<void> {
  if (!counted(ctx, await ctx.alerts.dispatch(alert))) throw new AlertDeliveryPending(alert.dedupKey);
}

/** Counts a dispatch's outcomes; false when a channel still lacks the alert and a later dispatch may fix it. */
function counted(ctx: PipelineContext, result: DispatchResult): boolean {
  for (const o of result.outcomes) ctx.metrics.alertDeliveries.inc({ channel: o.channel, outcome: o.status });
  return result.delivered || !result.retryable;
}
