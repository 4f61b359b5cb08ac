import { parseRetryAfter } from '../../net/http-request.js';

/** A chain endpoint that asks for a longer wait is waited on no longer than this. */
const MAX_ENDPOINT_RETRY_AFTER_MS = 300_000;

/** A chain endpoint's Retry-After, at most 5 minutes; undefined when it sent none it could read. */
export function retryAfterMs(headers: Readonly<Record<string, string>>, now = Date.now()): number | undefined {
  const ms = parseRetryAfter(headers['retry-after'], now);
  return ms === null ? undefined : Math.min(ms, MAX_ENDPOINT_RETRY_AFTER_MS);
}
