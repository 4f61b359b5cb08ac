/**
 * One ethers JsonRpcProvider per EVM endpoint, used as the endpoint pool's transport: Cordon
 * frames its own JSON-RPC batches and hands them to the provider's `_send`.
 *
 * Two things are changed from ethers' defaults, both measured on multi-megabyte batch answers
 * (25 full blocks of 150 txs is ~3 MB):
 * - the body is decoded with Node's native UTF-8 decoder instead of ethers' `toUtf8String`
 *   (a JavaScript code-point loop: 800 ms vs 29 ms for 4.9 MB here), and
 * - the HTTP request goes through `httpPostText` (keep-alive, chunks joined once, a hard deadline)
 *   instead of ethers' getUrl, which re-copies the whole body on every chunk and only has an
 *   idle timeout.
 * Retries are not ethers' business either: the pool decides where to retry. ethers-level
 * calls (`provider.getBlock`, for debugging) still work and go through the same `_send`.
 */
import { FetchRequest, JsonRpcProvider, type JsonRpcPayload, type JsonRpcResult } from 'ethers';

import { httpPostText, type HttpTextAnswer } from '../../net/http-request.js';
import { describeCalls, type JsonRpcRequest } from '../rpc/json-rpc.js';
import { parseHttpAnswer, transportError, type RpcTransport, type SendContext } from '../rpc/transport.js';

export class CordonJsonRpcProvider extends JsonRpcProvider {
  readonly #url: string;
  readonly #label: string;
  readonly #timeoutMs: number;

  constructor(url: string, label: string, timeoutMs: number) {
    // staticNetwork would need the chain id up front; Cordon never uses ethers' network detection.
    super(new FetchRequest(url), undefined, { batchMaxCount: 100, batchStallTime: 2, polling: false });
    this.#url = url;
    this.#label = label;
    this.#timeoutMs = timeoutMs;
  }

  /** Posts a payload (one call or a batch) and returns the parsed answers. Throws RpcError subclasses. */
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    return this.sendParsed(payload, this.#timeoutMs) as Promise<JsonRpcResult[]>;
  }

  /** The parsed body, unvalidated (the pool matches it to the requests). */
  async sendParsed(payload: JsonRpcPayload | readonly JsonRpcPayload[] | readonly JsonRpcRequest[], timeoutMs: number): Promise<unknown> {
    const list = Array.isArray(payload) ? payload : [payload];
    const label = describeCalls(list as readonly { method: string }[]);
    let answer: HttpTextAnswer;
    try {
      // The FetchRequest contributes its headers (ethers adds basic auth from URL credentials).
      answer = await httpPostText(this.#url, JSON.stringify(payload), { timeoutMs, headers: this._getConnection().headers });
    } catch (err) {
      throw transportError(err, this.#label, label);
    }
    const parsed = parseHttpAnswer(answer, this.#label, label);
    return Array.isArray(payload) || !(typeof parsed === 'object' && parsed !== null) || Array.isArray(parsed) ? parsed : [parsed];
  }
}

/** The pool transport for one EVM endpoint, backed by its own CordonJsonRpcProvider. */
export function evmTransport(url: string, label: string, timeoutMs: number): RpcTransport & { readonly provider: CordonJsonRpcProvider } {
  const provider = new CordonJsonRpcProvider(url, label, timeoutMs);
  return {
    provider,
    send: (requests: readonly JsonRpcRequest[], ctx: SendContext) => provider.sendParsed(requests, ctx.timeoutMs),
    async close() {
      provider.destroy();
    },
  };
}
