import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createEndpointPool, endpointLabel, type EndpointPool } from '../../../src/chains/rpc/endpoint-pool.js';
import { retryAfterMs } from '../../../src/chains/rpc/retry-after.js';
import {
  classifyNodeError,
  RpcBadAnswer,
  RpcNodeError,
  RpcRangeTooLarge,
  RpcRateLimited,
  RpcTransportError,
  RpcUnavailable,
  RpcUnsupported,
} from '../../../src/chains/rpc/errors.js';
import { freePort, startAnvil, type Anvil } from '../../helpers/anvil.js';
import { frame, readAnswers } from '../../../src/chains/rpc/json-rpc.js';
import { httpTransport } from '../../../src/chains/rpc/transport.js';
import { startRpcFaultServer, type RpcFaultServer } from '../../helpers/rpc-fault-server.js';
import { memoryLogger } from '../evm/memory-log.js';

describe('classifying node errors', () => {
  it.each([
    [-32005, 'query returned more than 10000 results', RpcRangeTooLarge],
    [-32602, 'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range', RpcRangeTooLarge],
    [-32000, 'block range is too wide', RpcRangeTooLarge],
    [-32005, 'project ID request rate exceeded', RpcRateLimited],
    [429, 'Too Many Requests', RpcRateLimited],
    [-32601, 'Method not found', RpcUnsupported],
    [-32000, 'the method debug_traceBlockByHash does not exist/is not available', RpcUnsupported],
  ])('%i "%s" is %o', (code, message, cls) => {
    expect(classifyNodeError('ep#0', 'm', code, message)).toBeInstanceOf(cls);
  });

  it('a lagging node’s "header not found" is worth retrying, invalid params are not', () => {
    expect(classifyNodeError('ep#0', 'm', -32000, 'header not found').retryable).toBe(true);
    const invalid = classifyNodeError('ep#0', 'm', -32602, 'invalid argument 0: hex string without 0x prefix');
    expect(invalid).toBeInstanceOf(RpcNodeError);
    expect(invalid.retryable).toBe(false);
  });
});

describe("an endpoint's Retry-After", () => {
  it('is capped; a missing header is no wait at all', () => {
    // A chain endpoint's wait is capped; a missing header is no wait at all.
    expect(retryAfterMs({ 'retry-after': '3600' })).toBe(300_000);
    expect(retryAfterMs({ 'retry-after': ' 2 ' })).toBe(2_000);
    expect(retryAfterMs({})).toBeUndefined();
  });
});

describe('reading JSON-RPC batch answers', () => {
  const reqs = frame([{ method: 'a', params: [] }, { method: 'b', params: [] }], 7);

  it('matches answers by id, whatever their order, and keeps per-call errors per call', () => {
    const out = readAnswers('ep#0', reqs, [
      { jsonrpc: '2.0', id: 8, error: { code: -32601, message: 'Method not found' } },
      { jsonrpc: '2.0', id: 7, result: '0x1' },
    ]);
    expect(out[0]).toEqual({ ok: true, result: '0x1' });
    expect(out[1]?.ok === false && out[1].error).toBeInstanceOf(RpcUnsupported);
  });

  it('a batch answered by one id-less error is that error for the whole request', () => {
    expect(() => readAnswers('ep#0', reqs, [{ jsonrpc: '2.0', id: null, error: { code: -32005, message: 'rate limited' } }])).toThrow(RpcRateLimited);
    expect(() => readAnswers('ep#0', reqs, { jsonrpc: '2.0', id: null, error: { code: -32005, message: 'rate limited' } })).toThrow(RpcRateLimited);
  });

  it('a missing, duplicate or shapeless answer is a bad answer', () => {
    expect(() => readAnswers('ep#0', reqs, [{ jsonrpc: '2.0', id: 7, result: 1 }])).toThrow(RpcBadAnswer);
    expect(() => readAnswers('ep#0', reqs, [{ id: 7, result: 1 }, { id: 7, result: 1 }])).toThrow(RpcBadAnswer);
    expect(() => readAnswers('ep#0', reqs, 'hello')).toThrow(RpcBadAnswer);
    expect(() => readAnswers('ep#0', reqs, null)).toThrow(RpcBadAnswer);
  });
});

