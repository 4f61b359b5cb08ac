import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BlockUnavailable, createEvmChainSource, type EvmChainSource } from '../../../src/chains/evm/index.js';
import { blockHash } from '../../../src/domain/block.js';
import { startAnvil, type Anvil } from '../../helpers/anvil.js';
import { startRpcFaultServer } from '../../helpers/rpc-fault-server.js';
import { memoryLogger } from './memory-log.js';
import {
  ALICE,
  BOB,
  CAROL,
  DAVE,
  describeAll,
  ERIN,
  expectedTransfers,
  FORWARDER_2,
  installContracts,
  mineScenarioBlock,
  memoryScopeOf,
  scopeOf,
  send,
  TOKEN,
  touching,
  type ScenarioTxs,
} from './scenario.js';

let node: Anvil;
let scenario: { txs: ScenarioTxs; number: bigint };
const quiet = memoryLogger().log;
const sources: EvmChainSource[] = [];

function source(url: string, traces: boolean): EvmChainSource {
  const s = createEvmChainSource({ chain: 'anvil', chainId: 31337, endpoints: [{ url }], traces, log: quiet, requestTimeoutMs: 2_000, backoffBaseMs: 10 });
  sources.push(s);
  return s;
}

beforeAll(async () => {
  node = await startAnvil({ automine: false });
  await installContracts(node);
  scenario = await mineScenarioBlock(node);
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await node?.stop();
});

