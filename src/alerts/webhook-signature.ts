/**
 * The generic webhook's signature (webhook.ts), so the receiver can tell a request came from
 * Cordon and was not replayed long after:
 *
 *   x-cordon-timestamp: <unix seconds>
 *   x-cordon-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * Computed where the request is sent (http.ts `postAlert`, on the alert sender thread): an HMAC
 * per alert was CPU on the pipeline's thread when a replay raised thousands of holds.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-cordon-signature';
export const TIMESTAMP_HEADER = 'x-cordon-timestamp';

/** What a request is signed with: plain data, so it crosses to the sender thread as it is. */
export interface WebhookSigning {
  readonly secret: string;
  /** Unix seconds, as sent in the timestamp header. */
  readonly timestamp: string;
}

/** `sha256=<hex>` over `<timestamp>.<body>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Both headers for `body`. */
export function webhookSignatureHeaders(signing: WebhookSigning, body: string): Record<string, string> {
  return { [TIMESTAMP_HEADER]: signing.timestamp, [SIGNATURE_HEADER]: signWebhook(signing.secret, signing.timestamp, body) };
}

/** For receivers (and tests): constant-time check of a signature header. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
