/**
 * Generic signed webhook: the alert as JSON, signed so the receiver can tell it came from
 * Cordon and was not replayed long after:
 *
 *   x-cordon-timestamp: <unix seconds>
 *   x-cordon-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *   idempotency-key:    <the alert's dedup key> (a receiver may drop repeats by it)
 *
 * 2xx is delivered; 408, 429 (honouring `Retry-After`) and 5xx are retried; other 4xx are not.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Alert } from '../domain/alert.js';
import type { AlertChannel } from './channel.js';
import { postAlert, urlSecrets, type PostAlert } from './http.js';

export const SIGNATURE_HEADER = 'x-cordon-signature';
export const TIMESTAMP_HEADER = 'x-cordon-timestamp';

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
      const body = JSON.stringify(webhookBody(alert));
      const ts = String(now());
      return post(url, body, {
        timeoutMs: opts.timeoutMs ?? 10_000,
        secrets,
        headers: {
          [TIMESTAMP_HEADER]: ts,
          [SIGNATURE_HEADER]: signWebhook(secret, ts, body),
          'idempotency-key': alert.dedupKey,
        },
      });
    },
  };
}

export function webhookBody(alert: Alert): { readonly source: 'cordon' } & Alert {
  return { source: 'cordon', ...alert };
}

/** `sha256=<hex>` over `<timestamp>.<body>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): constant-time check of a signature header. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
