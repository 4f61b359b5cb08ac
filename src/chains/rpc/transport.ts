/**
 * How the endpoint pool talks to one endpoint. A family may bring its own (EVM uses an ethers
 * JsonRpcProvider); `httpTransport` is the plain one.
 */
import { RpcBadAnswer, RpcRateLimited, RpcTimeout, RpcTransportError, type RpcError } from './errors.js';
import { HttpFailure, HttpTimeout, httpPostText, type HttpTextAnswer } from '../../net/http-request.js';
import { retryAfterMs } from './retry-after.js';
import { describeCalls, type JsonRpcRequest } from './json-rpc.js';

export interface SendContext {
  /** The endpoint's label, for errors. */
  readonly endpoint: string;
  readonly timeoutMs: number;
}

export interface RpcTransport {
  /**
   * Posts one batch and resolves with the parsed JSON body (not yet matched to the requests).
   * Throws RpcError subclasses: RpcTimeout, RpcRateLimited, RpcTransportError, RpcBadAnswer.
   */
  send(requests: readonly JsonRpcRequest[], ctx: SendContext): Promise<unknown>;
  close(): Promise<void>;
}

/** Maps an HTTP-level failure of a JSON-RPC post to the error that says what to do about it. */
export function transportError(err: unknown, endpoint: string, label: string): RpcError {
  if (err instanceof HttpTimeout) return new RpcTimeout(endpoint, label, err.timeoutMs);
  const msg = err instanceof Error ? err.message : String(err);
  return new RpcTransportError(endpoint, label, msg, undefined, { cause: err });
}

/**
 * An HTTP answer to a JSON-RPC post → the parsed body. 429 is a rate limit; other error
 * statuses carrying a JSON-RPC body are passed on as that body (some providers answer
 * JSON-RPC errors with 4xx), without one they are transport errors.
 */
export function parseHttpAnswer(answer: HttpTextAnswer, endpoint: string, label: string): unknown {
  if (answer.status === 429) {
    throw new RpcRateLimited(endpoint, label, 'HTTP 429', retryAfterMs(answer.headers));
  }
  let parsed: unknown;
  let parseError: string | undefined;
  try {
    parsed = JSON.parse(answer.text);
  } catch (e) {
    parseError = e instanceof Error ? e.message : String(e);
  }
  if (answer.status < 200 || answer.status >= 300) {
    if (parseError === undefined && typeof parsed === 'object' && parsed !== null) return parsed;
    throw new RpcTransportError(endpoint, label, `HTTP ${answer.status}`, answer.status);
  }
  if (parseError !== undefined) {
    const head = answer.text.slice(0, 80).replace(/\s+/g, ' ');
    throw new RpcBadAnswer(endpoint, label, `not JSON (${parseError}); starts "${head}"`);
  }
  return parsed;
}

/** A plain HTTP JSON-RPC transport. */
export function httpTransport(url: string, headers?: Readonly<Record<string, string>>): RpcTransport {
  return {
    async send(requests, ctx) {
      const label = describeCalls(requests);
      let answer: HttpTextAnswer;
      try {
        answer = await httpPostText(url, JSON.stringify(requests), { timeoutMs: ctx.timeoutMs, headers });
      } catch (err) {
        throw transportError(err, ctx.endpoint, label);
      }
      return parseHttpAnswer(answer, ctx.endpoint, label);
    },
    async close() {},
  };
}

export { HttpFailure, HttpTimeout };
