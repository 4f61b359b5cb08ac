/**
 * The exchange hook: each hold is POSTed to the exchange's configured URL, signed, until the
 * exchange answers 2xx.
 *
 * Request (stable; `version` changes only if the shape does):
 *
 * ```
 * POST <url>
 * content-type: application/json
 * x-cordon-timestamp: <unix seconds>
 * x-cordon-signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the secret>
 * idempotency-key: <hold key>, or <hold key>#<revision> for a later change of the hold's state
 *                  (percent-encoded if it has characters outside printable ASCII)
 *
 * {"version":1,"id":42,"key":"acct-7|ethereum:0x…:log:3|sdn:30518:ETH:0x…","account":"acct-7",
 *  "chain":"ethereum","txid":"0x…","transferId":"ethereum:0x…:log:3","direction":"deposit",
 *  "counterparty":"0x…",
 *  "list":{"id":"ofac-sdn","version":3,"entryUid":"sdn:30518:ETH:0x…","entityName":"TORNADO CASH",
 *          "programs":["CYBER2"],"authority":"US Treasury OFAC, SDN List"},
 *  "amount":"100000000000000000000","amountInUnits":"100","symbol":"ETH","decimals":18,
 *  "asset":"native","block":{"number":"14997521","hash":"0x…"},
 *  "confirmations":3,"state":"open","createdAt":"2024-05-01T12:00:00.000Z",
 *  "basis":{"state":"in_force","version":null}}
 * ```
 *
 * `basis` says whether the list entry is still in force: `withdrawn` (a newer list version,
 * `basis.version`, removed it) or `changed` (its programs changed). The hold stays in its state
 * either way: releasing it is a person's decision.
 *
 * `amount` (base units) and `block.number` are decimal strings (they exceed 2^53 on some
 * chains); `amountInUnits`, `symbol` and `decimals` say how it reads, where the chain's
 * configuration describes the asset (else null); `asset` is `native` or the token contract. The exchange verifies with `verifyHookSignature`
 * over the raw body bytes, rejects stale timestamps, and dedupes on `idempotency-key` (a hold is
 * sent again after a timeout whose answer was lost).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { amountInUnits } from '../domain/amount.js';
import type { Direction } from '../domain/match.js';
import type { HoldBasis, HoldState, StoredHold } from '../store/holds-repo.js';

export const HOOK_PAYLOAD_VERSION = 1;
export const TIMESTAMP_HEADER = 'x-cordon-timestamp';
export const SIGNATURE_HEADER = 'x-cordon-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export interface HookConfig {
  readonly url: string;
  /** The HMAC key, from the environment. Never logged, never in an error. */
  readonly secret: string;
  /** Per request, including reading the answer. */
  readonly timeoutMs: number;
}

export interface HoldHookPayload {
  readonly version: typeof HOOK_PAYLOAD_VERSION;
  readonly id: number;
  readonly key: string;
  readonly account: string;
  readonly chain: string;
  readonly txid: string;
  readonly transferId: string;
  readonly direction: Direction;
  readonly counterparty: string;
  readonly list: {
    readonly id: string;
    readonly version: number;
    readonly entryUid: string;
    readonly entityName: string | null;
    readonly programs: readonly string[];
    /** Who published the list; null on holds raised before Cordon recorded it. */
    readonly authority: string | null;
  };
  readonly amount: string;
  /** `amount` in the asset's units (`1285`), and the asset's symbol and decimals; null when not configured. */
  readonly amountInUnits: string | null;
  readonly symbol: string | null;
  readonly decimals: number | null;
  readonly asset: string;
  readonly block: { readonly number: string; readonly hash: string };
  readonly confirmations: number;
  readonly state: HoldState;
  /** 0 as raised; +1 on each change of state (released, confirmed, orphaned, reopened) or of its legal basis: keep the highest. */
  readonly revision: number;
  readonly createdAt: string;
  readonly basis: { readonly state: HoldBasis; readonly version: number | null };
  /** True when raised by re-screening past transfers after a list version added the entry (the version `list.version`). */
  readonly retroactive: boolean;
}

export function hookPayload(hold: StoredHold): HoldHookPayload {
  return {
    version: HOOK_PAYLOAD_VERSION,
    id: hold.id,
    key: hold.holdKey,
    account: hold.accountId,
    chain: hold.chain,
    txid: hold.txid,
    transferId: hold.transferId,
    direction: hold.direction,
    counterparty: hold.counterparty,
    list: {
      id: hold.listId,
      version: hold.listVersion,
      entryUid: hold.entryUid,
      entityName: hold.entityName,
      programs: [...hold.programs],
      authority: hold.authority,
    },
    amount: hold.amount.toString(),
    amountInUnits: amountInUnits(hold.amount, hold.units),
    symbol: hold.units?.symbol ?? null,
    decimals: hold.units?.decimals ?? null,
    asset: hold.asset,
    block: { number: hold.blockNumber.toString(), hash: hold.blockHash },
    confirmations: hold.confirmations,
    state: hold.state,
    revision: hold.hookRevision,
    createdAt: hold.createdAt.toISOString(),
    basis: { state: hold.basis, version: hold.basisVersion },
    retroactive: hold.retroactive,
  };
}

