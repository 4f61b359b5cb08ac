/**
 * One JSON POST to an alert receiver, turned into a `SendResult`. Errors never carry the URL
 * (a Slack webhook URL is itself the secret): only a status, an error code and the receiver's
 * short answer, with every known secret scrubbed out of it.
 */
import { httpPost, HttpTimeout, parseRetryAfter, type HttpAnswer } from '../net/http-request.js';
import type { SendResult } from './channel.js';
import { webhookSignatureHeaders, type WebhookSigning } from './webhook-signature.js';

export interface PostOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Strings that must not appear in a reason (routing key, URL, secret). */
  readonly secrets: readonly string[];
  /** Statuses that mean delivered; default any 2xx. Plain data, so options can cross to the sender thread. */
  readonly delivered?: readonly number[];
  /** Adds the webhook signature headers over the body, computed here (the sender thread). */
  readonly signWith?: WebhookSigning;
}

/** `postAlert`, or the alert sender thread's stand-in for it (post-thread.ts). */
export type PostAlert = (url: string, body: string, opts: PostOptions) => Promise<SendResult>;

/** Longest receiver answer kept in a reason. */
const MAX_ANSWER = 200;
/** Bytes of a receiver's answer read for that reason (the rest is read away unseen). */
const KEEP_ANSWER_BYTES = 4096;

export async function postAlert(url: string, body: string, opts: PostOptions): Promise<SendResult> {
  let res: HttpAnswer;
  try {
    res = await httpPost(url, body, {
      timeoutMs: opts.timeoutMs,
      headers: { 'user-agent': 'cordon', ...opts.headers, ...(opts.signWith ? webhookSignatureHeaders(opts.signWith, body) : {}) },
      keepBytes: KEEP_ANSWER_BYTES,
    });
  } catch (err) {
    return { outcome: 'retryable', status: null, retryAfterMs: null, reason: networkReason(err, opts.timeoutMs) };
  }
  const status = res.status;
  if (opts.delivered === undefined ? status >= 200 && status < 300 : opts.delivered.includes(status)) return { outcome: 'delivered', status };
  // Only a refusal's answer is read: a replay's thousands of deliveries need none of it.
  const answer = scrub(answerLine(res.body), opts.secrets);
  const reason = answer === '' ? `HTTP ${status}` : `HTTP ${status}: ${answer}`;
  // Redirects are not followed (the URL is the configured one, or a secret): like a receiver
  // that is down for now, it is tried again, with the status in the reason.
  if (status === 429 || status === 408 || status >= 500 || (status >= 300 && status < 400)) {
    return { outcome: 'retryable', status, retryAfterMs: parseRetryAfter(res.headers['retry-after']), reason };
  }
  return { outcome: 'permanent', status, reason };
}

/**
 * The parts of a receiver URL that may be a credential, for `secrets`: the whole URL, its path
 * and query, every query value, a password, and long path segments (Slack's token). Never throws.
 */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    const rest = `${u.pathname}${u.search}`;
    if (rest.length > 1) out.push(rest, u.pathname.length > 1 ? u.pathname : rest);
    for (const [, v] of u.searchParams) out.push(v, encodeURIComponent(v));
    if (u.password !== '') out.push(u.password, decodeURIComponent(u.password));
    for (const seg of u.pathname.split('/')) if (seg.length >= 16) out.push(seg);
  } catch {
    // not a URL: the whole string is all we can hide
  }
  // Longest first, so a part does not break up a longer match before it is replaced.
  return [...new Set(out.filter((x) => x.length >= 4))].sort((a, b) => b.length - a.length);
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[redacted]');
  return out;
}

function answerLine(body: Buffer): string {
  const line = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return line.length > MAX_ANSWER ? `${line.slice(0, MAX_ANSWER - 1)}…` : line;
}

/** `timeout after 10000 ms`, `ECONNREFUSED`, …: the code, never the message (it may hold the URL). */
function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof HttpTimeout) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : null;
  return code === null ? 'request failed before an answer' : `request failed: ${code}`;
}
