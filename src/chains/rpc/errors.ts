/**
 * Errors of JSON-RPC endpoints, for any chain family. Each says where it happened (the
 * endpoint's label, never its URL, which may carry an API key) and which call failed, and
 * whether another attempt (on this or another endpoint) may succeed.
 */

/** Why an attempt failed; the pool's per-endpoint counters are keyed by this. */
export type RpcFailureKind =
  | 'timeout'
  | 'rate-limited'
  | 'transport'
  | 'bad-answer'
  | 'inconsistent'
  | 'node-error'
  | 'unsupported'
  | 'range-too-large'
  | 'not-known'
  | 'wrong-chain';

export abstract class RpcError extends Error {
  abstract readonly kind: RpcFailureKind;
  /** Another attempt (after backoff, maybe on another endpoint) may succeed. */
  abstract readonly retryable: boolean;
  constructor(
    /** The endpoint's label (host and index), safe to log. */
    readonly endpoint: string,
    /** The JSON-RPC method, or a summary of a batch (`eth_getBlockByNumber×25+…`). */
    readonly method: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} on ${endpoint}: ${message}`, options);
  }
}

/** No complete answer within the request timeout. */
export class RpcTimeout extends RpcError {
  override readonly name = 'RpcTimeout';
  readonly kind = 'timeout';
  readonly retryable = true;
  constructor(
    endpoint: string,
    method: string,
    readonly timeoutMs: number,
  ) {
    super(endpoint, method, `no answer within ${timeoutMs} ms`);
  }
}

/** HTTP 429, or a JSON-RPC rate-limit error (-32005 "limit exceeded" and kin). */
export class RpcRateLimited extends RpcError {
  override readonly name = 'RpcRateLimited';
  readonly kind = 'rate-limited';
  readonly retryable = true;
  constructor(
    endpoint: string,
    method: string,
    detail: string,
    /** From a Retry-After header, when the endpoint sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(endpoint, method, `rate limited (${detail})`);
  }
}

/** The connection failed, or the server answered with an HTTP error status. */
export class RpcTransportError extends RpcError {
  override readonly name = 'RpcTransportError';
  readonly kind = 'transport';
  readonly retryable = true;
  constructor(
    endpoint: string,
    method: string,
    detail: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(endpoint, method, detail, options);
  }
}

/** The answer is not what JSON-RPC (or the method) promises: garbage JSON, a missing id, a wrong shape. */
export class RpcBadAnswer extends RpcError {
  override readonly name = 'RpcBadAnswer';
  readonly kind = 'bad-answer';
  readonly retryable = true;
  constructor(
    endpoint: string,
    method: string,
    readonly reason: string,
  ) {
    super(endpoint, method, `unusable answer: ${reason}`);
  }
}

/**
 * A well-formed answer that does not belong to the block it claims (another block's hash on a
 * log, tx or receipt; counts that disagree). Never used; retried.
 */
export class RpcInconsistent extends RpcError {
  override readonly name = 'RpcInconsistent';
  readonly kind = 'inconsistent';
  readonly retryable = true;
  constructor(
    endpoint: string,
    method: string,
    /** The block the answer was checked against. */
    readonly blockHash: string,
    readonly blockNumber: bigint | undefined,
    readonly reason: string,
  ) {
    super(endpoint, method, `answer for wrong block (expected ${blockNumber === undefined ? '' : `#${blockNumber} `}${blockHash}): ${reason}`);
  }
}

/** The node answered with a JSON-RPC error that another attempt will not fix (invalid params, revert…). */
export class RpcNodeError extends RpcError {
  override readonly name: string = 'RpcNodeError';
  readonly kind: RpcFailureKind = 'node-error';
  readonly retryable: boolean;
  constructor(
    endpoint: string,
    method: string,
    readonly code: number,
    readonly rpcMessage: string,
    retryable = false,
  ) {
    super(endpoint, method, `node error ${code}: ${rpcMessage}`);
    this.retryable = retryable;
  }
}

/** The endpoint does not offer this method (-32601 and kin). Callers fall back to another call set. */
export class RpcUnsupported extends RpcNodeError {
  override readonly name = 'RpcUnsupported';
  override readonly kind = 'unsupported';
  constructor(endpoint: string, method: string, code: number, rpcMessage: string) {
    super(endpoint, method, code, rpcMessage, false);
  }
}

/** The node refuses a query as too large (a log range with too many blocks or results). Split it. */
export class RpcRangeTooLarge extends RpcNodeError {
  override readonly name = 'RpcRangeTooLarge';
  override readonly kind = 'range-too-large';
  constructor(endpoint: string, method: string, code: number, rpcMessage: string) {
    super(endpoint, method, code, rpcMessage, false);
  }
}

/**
 * The endpoint does not know a block (null for a hash or number) while another endpoint of the
 * pool may: a lagging node. Retried on the endpoints not yet asked.
 */
export class RpcNotKnown extends RpcError {
  override readonly name = 'RpcNotKnown';
  readonly kind = 'not-known';
  readonly retryable = true;
  constructor(endpoint: string, method: string, what: string) {
    super(endpoint, method, `does not know ${what}`);
  }
}

/** Every attempt failed; `attempts` holds each failure in order. */
export class RpcUnavailable extends Error {
  override readonly name = 'RpcUnavailable';
  constructor(
    /** Chain (or pool) name. */
    readonly chain: string,
    readonly method: string,
    readonly attempts: readonly RpcError[],
  ) {
    const last = attempts.at(-1);
    super(
      `${chain}: ${method} failed after ${attempts.length} attempt(s)` +
        (last === undefined ? '' : `; last: ${last.message}`) +
        '. Check the endpoints in the chain config and their logs.',
      { cause: last },
    );
  }
}

const RATE_LIMIT_TEXT = /rate.?limit|too many requests|request rate|exceeded .*(capacity|quota|credits|request)|daily request count|compute units/i;
const RANGE_TEXT =
  /block range|range (is )?too (large|wide|big)|more than \d+ (results|logs|blocks)|too many (results|logs|blocks)|response size|limit the query|exceed(s|ed)? (the )?max(imum)? (block )?range|query (returned|timeout)|range limit|max range|log response size/i;
const UNSUPPORTED_TEXT =
  /method .*(not found|not supported|does not exist|is not available|not available)|unsupported method|unknown method|not (supported|implemented)|the method \S+ does not exist/i;

/** Turns a JSON-RPC error object into the right error class (rate limit, split-the-range, unsupported, other). */
export function classifyNodeError(endpoint: string, method: string, code: number, message: string): RpcError {
  // Order matters: Infura reports "query returned more than 10000 results" as -32005 too.
  if (RANGE_TEXT.test(message)) return new RpcRangeTooLarge(endpoint, method, code, message);
  if (code === -32005 || code === 429 || RATE_LIMIT_TEXT.test(message)) return new RpcRateLimited(endpoint, method, `${code} ${message}`);
  if (code === -32601 || UNSUPPORTED_TEXT.test(message)) return new RpcUnsupported(endpoint, method, code, message);
  // -32603 internal error, -32000 "header not found" on a lagging node, -32002 resource unavailable:
  // worth another attempt, preferably elsewhere.
  const transient = code === -32603 || code === -32002 || /header not found|not found|unavailable|timeout|try again|busy/i.test(message);
  return new RpcNodeError(endpoint, method, code, message, transient);
}