describe('endpoint labels', () => {
  it('name host and position, never the path or credentials (API keys live there)', () => {
    expect(endpointLabel('https://mainnet.infura.io/v3/0123456789abcdef', 0)).toBe('mainnet.infura.io#0');
    expect(endpointLabel('https://user:secret@node.example:8545/', 2)).toBe('node.example:8545#2');
  });
});

describe('endpoint pool against anvil', () => {
  let node: Anvil;
  const proxies: RpcFaultServer[] = [];
  const pools: EndpointPool[] = [];

  beforeAll(async () => {
    node = await startAnvil();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await Promise.all(proxies.map((p) => p.close()));
    await node?.stop();
  });

  async function proxy(): Promise<RpcFaultServer> {
    const p = await startRpcFaultServer({ upstream: node.url });
    proxies.push(p);
    return p;
  }

  function pool(urls: string[], extra: { maxBatch?: number; maxAttempts?: number; maxRps?: number } = {}) {
    const { log, lines } = memoryLogger();
    const p = createEndpointPool({
      name: 'test',
      log,
      timeoutMs: 3_000,
      backoffBaseMs: 5,
      maxBatch: extra.maxBatch,
      maxAttempts: extra.maxAttempts,
      endpoints: urls.map((url) => ({ url, maxRps: extra.maxRps, transport: httpTransport(url) })),
    });
    pools.push(p);
    return { p, lines };
  }

  it('splits a long call list into batches of maxBatch and returns results in order', async () => {
    const px = await proxy();
    const { p } = pool([px.url], { maxBatch: 4 });
    const calls = Array.from({ length: 10 }, () => ({ method: 'eth_chainId', params: [] }));
    const results = await p.run('chain ids', (ep) => ep.results(calls));
    expect(results).toEqual(Array(10).fill('0x7a69'));
    expect(p.stats()[0]).toMatchObject({ requests: 3, calls: 10, successes: 1 });
  });

  it('fails over from an endpoint that refuses connections', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { p, lines } = pool([dead, node.url]);
    expect(await p.run('chain id', (ep) => ep.results([{ method: 'eth_chainId', params: [] }]))).toEqual(['0x7a69']);
    expect(p.stats()[0]?.failures.transport).toBe(1);
    expect(lines.some((l) => l.msg === 'rpc request failed; retrying' && l['kind'] === 'transport')).toBe(true);
  });

  it('gives up with RpcUnavailable listing every attempt', async () => {
    const px = await proxy();
    px.inject({ method: '*', fault: { kind: 'http', status: 503 } });
    const { p } = pool([px.url], { maxAttempts: 3 });
    const err = await p.run('chain id', (ep) => ep.results([{ method: 'eth_chainId', params: [] }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcUnavailable);
    expect((err as RpcUnavailable).attempts.map((a) => a.constructor)).toEqual([RpcTransportError, RpcTransportError, RpcTransportError]);
    expect((err as Error).message).toMatch(/test: chain id failed after 3 attempt/);
  });

  it('does not retry an error that another attempt cannot fix', async () => {
    const px = await proxy();
    const { p } = pool([px.url]);
    await expect(p.run('bad params', (ep) => ep.results([{ method: 'eth_getBlockByNumber', params: ['nope', false] }]))).rejects.toBeInstanceOf(RpcNodeError);
    expect(px.count('eth_getBlockByNumber')).toBe(1);
  });

  it('keeps to an endpoint’s rate limit without failing requests', async () => {
    const px = await proxy();
    const { p } = pool([px.url], { maxRps: 50 });
    const results = await Promise.all(Array.from({ length: 20 }, () => p.run('id', (ep) => ep.results([{ method: 'eth_chainId', params: [] }]))));
    expect(results.flat()).toEqual(Array(20).fill('0x7a69'));
    expect(p.stats()[0]?.failures['rate-limited']).toBe(0);
  });

  it('a lookup that finds nothing asks every endpoint once before answering null', async () => {
    const [a, b] = [await proxy(), await proxy()];
    const { p } = pool([a.url, b.url]);
    const unknown = `0x${'11'.repeat(32)}`;
    const got = await p.runUntilKnown('block', async (ep) => (await ep.results([{ method: 'eth_getBlockByHash', params: [unknown, false] }]))[0] ?? null);
    expect(got).toBeNull();
    expect([a.count('eth_getBlockByHash'), b.count('eth_getBlockByHash')]).toEqual([1, 1]);
  });
});
