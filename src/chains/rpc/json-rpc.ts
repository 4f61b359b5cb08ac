/**
 * JSON-RPC 2.0 framing: requests, and reading a (batch) answer back into one outcome per call.
 * The reading is defensive: whatever a server sends, the caller gets either a result or an
 * RpcError saying what was wrong.
 */
import { classifyNodeError, RpcBadAnswer, type RpcError } from './errors.js';

/** One call, before it is framed. */
export interface RpcCall {
  readonly method: string;
  readonly params: readonly unknown[];
}

export interface JsonRpcRequest {
  readonly jsonrpc: '2.0';
  readonly id: number;
  readonly method: string;
  readonly params: readonly unknown[];
}

export type RpcOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: RpcError };

export function frame(calls: readonly RpcCall[], firstId: number): JsonRpcRequest[] {
  return calls.map((c, i) => ({ jsonrpc: '2.0', id: firstId + i, method: c.method, params: c.params }));
}

/** `eth_getBlockByNumber×25+eth_getBlockReceipts×25`: names a batch in logs and errors. */
export function describeCalls(calls: readonly { readonly method: string }[]): string {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c.method, (counts.get(c.method) ?? 0) + 1);
  return [...counts].map(([m, n]) => (n === 1 ? m : `${m}×${n}`)).join('+');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function errorOf(endpoint: string, method: string, e: unknown): RpcError {
  if (!isObject(e)) return new RpcBadAnswer(endpoint, method, 'error member is not an object');
  const code = typeof e['code'] === 'number' ? e['code'] : 0;
  const message = typeof e['message'] === 'string' ? e['message'] : JSON.stringify(e).slice(0, 200);
  return classifyNodeError(endpoint, method, code, message);
}

/**
 * Matches a parsed answer body to the requests sent. A whole-request error object (some
 * servers answer a batch that way when rate limiting) or a missing or duplicate id throws;
 * per-call errors come back as outcomes.
 */
export function readAnswers(endpoint: string, requests: readonly JsonRpcRequest[], body: unknown): RpcOutcome[] {
  const label = describeCalls(requests);
  if (isObject(body)) {
    // A single object for a batch: only an error makes sense (or a single-call answer).
    if (requests.length === 1 && body['id'] === requests[0]?.id) body = [body];
    else if ('error' in body) throw errorOf(endpoint, label, body['error']);
    else throw new RpcBadAnswer(endpoint, label, 'a single object in answer to a batch');
  }
  if (!Array.isArray(body)) throw new RpcBadAnswer(endpoint, label, `answer is ${body === null ? 'null' : typeof body}, not a JSON-RPC batch`);
  const byId = new Map<unknown, Record<string, unknown>>();
  for (const item of body as unknown[]) {
    if (!isObject(item)) throw new RpcBadAnswer(endpoint, label, 'a batch item is not an object');
    if (byId.has(item['id'])) throw new RpcBadAnswer(endpoint, label, `duplicate answer id ${String(item['id'])}`);
    byId.set(item['id'], item);
  }
  return requests.map((req) => {
    const item = byId.get(req.id);
    if (item === undefined) {
      // A server that answers a batch with a lone id-less error (e.g. rate limited) leaves every id missing.
      const lone = body.length === 1 ? (body[0] as Record<string, unknown>) : undefined;
      if (lone !== undefined && lone['id'] === null && 'error' in lone) throw errorOf(endpoint, label, lone['error']);
      throw new RpcBadAnswer(endpoint, label, `no answer for ${req.method} (id ${req.id})`);
    }
    if ('error' in item && item['error'] !== undefined && item['error'] !== null) {
      return { ok: false, error: errorOf(endpoint, req.method, item['error']) };
    }
    if (!('result' in item)) return { ok: false, error: new RpcBadAnswer(endpoint, req.method, 'neither result nor error') };
    return { ok: true, result: item['result'] };
  });
}
