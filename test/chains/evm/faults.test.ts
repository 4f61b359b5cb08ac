/**
 * Misbehaving endpoints, made by a fault-injecting proxy in front of a real anvil node:
 * every fault is retried or failed over, and nothing wrong is ever emitted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createEvmChainSource, type EvmChainSource, type EvmChainSourceOptions } from '../../../src/chains/evm/index.js';
import { RpcInconsistent, RpcUnavailable } from '../../../src/chains/rpc/errors.js';
import type { BlockRef } from '../../../src/domain/block.js';
import { startAnvil, type Anvil } from '../../helpers/anvil.js';
import { startRpcFaultServer, type RpcFaultServer } from '../../helpers/rpc-fault-server.js';
import { memoryLogger, type LogLine } from './memory-log.js';
import { BOB, CAROL, describeAll, ERIN, expectedTransfers, FORWARDER_2, installContracts, memoryScopeOf, mineScenarioBlock, scopeOf, touching, type ScenarioTxs } from './scenario.js';

let node: Anvil;
let scenario: { txs: ScenarioTxs; number: bigint };
let ref: BlockRef;
let proxies: RpcFaultServer[] = [];
let sources: EvmChainSource[] = [];

beforeAll(async () => {
  node = await startAnvil({ automine: false });
  await installContracts(node);
  scenario = await mineScenarioBlock(node);
  const b = await node.rpc<{ hash: string; parentHash: string; timestamp: string }>('eth_getBlockByNumber', [`0x${scenario.number.toString(16)}`, false]);
  ref = { number: scenario.number, hash: b.hash as BlockRef['hash'], parentHash: b.parentHash as BlockRef['parentHash'], timestamp: parseInt(b.timestamp, 16) };
});

afterEach(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await Promise.all(proxies.map((p) => p.close()));
  sources = [];
  proxies = [];
});

afterAll(async () => {
  await node?.stop();
});

async function proxy(): Promise<RpcFaultServer> {
  const p = await startRpcFaultServer({ upstream: node.url });
  proxies.push(p);
  return p;
}

function sourceOver(
  endpoints: readonly RpcFaultServer[],
  requestTimeoutMs = 3_000,
  extra: Partial<EvmChainSourceOptions> = {},
): { src: EvmChainSource; lines: LogLine[] } {
  const { log, lines } = memoryLogger();
  const src = createEvmChainSource({
    chain: 'anvil',
    chainId: 31337,
    endpoints: endpoints.map((p) => ({ url: p.url })),
    traces: true,
    log,
    requestTimeoutMs,
    backoffBaseMs: 10,
    rangeChunkBlocks: 2,
    ...extra,
  });
  sources.push(src);
  return { src, lines };
}

const warned = (lines: readonly LogLine[], msg: string): LogLine[] => lines.filter((l) => l.level === 40 && l.msg === msg);

describe('EVM source with faulty endpoints', () => {
  it('a timeout on the first endpoint fails over to the second, with the right transfers', async () => {
    const [bad, good] = [await proxy(), await proxy()];
    bad.inject({ method: 'eth_getBlockByHash', fault: { kind: 'timeout' } });
    const { src, lines } = sourceOver([bad, good], 300);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(bad.applied('timeout')).toBeGreaterThanOrEqual(1);
    expect(good.count('eth_getBlockByHash')).toBeGreaterThanOrEqual(1);
    expect(src.endpointStats()[0]?.failures.timeout).toBeGreaterThanOrEqual(1);
    expect(warned(lines, 'rpc request failed; retrying')[0]).toMatchObject({ chain: 'anvil', kind: 'timeout', endpoint: expect.stringMatching(/#0$/) });
  });

  it('HTTP 429 is retried after backoff (one endpoint)', async () => {
    const p = await proxy();
    p.inject({ method: '*', fault: { kind: 'http', status: 429, headers: { 'retry-after': '0' } }, times: 2 });
    const { src, lines } = sourceOver([p]);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(p.applied('http')).toBe(2);
    expect(warned(lines, 'rpc request failed; retrying').map((l) => l['kind'])).toEqual(['rate-limited', 'rate-limited']);
  });

  it('a JSON-RPC -32005 limit error is a rate limit and is retried', async () => {
    const p = await proxy();
    p.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'rpc-error', code: -32005, message: 'limit exceeded' }, times: 1 });
    const { src, lines } = sourceOver([p]);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(warned(lines, 'rpc request failed; retrying').map((l) => l['kind'])).toEqual(['rate-limited']);
  });

  it('garbage instead of JSON is retried', async () => {
    const p = await proxy();
    p.inject({ method: 'eth_getBlockByHash', fault: { kind: 'garbage' }, times: 2 });
    const { src, lines } = sourceOver([p]);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(warned(lines, 'rpc request failed; retrying').map((l) => l['kind'])).toEqual(['bad-answer', 'bad-answer']);
  });

  it('receipts for the wrong block are never used: warned, then answered by the other endpoint', async () => {
    const [bad, good] = [await proxy(), await proxy()];
    bad.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'wrong-block' } });
    const { src, lines } = sourceOver([bad, good]);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    const w = warned(lines, 'rpc answer for wrong block; retrying');
    expect(w.length).toBeGreaterThanOrEqual(1);
    expect(w[0]).toMatchObject({ chain: 'anvil', block: Number(scenario.number), blockHash: ref.hash, method: 'eth_getBlockReceipts', endpoint: expect.stringMatching(/#0$/) });
    expect(src.endpointStats()[0]?.failures.inconsistent).toBeGreaterThanOrEqual(1);
  });

  it('a block whose transactions name another block is refused', async () => {
    const p = await proxy();
    p.inject({
      method: 'eth_getBlockByHash',
      times: 1,
      fault: {
        kind: 'rewrite',
        fn: (block) => {
          const b = block as { transactions: { blockHash: string }[] };
          b.transactions[1]!.blockHash = `0x${'cd'.repeat(32)}`;
          return b;
        },
      },
    });
    const { src, lines } = sourceOver([p]);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(warned(lines, 'rpc answer for wrong block; retrying')[0]).toMatchObject({ method: 'eth_getBlockByHash' });
  });

  it('receipts that do not match the block’s transactions one for one are refused', async () => {
    const p = await proxy();
    p.inject({ method: 'eth_getBlockReceipts', times: 1, fault: { kind: 'rewrite', fn: (r) => (r as unknown[]).slice(1) } });
    const { src, lines } = sourceOver([p]);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(warned(lines, 'rpc answer for wrong block; retrying')[0]).toMatchObject({ method: 'eth_getBlockReceipts' });
  });

  it('traces for the wrong block are refused (trace_block and debug_traceBlockByHash)', async () => {
    const p = await proxy();
    p.inject({ method: 'trace_block', times: 1, fault: { kind: 'wrong-block' } });
    p.inject({ method: 'trace_block', times: 1, fault: { kind: 'rewrite', fn: (r) => (r as unknown[]).slice(1) } });
    const { src, lines } = sourceOver([p]);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(warned(lines, 'rpc answer for wrong block; retrying').map((l) => l['method'])).toEqual(['trace_block', 'trace_block']);

    const geth = await proxy();
    geth.inject({ method: 'trace_block', fault: { kind: 'rpc-error', code: -32601, message: 'Method not found' } });
    geth.inject({ method: 'debug_traceBlockByHash', times: 1, fault: { kind: 'rewrite', fn: (r) => (r as unknown[]).slice().reverse() } });
    const other = sourceOver([geth]);
    expect(describeAll(await other.src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(warned(other.lines, 'rpc answer for wrong block; retrying')[0]).toMatchObject({ method: 'debug_traceBlockByHash' });
  });

  it('in a range, receipts by number for another block are refused and refetched', async () => {
    const [bad, good] = [await proxy(), await proxy()];
    bad.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'wrong-block' } });
    const { src, lines } = sourceOver([bad, good]);
    const range = await src.transfersInRange(scenario.number - 1n, scenario.number);
    expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expectedTransfers(scenario.txs, true));
    expect(warned(lines, 'rpc answer for wrong block; retrying').length).toBeGreaterThanOrEqual(1);
  });

  it('a lagging endpoint that does not know the block does not make it look reorged', async () => {
    const [lagging, good] = [await proxy(), await proxy()];
    lagging.inject({ method: /^eth_getBlockBy/, fault: { kind: 'rewrite', fn: () => null } });
    const { src } = sourceOver([lagging, good]);
    expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
    expect(await src.blockByHash(ref.hash)).toEqual(ref);
  });

  it('when every endpoint answers for the wrong block, it fails with RpcUnavailable and emits nothing', async () => {
    const [a, b] = [await proxy(), await proxy()];
    a.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'wrong-block' } });
    b.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'wrong-block' } });
    const { src, lines } = sourceOver([a, b]);
    const err = await src.transfers(ref).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RpcUnavailable);
    const attempts = (err as RpcUnavailable).attempts;
    expect(attempts.length).toBe(6);
    expect(attempts.every((x) => x instanceof RpcInconsistent)).toBe(true);
    expect(new Set(attempts.map((x) => x.endpoint)).size).toBe(2);
    expect(lines.some((l) => l.msg === 'rpc answer for wrong block; giving up')).toBe(true);
  });
});

// The extract stage's scope has the addresses in memory on EVM chains (the answer is then narrowed
// as it is parsed, narrow-raw.ts); `among` is the path for scopes without them.
describe.each([
  ['asked with `among`', scopeOf],
  ['held in memory', memoryScopeOf],
])('EVM source with faulty endpoints, scoped to the exchange’s addresses %s (the extract stage’s reads)', (_, scopeOf) => {
  // Per-transaction receipts even in the small scenario block.
  const perTx = { perTxReceiptShare: 1 };

  it('a per-transaction receipt the node cannot give (no tx index, indexing, reorged away) falls back to the block’s receipts by hash', async () => {
    const faults = [
      { kind: 'rewrite', fn: () => null },
      { kind: 'wrong-block' },
      { kind: 'rpc-error', code: -32000, message: 'transaction indexing is in progress' },
    ] as const;
    for (const fault of faults) {
      const p = await proxy();
      p.inject({ method: 'eth_getTransactionReceipt', fault });
      const { src } = sourceOver([p], 3_000, perTx);
      expect(describeAll(await src.transfers(ref, scopeOf(BOB)))).toEqual(touching(expectedTransfers(scenario.txs, true), BOB));
      const range = await src.transfersInRange(scenario.number - 1n, scenario.number, scopeOf(BOB));
      expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(touching(expectedTransfers(scenario.txs, true), BOB));
      expect(p.count('eth_getTransactionReceipt')).toBe(2);
      expect(p.count('eth_getBlockReceipts')).toBe(2);
    }
  });

  it('Transfer logs of a range for another block are refused and fetched again elsewhere', async () => {
    const [bad, good] = [await proxy(), await proxy()];
    bad.inject({ method: 'eth_getLogs', fault: { kind: 'wrong-block' } });
    const { src, lines } = sourceOver([bad, good], 3_000, perTx);
    const range = await src.transfersInRange(scenario.number - 1n, scenario.number, scopeOf(CAROL));
    expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(touching(expectedTransfers(scenario.txs, true), CAROL));
    expect(warned(lines, 'rpc answer for wrong block; retrying')[0]).toMatchObject({ method: 'eth_getLogs' });
  });

  it('a range answer that leaves a block’s Transfer logs out (a backend clamping to its head) is caught by the block’s bloom', async () => {
    const p = await proxy();
    p.inject({
      method: 'eth_getLogs',
      when: ([q]) => (q as { fromBlock?: string }).fromBlock !== undefined,
      fault: { kind: 'rewrite', fn: () => [] },
    });
    const { src } = sourceOver([p], 3_000, perTx);
    const range = await src.transfersInRange(scenario.number - 1n, scenario.number, scopeOf(CAROL));
    // CAROL's token deposit is only in the logs.
    expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(touching(expectedTransfers(scenario.txs, true), CAROL));
    expect(range.get(scenario.number)!.transfers.some((t) => t.kind === 'erc20')).toBe(true);
    // The block before has no logs and an empty bloom: not asked again.
    expect(p.count('eth_getLogs')).toBe(2);
  });

  it('a range the node refuses as too large inside the batch is split, and no Transfer log is lost', async () => {
    const p = await proxy();
    p.inject({
      method: 'eth_getLogs',
      when: ([q]) => {
        const f = q as { fromBlock?: string; toBlock?: string };
        return f.fromBlock !== undefined && BigInt(f.toBlock ?? '0x0') > BigInt(f.fromBlock);
      },
      fault: { kind: 'rpc-error', code: -32005, message: 'query returned more than 10000 results' },
    });
    const { src } = sourceOver([p], 3_000, perTx);
    const range = await src.transfersInRange(scenario.number - 1n, scenario.number, scopeOf(CAROL));
    expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(touching(expectedTransfers(scenario.txs, true), CAROL));
    expect(p.applied('rpc-error')).toBeGreaterThanOrEqual(1);
  });

  it('a transaction or a log that names another block is refused even when it does not touch the scope', async () => {
    // BOB's scope: the ALICE → TOKEN transaction and its Transfer log to CAROL do not touch it.
    const expected = touching(expectedTransfers(scenario.txs, true), BOB);
    const otherBlock = `0x${'cd'.repeat(32)}`;
    const spoilTx = (block: unknown): unknown => {
      const b = block as { transactions: { hash: string; blockHash: string }[] } | null;
      const tx = b?.transactions.find((t) => t.hash === scenario.txs.token);
      if (tx !== undefined) tx.blockHash = otherBlock;
      return b;
    };
    const spoilLog = (logs: unknown): unknown => {
      for (const l of logs as { transactionHash: string; blockHash: string }[]) if (l.transactionHash === scenario.txs.token) l.blockHash = otherBlock;
      return logs;
    };
    // Blocks: only the scenario block's answers (by number in the range, by hash at the tip); logs: every answer holds its logs.
    const scenarioBlock = ([q]: readonly unknown[]): boolean => q === `0x${scenario.number.toString(16)}` || q === ref.hash;
    for (const [method, fn, when] of [
      [/^eth_getBlockBy/, spoilTx, scenarioBlock],
      ['eth_getLogs', spoilLog, undefined],
    ] as const) {
      const p = await proxy();
      const { src, lines } = sourceOver([p], 3_000, perTx);
      // Spoilt once for the range read, once for the tip read.
      p.inject({ method, when, times: 1, fault: { kind: 'rewrite', fn } });
      const range = await src.transfersInRange(scenario.number - 1n, scenario.number, scopeOf(BOB));
      expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expected);
      p.inject({ method, when, times: 1, fault: { kind: 'rewrite', fn } });
      expect(describeAll(await src.transfers(ref, scopeOf(BOB)))).toEqual(expected);
      expect(warned(lines, 'rpc answer for wrong block; retrying')).toHaveLength(2);
      expect(p.applied('rewrite')).toBe(2);
    }
  });

  it('without trace_block, internal transfers in scope still come (debug_trace*), range and tip', async () => {
    const p = await proxy();
    p.inject({ method: 'trace_block', fault: { kind: 'rpc-error', code: -32601, message: 'Method not found' } });
    const { src } = sourceOver([p], 3_000, perTx);
    const expected = touching(expectedTransfers(scenario.txs, true), FORWARDER_2, ERIN);
    expect(expected.filter((l) => l.includes(' internal '))).toHaveLength(2);
    // The range first: trace_block fails inside its batch, and the traces are fetched on their own.
    const range = await src.transfersInRange(scenario.number - 1n, scenario.number, scopeOf(FORWARDER_2, ERIN));
    expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expected);
    expect(describeAll(await src.transfers(ref, scopeOf(FORWARDER_2, ERIN)))).toEqual(expected);
  });
});
