/**
 * Generic signed webhook: the alert as JSON, signed so the receiver can tell it came from
 * Cordon and was not replayed long after (webhook-signature.ts: `x-cordon-timestamp`,
 * `x-cordon-signature`), with `idempotency-key: <the alert's dedup key>` (a receiver may drop
 * repeats by it).
 *
 * 2xx is delivered; 408, 429 (honouring `Retry-After`) and 5xx are retried; other 4xx are not.
 */
import type { Alert } from '../domain/alert.js';
import type { AlertChannel } from './channel.js';
import { postAlert, urlSecrets, type PostAlert } from './http.js';

export interface WebhookChannelOptions {
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs?: number;
  /** Unix seconds; for tests. */
  readonly now?: () => number;
  /** Sends the request (default: from this thread; the daemon passes its alert sender thread's). */
  readonly post?: PostAlert;
}

export function createWebhookChannel(opts: WebhookChannelOptions): AlertChannel {
  const post = opts.post ?? postAlert;
  const { url, secret } = opts;
  const secrets = [secret, ...urlSecrets(url)];
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: opts.name,
    type: 'webhook',
    send(alert) {
      return post(url, JSON.stringify(webhookBody(alert)), {
        timeoutMs: opts.timeoutMs ?? 10_000,
        secrets,
        headers: { 'idempotency-key': alert.dedupKey },
        signWith: { secret, timestamp: String(now()) },
      });
    },
  };
}

export function webhookBody(alert: Alert): { readonly source: 'cordon' } & Alert {
  return { source: 'cordon', ...alert };
}
