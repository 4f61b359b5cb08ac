/**
 * PagerDuty Events API v2: one `trigger` event per alert, `dedup_key` = the alert's dedup key
 * (the hold key for a hold), so PagerDuty itself folds a repeat into the open alert.
 *
 * Answers: 202 accepted; 400 invalid event (permanent: the same event fails again); 429 rate
 * limited and 5xx (retry with backoff). `payload.summary` is at most 1024 characters (the domain
 * guarantees it); `dedup_key` at most 255, so a longer key is sent as its SHA-256.
 */
import { createHash } from 'node:crypto';
import { alertComponent, alertGroup, capSeverity, type Alert, type AlertSeverity } from '../domain/alert.js';
import type { AlertChannel } from './channel.js';
import { postAlert, type PostAlert } from './http.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
const MAX_DEDUP_KEY = 255;

export interface PagerDutyChannelOptions {
  readonly name: string;
  readonly routingKey: string;
  /** The loudest severity this channel sends; an alert's own severity is lowered to it. */
  readonly severity: AlertSeverity;
  /** For tests or the EU region (`https://events.eu.pagerduty.com/v2/enqueue`). */
  readonly url?: string;
  readonly timeoutMs?: number;
  /** Sends the request (default: from this thread; the daemon passes its alert sender thread's). */
  readonly post?: PostAlert;
}

export function createPagerDutyChannel(opts: PagerDutyChannelOptions): AlertChannel {
  const post = opts.post ?? postAlert;
  const url = opts.url ?? PAGERDUTY_EVENTS_URL;
  const { routingKey, severity: ceiling } = opts;
  return {
    name: opts.name,
    type: 'pagerduty',
    send(alert) {
      const body = JSON.stringify(pagerDutyEvent(alert, routingKey, ceiling));
      return post(url, body, {
        timeoutMs: opts.timeoutMs ?? 10_000,
        secrets: [routingKey],
        delivered: [202, 200],
      });
    },
  };
}

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger';
  readonly dedup_key: string;
  readonly client: string;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: AlertSeverity;
    readonly timestamp: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Alert['details'] & { readonly dedup_key: string };
  };
}

export function pagerDutyEvent(alert: Alert, routingKey: string, ceiling: AlertSeverity): PagerDutyEvent {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: pagerDutyDedupKey(alert.dedupKey),
    client: 'Cordon',
    payload: {
      summary: alert.summary,
      source: 'cordon',
      severity: capSeverity(alert.severity, ceiling),
      timestamp: alert.at,
      component: alertComponent(alert),
      group: alertGroup(alert),
      class: alert.kind,
      // The full key stays readable in the incident even when dedup_key had to be hashed.
      custom_details: { ...alert.details, dedup_key: alert.dedupKey },
    },
  };
}

export function pagerDutyDedupKey(key: string): string {
  if (key.length <= MAX_DEDUP_KEY) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}
