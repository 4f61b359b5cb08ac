/**
 * HTTP to Bitcoin Core: the JSON-RPC transport for the endpoint pool (with Core's auth), and
 * GETs for the REST interface. Both map failures to the RpcError classes the pool knows, so a
 * REST request is retried, backed off and failed over like an RPC call.
 */
import { RpcNodeError, RpcTimeout, RpcTransportError } from '../rpc/errors.js';
import { HttpFailure, HttpTimeout, httpGet, httpPostText, type HttpAnswer, type HttpTextAnswer } from '../../net/http-request.js';
import { describeCalls, type JsonRpcRequest } from '../rpc/json-rpc.js';
import { parseHttpAnswer, transportError, type RpcTransport } from '../rpc/transport.js';
import { coreAuth, splitUrlCredentials, type CoreAuth } from './core-auth.js';
import { CoreAuthFailed } from './errors.js';

/** JSON-RPC over HTTP with Core's Basic auth; a 401 re-reads a cookie once, then fails for good. */
export function coreTransport(opts: { readonly url: string; readonly chain: string; readonly env: NodeJS.ProcessEnv }): RpcTransport & { readonly auth: CoreAuth } {
  const url = splitUrlCredentials(opts.url).url;
  const auth = coreAuth(opts);
  const post = async (body: string, timeoutMs: number): Promise<HttpTextAnswer> => {
    const authorization = await auth.header();
    return httpPostText(url, body, { timeoutMs, headers: authorization === undefined ? {} : { authorization } });
  };
  return {
    auth,
    async send(requests: readonly JsonRpcRequest[], ctx) {
      const label = describeCalls(requests);
      const body = JSON.stringify(requests);
      let answer: HttpTextAnswer;
      try {
        answer = await post(body, ctx.timeoutMs);
        if (answer.status === 401 && (await auth.refresh())) answer = await post(body, ctx.timeoutMs);
      } catch (err) {
        if (err instanceof Error && !(err instanceof HttpTimeout) && !(err instanceof HttpFailure)) {
          throw new RpcTransportError(ctx.endpoint, label, err.message, undefined, { cause: err });
        }
        throw transportError(err, ctx.endpoint, label);
      }
      if (answer.status === 401) throw new CoreAuthFailed(ctx.endpoint, label, 401, `credentials from ${auth.source}`);
      // Core answers 403 to a client address that rpcallowip does not cover.
      if (answer.status === 403) throw new CoreAuthFailed(ctx.endpoint, label, 403, "this host's address is not in the node's rpcallowip");
      return parseHttpAnswer(answer, ctx.endpoint, label);
    },
    async close() {},
  };
}

/** What a REST GET came back as. */
export type RestAnswer =
  | { readonly kind: 'ok'; readonly body: Buffer }
  /** 404 with Core's text (`<hash> not found`, `Block height out of range`): the node does not have it. */
  | { readonly kind: 'not-found'; readonly text: string }
  /** 404 with an empty body: no handler, i.e. the node runs without `-rest`. */
  | { readonly kind: 'disabled' };

/** REST client for one Core endpoint (`http://host:8332`, credentials stripped: REST has no auth). */
export function coreRest(endpointUrl: string) {
  const base = splitUrlCredentials(endpointUrl).url.replace(/\/+$/, '');
  return {
    async get(path: string, label: string, endpoint: string, timeoutMs: number): Promise<RestAnswer> {
      let answer: HttpAnswer;
      try {
        answer = await httpGet(`${base}/rest/${path}`, timeoutMs);
      } catch (err) {
        if (err instanceof HttpTimeout) throw new RpcTimeout(endpoint, label, err.timeoutMs);
        throw transportError(err, endpoint, label);
      }
      if (answer.status === 200) return { kind: 'ok', body: answer.body };
      const text = answer.body.toString('utf8').trim();
      if (answer.status === 404) return text === '' ? { kind: 'disabled' } : { kind: 'not-found', text };
      // 400: Core calls the request malformed ("Invalid hash: …"); asking again will not help.
      if (answer.status === 400) throw new RpcNodeError(endpoint, label, 400, text, false);
      // 403 (-rest with rpcallowip limits), 500, 503 (warming up, work queue full): worth another try.
      throw new RpcTransportError(endpoint, label, `HTTP ${answer.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`, answer.status);
    },
  };
}

export type CoreRest = ReturnType<typeof coreRest>;