describe('EVM chain source on anvil', () => {
  it('extracts native, ERC-20 and internal transfers with exact amounts', async () => {
    const src = source(node.url, true);
    const ref = await src.blockAt(scenario.number);
    expect(ref).not.toBeNull();
    const transfers = await src.transfers(ref!);
    expect(describeAll(transfers)).toEqual(expectedTransfers(scenario.txs, true));
    for (const t of transfers) {
      expect(t.chain).toBe('anvil');
      expect(t.blockHash).toBe(ref!.hash);
      expect(t.blockNumber).toBe(scenario.number);
    }
    // The ERC-20 position is the log's real index.
    const receipt = await node.rpc<{ logs: { logIndex: string }[] }>('eth_getTransactionReceipt', [scenario.txs.token]);
    const erc20 = transfers.find((t) => t.kind === 'erc20');
    expect(erc20?.position).toBe(`log:${parseInt(receipt.logs[0]!.logIndex, 16)}`);
    expect(erc20?.asset).toEqual({ kind: 'token', contract: TOKEN });
  });

  it('a reverted transaction produces no transfer, and neither does a reverted internal call', async () => {
    const transfers = await source(node.url, true).transfers((await source(node.url, true).blockAt(scenario.number))!);
    const hashes = new Set(transfers.map((t) => t.txHash));
    expect(hashes.has(scenario.txs.tokenReverted)).toBe(false);
    expect(hashes.has(scenario.txs.forwardReverted)).toBe(false);
    // The lenient forwarder's own value counts; the frame into the reverter does not.
    expect(transfers.filter((t) => t.txHash === scenario.txs.lenient).map((t) => t.kind)).toEqual(['native']);
  });

  it('an ERC-721 Transfer log (4 topics) is not an ERC-20 transfer, but the call is a finding', async () => {
    const src = source(node.url, false);
    const transfers = await src.transfers((await src.blockAt(scenario.number))!);
    expect(transfers.filter((t) => t.txHash === scenario.txs.nft).map((t) => t.kind)).toEqual(['call']);
  });

  it('without traces enabled, internal transfers are not extracted and no trace method is called', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    try {
      const src = source(proxy.url, false);
      const transfers = await src.transfers((await src.blockAt(scenario.number))!);
      expect(describeAll(transfers)).toEqual(expectedTransfers(scenario.txs, false));
      expect(proxy.count('debug_traceBlockByHash') + proxy.count('debug_traceBlockByNumber') + proxy.count('trace_block')).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('a tip block costs one batched request: full block and block receipts, no per-transaction calls', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    try {
      const src = source(proxy.url, false);
      const ref = (await src.blockAt(scenario.number))!;
      await src.transfers(ref);
      expect(proxy.count('eth_getBlockByHash')).toBe(1);
      expect(proxy.count('eth_getBlockReceipts')).toBe(1);
      expect(proxy.count('eth_getTransactionReceipt')).toBe(0);
      expect(proxy.count('eth_getLogs')).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('a range yields the same transfers as the blocks one by one, linked by parent hash', async () => {
    const src = source(node.url, true);
    const head = await src.head();
    const from = scenario.number - 1n;
    const range = await src.transfersInRange(from, head.number);
    expect([...range.keys()]).toEqual(Array.from({ length: Number(head.number - from) + 1 }, (_, i) => from + BigInt(i)));
    for (const [n, { block, transfers }] of range) {
      const ref = (await src.blockAt(n))!;
      expect(block).toEqual(ref);
      expect(describeAll(transfers)).toEqual(describeAll(await src.transfers(ref)));
    }
    expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expectedTransfers(scenario.txs, true));
  });

  it('a range above the head is refused as unavailable', async () => {
    const src = source(node.url, false);
    const head = await src.head();
    await expect(src.transfersInRange(head.number, head.number + 3n)).rejects.toBeInstanceOf(BlockUnavailable);
    expect(await src.blockAt(head.number + 100n)).toBeNull();
  });

  it('without eth_getBlockReceipts, falls back to Transfer logs and per-transaction receipts, same transfers', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    proxy.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'rpc-error', code: -32601, message: 'the method eth_getBlockReceipts does not exist/is not available' } });
    try {
      const src = source(proxy.url, true);
      const ref = (await src.blockAt(scenario.number))!;
      expect(describeAll(await src.transfers(ref))).toEqual(expectedTransfers(scenario.txs, true));
      const range = await src.transfersInRange(scenario.number - 1n, scenario.number);
      expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expectedTransfers(scenario.txs, true));
      expect(proxy.count('eth_getLogs')).toBeGreaterThanOrEqual(2);
      // The token transfer's status is implied by its log: no receipt asked for it.
      expect(proxy.count('eth_getTransactionReceipt')).toBeLessThan(2 * 7);
    } finally {
      await proxy.close();
    }
  });

  it('range reads at once (replay runs several extract jobs) share the source’s chunk slots', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    proxy.inject({ method: 'eth_getBlockByNumber', fault: { kind: 'slow', ms: 40 } });
    try {
      const src = createEvmChainSource({ chain: 'anvil', chainId: 31337, endpoints: [{ url: proxy.url }], traces: false, log: quiet, rangeChunkBlocks: 1, rangeConcurrency: 2 });
      sources.push(src);
      const n = scenario.number;
      const ranges = await Promise.all([src.transfersInRange(n - 2n, n - 1n), src.transfersInRange(n, n)]);
      expect(ranges.map((r) => [...r.keys()])).toEqual([[n - 2n, n - 1n], [n]]);
      expect(describeAll(ranges[1]!.get(n)!.transfers)).toEqual(expectedTransfers(scenario.txs, false));
      // Three one-block chunks asked for at once, by two calls: two reads on the node at a time.
      expect(proxy.maxInFlight('eth_getBlockByNumber')).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('a log range the node refuses as too large is split until it is accepted', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    proxy.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'rpc-error', code: -32601, message: 'Method not found' } });
    proxy.inject({
      method: 'eth_getLogs',
      when: ([f]) => {
        const q = f as { fromBlock?: string; toBlock?: string };
        return q.fromBlock !== undefined && BigInt(q.toBlock ?? '0x0') - BigInt(q.fromBlock) >= 1n;
      },
      fault: { kind: 'rpc-error', code: -32005, message: 'query returned more than 10000 results' },
    });
    try {
      const src = createEvmChainSource({ chain: 'anvil', chainId: 31337, endpoints: [{ url: proxy.url }], traces: false, log: quiet, rangeChunkBlocks: 4 });
      sources.push(src);
      const range = await src.transfersInRange(scenario.number - 2n, scenario.number);
      expect(range.size).toBe(3);
      expect(proxy.applied('rpc-error')).toBeGreaterThanOrEqual(2); // refused ranges
      expect(proxy.count('eth_getLogs')).toBeGreaterThan(3);
      expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expectedTransfers(scenario.txs, false));
    } finally {
      await proxy.close();
    }
  });

  it('internal transfers come from trace_block where the node has it (cheapest)', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    try {
      const src = source(proxy.url, true);
      expect(describeAll(await src.transfers((await src.blockAt(scenario.number))!))).toEqual(expectedTransfers(scenario.txs, true));
      const range = await src.transfersInRange(scenario.number, scenario.number);
      expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expectedTransfers(scenario.txs, true));
      expect(proxy.count('trace_block')).toBe(2);
      expect(proxy.count('debug_traceBlockByHash') + proxy.count('debug_traceBlockByNumber')).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('without trace_block (geth), internal transfers come from debug_traceBlockBy* with callTracer, same paths', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    proxy.inject({ method: 'trace_block', fault: { kind: 'rpc-error', code: -32601, message: 'the method trace_block does not exist/is not available' } });
    try {
      const src = source(proxy.url, true);
      expect(describeAll(await src.transfers((await src.blockAt(scenario.number))!))).toEqual(expectedTransfers(scenario.txs, true));
      const range = await src.transfersInRange(scenario.number, scenario.number);
      expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expectedTransfers(scenario.txs, true));
      expect(proxy.count('trace_block')).toBe(1); // asked once, then remembered as missing
      expect(proxy.count('debug_traceBlockByHash')).toBe(1);
      expect(proxy.count('debug_traceBlockByNumber')).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('EVM chain source scoped to the exchange’s addresses', () => {
  it('reads Transfer logs instead of block receipts, and a receipt only for the transaction in scope without a log', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    try {
      const src = createEvmChainSource({ chain: 'anvil', chainId: 31337, endpoints: [{ url: proxy.url }], traces: true, log: quiet, perTxReceiptShare: 1 });
      sources.push(src);
      const ref = (await src.blockAt(scenario.number))!;
      const scope = scopeOf(BOB);
      const expected = touching(expectedTransfers(scenario.txs, true), BOB);
      expect(expected.length).toBeGreaterThan(0);
      expect(describeAll(await src.transfers(ref, scope))).toEqual(expected);
      // BOB's ETH from ALICE needs its receipt; BOB's NFT call is proved by its log.
      expect(proxy.count('eth_getTransactionReceipt')).toBe(1);
      expect(proxy.count('eth_getBlockReceipts')).toBe(0);
      expect(proxy.count('eth_getLogs')).toBe(1);
      expect(scope.asked).toHaveLength(1);
      expect(scope.asked[0]).toEqual(expect.arrayContaining([ALICE, BOB, CAROL, TOKEN]));

      const range = await src.transfersInRange(scenario.number - 1n, scenario.number, scope);
      expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expected);
      expect(describeAll(range.get(scenario.number - 1n)!.transfers)).toEqual([]);
      expect(proxy.count('eth_getLogs')).toBe(2); // one for the range
      expect(proxy.count('eth_getTransactionReceipt')).toBe(2);
      expect(proxy.count('eth_getBlockReceipts')).toBe(0);
      expect(scope.asked).toHaveLength(2); // one lookup for the chunk
    } finally {
      await proxy.close();
    }
  });

  it('a reverted transaction in scope yields nothing, read from its own receipt', async () => {
    const src = createEvmChainSource({ chain: 'anvil', chainId: 31337, endpoints: [{ url: node.url }], traces: true, log: quiet, perTxReceiptShare: 1 });
    sources.push(src);
    const ref = (await src.blockAt(scenario.number))!;
    // DAVE's two transactions both reverted.
    expect(await src.transfers(ref, scopeOf(DAVE))).toEqual([]);
  });

  it('when many of a block’s transactions are in scope, one eth_getBlockReceipts replaces their receipts', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    try {
      const src = source(proxy.url, true);
      const ref = (await src.blockAt(scenario.number))!;
      const all = [ALICE, BOB, CAROL, DAVE, ERIN];
      expect(describeAll(await src.transfers(ref, scopeOf(...all)))).toEqual(touching(expectedTransfers(scenario.txs, true), ...all));
      expect(proxy.count('eth_getBlockReceipts')).toBe(1);
      expect(proxy.count('eth_getTransactionReceipt')).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('a scoped read gives what an unscoped one gives, narrowed to the scope, with and without eth_getBlockReceipts', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    proxy.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'rpc-error', code: -32601, message: 'Method not found' } });
    try {
      const src = source(proxy.url, true);
      const head = await src.head();
      const from = scenario.number - 1n;
      for (const who of [[ALICE], [CAROL, ERIN], [FORWARDER_2]]) {
        const scoped = await src.transfersInRange(from, head.number, scopeOf(...who));
        const whole = await source(node.url, true).transfersInRange(from, head.number);
        for (const [n, { transfers }] of whole) {
          expect(describeAll(scoped.get(n)!.transfers)).toEqual(touching(describeAll(transfers), ...who));
        }
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('EVM chain source with the scope’s addresses in memory', () => {
  it('tests each party in place: the same transfers and receipts as with `among`, which is never asked', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    try {
      const src = createEvmChainSource({ chain: 'anvil', chainId: 31337, endpoints: [{ url: proxy.url }], traces: true, log: quiet, perTxReceiptShare: 1 });
      sources.push(src);
      const ref = (await src.blockAt(scenario.number))!;
      const scope = memoryScopeOf(BOB);
      const expected = touching(expectedTransfers(scenario.txs, true), BOB);
      expect(expected.length).toBeGreaterThan(0);
      expect(describeAll(await src.transfers(ref, scope))).toEqual(expected);
      expect(proxy.count('eth_getTransactionReceipt')).toBe(1);
      expect(proxy.count('eth_getBlockReceipts')).toBe(0);

      const range = await src.transfersInRange(scenario.number - 1n, scenario.number, scope);
      expect(describeAll(range.get(scenario.number)!.transfers)).toEqual(expected);
      expect(describeAll(range.get(scenario.number - 1n)!.transfers)).toEqual([]);
      expect(proxy.count('eth_getTransactionReceipt')).toBe(2);
      expect(scope.asked).toEqual([]);
      expect(scope.loads).toBe(2); // once per read: an address added meanwhile is in the next one
    } finally {
      await proxy.close();
    }
  });

  it('gives what an unscoped read gives, narrowed to the scope: native, ERC-20 (by topic) and internal parties alike', async () => {
    const src = source(node.url, true);
    const head = await src.head();
    const from = scenario.number - 1n;
    const whole = await src.transfersInRange(from, head.number);
    for (const who of [[ALICE], [CAROL, ERIN], [FORWARDER_2], [TOKEN], [DAVE]]) {
      const scope = memoryScopeOf(...who);
      const scoped = await src.transfersInRange(from, head.number, scope);
      for (const [n, { transfers }] of whole) {
        expect(describeAll(scoped.get(n)!.transfers)).toEqual(touching(describeAll(transfers), ...who));
        expect(describeAll(await src.transfers(scoped.get(n)!.block, scope))).toEqual(touching(describeAll(transfers), ...who));
      }
      expect(scope.asked).toEqual([]);
    }
  });
});

describe('EVM chain source across a reorg (anvil_reorg)', () => {
  it('the orphaned block is unavailable by hash, blockAt gives the new block, and its transfers are the new ones', async () => {
    const src = source(node.url, false);
    await send(node, { from: ALICE, to: CAROL, value: 111n });
    await node.rpc('evm_mine', []);
    const old = (await src.head())!;
    expect(describeAll(await src.transfers(old)).map((d) => d.split(' ').slice(2, 6).join(' '))).toEqual([`native ${ALICE} ${CAROL} 111`]);

    // Replace the last block by one with a different transfer.
    const replacement = { from: BOB, to: CAROL, value: '0xde' };
    await node.rpc('anvil_reorg', [1, [[replacement, 0]]]);

    expect(await src.blockByHash(old.hash)).toBeNull();
    const now = (await src.blockAt(old.number))!;
    expect(now.hash).not.toBe(old.hash);
    expect(now.parentHash).toBe(old.parentHash);
    await expect(src.transfers(old)).rejects.toBeInstanceOf(BlockUnavailable);
    const fresh = await src.transfers(now);
    expect(fresh.map((t) => [t.kind, t.from, t.to, t.amount, t.blockHash])).toEqual([['native', BOB, CAROL, 0xden, now.hash]]);
    expect(await src.blockByHash(blockHash(now.hash))).toEqual(now);
  });
});
