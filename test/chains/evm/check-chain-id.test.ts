/**
 * An EVM endpoint is used only once its eth_chainId is the configured chain id: real anvil
 * nodes started with `--chain-id`, one of them restarted behind the same URL.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { compareChainId, readChainId } from '../../../src/chains/evm/check-chain-id.js';
import { createEvmChainSource, type EvmChainSource } from '../../../src/chains/evm/index.js';
import { NoEndpointOnChain } from '../../../src/chains/rpc/chain-identity.js';
import { RpcBadAnswer } from '../../../src/chains/rpc/errors.js';
import { startAnvil, type Anvil } from '../../helpers/anvil.js';
import { startRpcFaultServer, type RpcFaultServer } from '../../helpers/rpc-fault-server.js';
import { memoryLogger, type LogLine } from './memory-log.js';

const nodes: Anvil[] = [];
const proxies: RpcFaultServer[] = [];
let sources: EvmChainSource[] = [];

async function anvil(chainId: number, port?: number): Promise<Anvil> {
  const node = await startAnvil({ chainId, accounts: 1, ...(port === undefined ? {} : { port }) });
  nodes.push(node);
  return node;
}

function polygon(urls: readonly string[], extra: { recheckRefusedMs?: number; maxAttempts?: number; reidentifyMs?: number } = {}): { src: EvmChainSource; lines: LogLine[] } {
  const { log, lines } = memoryLogger();
  const src = createEvmChainSource({ chain: 'polygon', chainId: 137, endpoints: urls.map((url) => ({ url })), traces: false, log, backoffBaseMs: 5, requestTimeoutMs: 2_000, ...extra });
  sources.push(src);
  return { src, lines };
}

const refusals = (lines: readonly LogLine[]): LogLine[] => lines.filter((l) => l.level === 50 && l.msg === 'endpoint is on the wrong chain; refused');

afterEach(async () => {
  await Promise.all(sources.map((s) => s.close()));
  sources = [];
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('comparing chain ids (no node)', () => {
  it('the same id passes; another is described on both sides, with the names of known chains', () => {
    expect(compareChainId(137, 137n)).toBeNull();
    expect(compareChainId(137, 1n)).toEqual({ configured: 'network 137 (Polygon PoS)', actual: 'chain id 1 (Ethereum mainnet)' });
    expect(compareChainId(424242, 31337n)).toEqual({ configured: 'network 424242', actual: 'chain id 31337 (a local dev chain (anvil, Hardhat))' });
  });

  it('an eth_chainId answer that is not a hex quantity is a bad answer', () => {
    expect(readChainId({ label: 'x#0' }, '0x89')).toBe(137n);
    expect(() => readChainId({ label: 'x#0' }, 137)).toThrow(RpcBadAnswer);
    expect(() => readChainId({ label: 'x#0' }, '137')).toThrow(/chain id is not a hex quantity/);
  });
});

describe('EVM endpoints on the wrong chain', () => {
  it('a chain configured with network 137 pointed at an Ethereum mainnet node (chain id 1) is refused, naming both chains', async () => {
    const mainnet = await anvil(1);
    const { src, lines } = polygon([mainnet.url]);
    const err = await src.head().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoEndpointOnChain);
    const label = `127.0.0.1:${mainnet.port}#0`;
    expect((err as Error).message).toContain(`endpoint ${label}: chain id 1 (Ethereum mainnet), but chain \`polygon\` is configured with network 137 (Polygon PoS)`);
    expect(refusals(lines)).toEqual([
      expect.objectContaining({ chain: 'polygon', endpoint: label, configured: 'network 137 (Polygon PoS)', actual: 'chain id 1 (Ethereum mainnet)' }),
    ]);
    // The start-up check says the same.
    await expect(src.identifyEndpoints()).rejects.toThrow(/chain id 1 \(Ethereum mainnet\), but chain `polygon` is configured with network 137/);
  });

  it('a pool with one endpoint on the wrong chain and one on the right uses only the right one, asking its chain id once', async () => {
    const [wrong, right] = await Promise.all([anvil(1), anvil(137)]);
    const counted = await startRpcFaultServer({ upstream: right.url });
    proxies.push(counted);
    const { src, lines } = polygon([wrong.url, counted.url]);
    await src.identifyEndpoints();
    for (let i = 0; i < 5; i++) {
      const head = await src.head();
      expect(await src.blockAt(head.number)).toEqual(head);
    }
    const [w, r] = src.endpointStats();
    expect(w).toMatchObject({ successes: 0, requests: 1, failures: expect.objectContaining({ 'wrong-chain': 1 }) });
    expect(w?.refused).toMatch(/chain id 1 \(Ethereum mainnet\)/);
    expect(r?.successes).toBe(10);
    expect(counted.count('eth_chainId')).toBe(1);
    expect(refusals(lines)).toHaveLength(1);
  });

  it('a refused endpoint whose node is restarted on the right chain behind the same URL rejoins the pool', async () => {
    const [wrong, right] = await Promise.all([anvil(1), anvil(137)]);
    const { src, lines } = polygon([wrong.url, right.url], { recheckRefusedMs: 100 });
    await src.head();
    expect(src.endpointStats()[0]?.successes).toBe(0);

    await wrong.stop();
    await anvil(137, wrong.port);
    await new Promise((r) => setTimeout(r, 150));
    await src.head();
    const [first] = src.endpointStats();
    expect(first?.successes).toBe(1);
    expect(first?.refused).toBeUndefined();
    expect(lines.filter((l) => l.msg === 'endpoint serves the configured chain again; rejoining')).toEqual([
      expect.objectContaining({ chain: 'polygon', endpoint: `127.0.0.1:${wrong.port}#0` }),
    ]);
  });

  it('an endpoint that failed is checked again before it is used again: a node swapped for another chain is refused', async () => {
    const right = await anvil(137);
    const { src, lines } = polygon([right.url], { maxAttempts: 2 });
    await src.head();
    await right.stop();
    await expect(src.head()).rejects.toThrow(/failed after 2 attempt/);

    await anvil(1, right.port);
    const err = await src.head().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoEndpointOnChain);
    expect((err as Error).message).toContain('chain id 1 (Ethereum mainnet), but chain `polygon` is configured with network 137 (Polygon PoS)');
    expect(refusals(lines)).toHaveLength(1);
  });

  it('an endpoint that keeps answering is asked its chain again now and then: a backend swapped behind a load balancer is refused', async () => {
    const right = await anvil(137);
    const balancer = await startRpcFaultServer({ upstream: right.url });
    proxies.push(balancer);
    const { src, lines } = polygon([balancer.url], { reidentifyMs: 200 });
    await src.head();
    await src.head();
    expect(balancer.count('eth_chainId')).toBe(1);
    // The balancer now sends requests to an Ethereum mainnet node; no request fails.
    balancer.inject({ method: 'eth_chainId', fault: { kind: 'rewrite', fn: () => '0x1' } });
    await new Promise((r) => setTimeout(r, 250));
    const err = await src.head().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoEndpointOnChain);
    expect(balancer.count('eth_chainId')).toBe(2);
    expect(refusals(lines)).toHaveLength(1);
  });
});
