import type { Alert } from '../domain/alert.js';

export type ChannelType = 'pagerduty' | 'slack' | 'webhook';

/**
 * What one attempt at one channel came to.
 * - `delivered`: the receiver accepted it (PagerDuty 202, Slack 200, webhook 2xx).
 * - `retryable`: worth another attempt (429, 5xx, timeout, connection refused); `retryAfterMs`
 *   when the receiver said how long to wait.
 * - `permanent`: the same request will fail again (400 and other 4xx): do not retry.
 * `reason` is safe to log: a status and the receiver's short error text, never a secret.
 */
export type SendResult =
  | { readonly outcome: 'delivered'; readonly status: number }
  | {
      readonly outcome: 'retryable';
      readonly status: number | null;
      readonly retryAfterMs: number | null;
      readonly reason: string;
    }
  | { readonly outcome: 'permanent'; readonly status: number | null; readonly reason: string };

/**
 * One configured on-call destination. Secrets (routing key, webhook URL, signing secret) live
 * in the closure, not on the object, so logging a channel cannot leak them.
 */
export interface AlertChannel {
  readonly name: string;
  readonly type: ChannelType;
  send(alert: Alert): Promise<SendResult>;
}