/** `sha256=<hex>` over `"<timestamp>.<body>"`. */
export function signHookBody(body: string | Uint8Array, timestamp: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`);
  mac.update(body);
  return `sha256=${mac.digest('hex')}`;
}

const SIGNATURE_FORMAT = /^sha256=[0-9a-f]{64}$/;

/**
 * For the exchange's side (and tests): true when `signature` is Cordon's signature of the raw
 * `body` at `timestamp` with `secret`, and the timestamp is within `toleranceSec` of now.
 * Constant-time in the signature.
 */
export function verifyHookSignature(
  body: string | Uint8Array,
  timestamp: string,
  signature: string,
  secret: string,
  toleranceSec: number,
  nowSec: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!/^\d{1,15}$/.test(timestamp) || !SIGNATURE_FORMAT.test(signature)) return false;
  if (Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  const expected = Buffer.from(signHookBody(body, timestamp, secret).slice('sha256='.length), 'hex');
  const given = Buffer.from(signature.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * How an answer is treated:
 * - `delivered`: 2xx.
 * - `retry`: no answer (network error, timeout), 408, 429 or 5xx: transient, retried with
 *   exponential backoff.
 * - `refused`: every other status (other 4xx, a 3xx: redirects are not followed for a signed
 *   POST). The exchange has a bug or Cordon is misconfigured (a 401 is usually a wrong secret).
 *   Cordon must not drop a hold, so it is still retried, on a long backoff, and on-call is told.
 */
export type HookOutcome =
  | { readonly outcome: 'delivered'; readonly statusCode: number }
  | {
      readonly outcome: 'retry' | 'refused';
      readonly statusCode: number | null;
      readonly error: string;
      /** From a `Retry-After` answer header, when there is one. */
      readonly retryAfterMs: number | null;
      /** No answer within the timeout (the exchange may still have the hold). */
      readonly timedOut: boolean;
    };

export function classifyHookStatus(status: number): HookOutcome['outcome'] {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}

function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Never let the secret reach a stored error or a log line, whatever the exchange echoed back. */
function scrub(text: string, secret: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const safe = secret.length > 0 ? flat.split(secret).join('[redacted]') : flat;
  return safe.length > 300 ? `${safe.slice(0, 297)}...` : safe;
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (isTimeout(err)) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (err instanceof Error) {
    const cause = err.cause;
    const detail = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : '';
    return detail === '' ? err.message : `${err.message}: ${detail}`;
  }
  return String(err);
}

/**
 * What the exchange dedupes on: the hold key for the hold as raised (revision 0), and
 * `<hold key>#<revision>` for each later change of its state, so an update is never taken for
 * a retry of what the exchange already has.
 */
export function idempotencyKey(hold: Pick<StoredHold, 'holdKey' | 'hookRevision'>): string {
  return hold.hookRevision === 0 ? hold.holdKey : `${hold.holdKey}#${hold.hookRevision}`;
}

/** `idempotency-key` must be a header-safe string; hold keys normally are. */
function headerSafe(key: string): string {
  return /^[\x20-\x7e]*$/.test(key) ? key : encodeURIComponent(key);
}

export interface DeliverOptions extends HookConfig {
  /** Signing time; default now. */
  readonly now?: Date;
}

/** One signed POST of `hold` to the exchange. Never throws for a network or HTTP failure. */
export async function deliverHold(hold: StoredHold, options: DeliverOptions): Promise<HookOutcome> {
  const now = options.now ?? new Date();
  const body = JSON.stringify(hookPayload(hold));
  const timestamp = String(Math.floor(now.getTime() / 1000));
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signHookBody(body, timestamp, options.secret),
        [IDEMPOTENCY_HEADER]: headerSafe(idempotencyKey(hold)),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    return {
      outcome: 'retry',
      statusCode: null,
      error: scrub(describeFetchError(err, options.timeoutMs), options.secret),
      retryAfterMs: null,
      timedOut: isTimeout(err),
    };
  }
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status is what counts; a body cut off by the timeout changes nothing.
  }
  const outcome = classifyHookStatus(response.status);
  if (outcome === 'delivered') return { outcome, statusCode: response.status };
  const answer = scrub(text, options.secret);
  return {
    outcome,
    statusCode: response.status,
    error: `HTTP ${response.status}${answer === '' ? '' : `: ${answer}`}`,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
    timedOut: false,
  };
}

/**
 * Where the hook goes, for alerts sent to third parties (PagerDuty, Slack): scheme, host and
 * port only. A path can carry a token as well as a query, and credentials never leave.
 */
export function hookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

/** Where the hook goes, for logs: origin and path only (a URL may carry a token in its query). */
export function hookTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
