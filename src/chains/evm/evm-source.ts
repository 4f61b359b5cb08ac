/**
 * An EVM chain as a ChainSource: head, blocks, and each block's transfers, over a pool of
 * JSON-RPC endpoints, plus `transfersInRange` for replay.
 *
 * Call sets (chosen from measurements, see bench/evm-replay.ts):
 * - one block by hash (the tip): ONE batched request of eth_getBlockByHash(full txs) +
 *   eth_getBlockReceipts(hash) [+ trace_block, or debug_traceBlockByHash on geth]. The
 *   receipts give every status and every log, so no eth_getLogs is needed.
 * - a range: per chunk of blocks, ONE batched request of eth_getBlockByNumber(full) +
 *   eth_getBlockReceipts(number) [+ trace_block / debug_traceBlockByNumber] per block, each checked against
 *   the block of its number (hashes, counts, parent links inside the chunk), several chunks in
 *   flight.
 * - nodes without eth_getBlockReceipts: Transfer logs by eth_getLogs (by hash, or by range
 *   with splitting) and eth_getTransactionReceipt, batched, only for the transactions whose
 *   status is needed and not implied by a log.
 * Every answer is checked against the block it claims; a wrong one is retried (on another
 * endpoint when there is one) and never used.
 */
import type { ChainSource } from '../chain-source.js';
import type { BlockHash, BlockRef } from '../../domain/block.js';
import type { Transfer } from '../../domain/transfer.js';
import type { Logger } from '../../log/logger.js';
import { createEndpointPool, endpointLabel, type Endpoint, type EndpointPool, type EndpointStats } from '../rpc/endpoint-pool.js';
import { RpcError, RpcInconsistent, RpcNodeError, RpcUnsupported } from '../rpc/errors.js';
import type { RpcCall, RpcOutcome } from '../rpc/json-rpc.js';
import { checkLogs } from './consistency.js';
import { BlockUnavailable, RangeNotLinked } from './errors.js';
import { extractTransfers, type BlockTraces } from './extract-transfers.js';
import { blockByHashCall, blockByNumberCall, fetchBlockByHash, fetchBlockByNumber, fetchHead, readBlock } from './fetch-block.js';
import { fetchTransferLogsInRange, readLogs, transferLogsByHashCall } from './fetch-logs.js';
import {
  BLOCK_RECEIPTS,
  blockReceiptsCall,
  fetchReceiptsPerTx,
  needsStatus,
  readBlockReceipts,
  statusFromReceipts,
  type BlockStatus,
} from './fetch-receipts.js';
import {
  callTracesByNumberCall,
  fetchBlockTraces,
  flatTracesCall,
  readCallTraces,
  readFlatTraces,
  TRACE_BLOCK,
  TRACE_BY_HASH,
  TRACE_BY_NUMBER,
} from './fetch-traces.js';
import { evmTransport } from './provider.js';
import type { EvmBlock, EvmLog, EvmTx } from './rpc-shapes.js';

export interface EvmEndpointConfig {
  readonly url: string;
  /** WebSocket URL for new heads; not used yet (the follower polls). */
  readonly ws?: string;
  readonly maxRps?: number;
}

export interface EvmChainSourceOptions {
  readonly chain: string;
  readonly endpoints: readonly EvmEndpointConfig[];
  /** Extract internal transfers from call traces (needs debug_* or trace_* on the node). */
  readonly traces: boolean;
  readonly log: Logger;
  /** Per HTTP request (default 15,000 ms). */
  readonly requestTimeoutMs?: number;
  /** Attempts per operation before RpcUnavailable (default max(5, 3 × endpoints)). */
  readonly maxAttempts?: number;
  /** First backoff after a failure, doubling (default 200 ms). */
  readonly backoffBaseMs?: number;
  /** Blocks per batched request in transfersInRange (default 10). */
  readonly rangeChunkBlocks?: number;
  /** Chunks in flight at once in transfersInRange (default 4). */
  readonly rangeConcurrency?: number;
}

export interface BlockTransfers {
  readonly block: BlockRef;
  readonly transfers: Transfer[];
}

export interface EvmChainSource extends ChainSource {
  readonly family: 'evm';
  /** Every block from..to inclusive with its transfers, keyed by number. Throws BlockUnavailable above the head. */
  transfersInRange(from: bigint, to: bigint): Promise<Map<bigint, BlockTransfers>>;
  /** Per-endpoint request and failure counters, for metrics. */
  endpointStats(): EndpointStats[];
}

const refOf = (b: EvmBlock): BlockRef => ({ number: b.number, hash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp });

export function createEvmChainSource(opts: EvmChainSourceOptions): EvmChainSource {
  const { chain, traces, log } = opts;
  const timeoutMs = opts.requestTimeoutMs ?? 15_000;
  const chunkBlocks = BigInt(Math.max(1, opts.rangeChunkBlocks ?? 10));
  const concurrency = Math.max(1, opts.rangeConcurrency ?? 4);
  const pool: EndpointPool = createEndpointPool({
    name: chain,
    log,
    timeoutMs,
    maxAttempts: opts.maxAttempts,
    backoffBaseMs: opts.backoffBaseMs,
    endpoints: opts.endpoints.map((e, i) => ({ url: e.url, maxRps: e.maxRps, transport: evmTransport(e.url, endpointLabel(e.url, i), timeoutMs) })),
  });

  /** A tracing failure that another endpoint of the pool might not have. */
  function tracesUnsupported(ep: Endpoint, err: RpcUnsupported): RpcError {
    const all = [TRACE_BY_HASH, TRACE_BY_NUMBER, TRACE_BLOCK];
    const elsewhere = pool.endpoints.some((other) => other !== ep && !all.every((m) => other.unsupported.has(m)));
    if (!elsewhere) return err;
    return new RpcNodeError(ep.label, err.method, err.code, `${err.rpcMessage} (traces are enabled; trying another endpoint)`, true);
  }

  async function tracesFor(ep: Endpoint, block: EvmBlock): Promise<BlockTraces> {
    try {
      return await fetchBlockTraces(ep, block);
    } catch (err) {
      throw err instanceof RpcUnsupported ? tracesUnsupported(ep, err) : err;
    }
  }

  /** Status and logs of one block, pinned to its hash, without eth_getBlockReceipts. */
  async function statusWithoutBlockReceipts(ep: Endpoint, block: EvmBlock, logs: EvmLog[]): Promise<BlockStatus> {
    const withLog = new Set(logs.map((l) => l.txHash));
    const txs = (block.txs ?? []).filter((tx) => needsStatus(tx, traces) && !withLog.has(tx.hash));
    const { status } = statusFromReceipts(await fetchReceiptsPerTx(ep, block, txs), false);
    return { status, logs };
  }

  async function transfersOfBlock(ep: Endpoint, ref: BlockRef): Promise<Transfer[] | null> {
    const withReceipts = !ep.unsupported.has(BLOCK_RECEIPTS);
    // The cheapest tracing call this endpoint has, in the same batch (see fetch-traces.ts).
    const traceMethod = !traces ? undefined : [TRACE_BLOCK, TRACE_BY_HASH].find((m) => !ep.unsupported.has(m));
    const calls: RpcCall[] = [blockByHashCall(ref.hash, true), withReceipts ? blockReceiptsCall(ref.hash) : transferLogsByHashCall(ref.hash)];
    if (traceMethod === TRACE_BLOCK) calls.push(flatTracesCall(ref.number));
    else if (traceMethod === TRACE_BY_HASH) calls.push({ method: TRACE_BY_HASH, params: [ref.hash, { tracer: 'callTracer' }] });
    const [blockOut, second, third] = (await ep.call(calls)) as [RpcOutcome, RpcOutcome, RpcOutcome | undefined];
    if (!blockOut.ok) throw blockOut.error;
    const block = readBlock(ep, calls[0] as RpcCall, blockOut.result, { hash: ref.hash, number: ref.number });
    if (block === null) return null;
    if (block.parentHash !== ref.parentHash) {
      throw new RpcInconsistent(ep.label, 'eth_getBlockByHash', ref.hash, ref.number, `parent ${block.parentHash}, expected ${ref.parentHash}`);
    }
    let status: BlockStatus;
    if (withReceipts && second.ok) {
      status = statusFromReceipts(readBlockReceipts(ep, second.result, block), true);
    } else if (withReceipts && !second.ok && second.error instanceof RpcUnsupported) {
      ep.unsupported.add(BLOCK_RECEIPTS);
      const [raw] = await ep.results([transferLogsByHashCall(block.hash)]);
      status = await statusWithoutBlockReceipts(ep, block, checkedLogs(ep, block, readLogs(ep, raw)));
    } else if (!second.ok) {
      throw second.error;
    } else {
      status = await statusWithoutBlockReceipts(ep, block, checkedLogs(ep, block, readLogs(ep, second.result)));
    }
    let blockTraces: BlockTraces | undefined;
    if (third?.ok === true) {
      blockTraces = traceMethod === TRACE_BLOCK ? readFlatTraces(ep, third.result, block) : readCallTraces(ep, TRACE_BY_HASH, third.result, block);
    } else if (traces) {
      if (third !== undefined && !third.ok) {
        if (!(third.error instanceof RpcUnsupported)) throw third.error;
        ep.unsupported.add(third.error.method);
      }
      blockTraces = await tracesFor(ep, block);
    }
    return extractTransfers({ chain, block, status: status.status, logs: status.logs ?? [], traces: blockTraces });
  }

  function checkedLogs(ep: Endpoint, block: EvmBlock, logs: EvmLog[]): EvmLog[] {
    checkLogs(ep, 'eth_getLogs', new Map([[block.number, block]]), logs, { from: block.number, to: block.number });
    return logs;
  }

  /**
   * One chunk of a range in one batched request. Null if the endpoint does not have every
   * block of it (above its head).
   */
  async function fetchChunk(ep: Endpoint, from: bigint, to: bigint): Promise<BlockTransfers[] | null> {
    const numbers: bigint[] = [];
    for (let n = from; n <= to; n++) numbers.push(n);
    const withReceipts = !ep.unsupported.has(BLOCK_RECEIPTS);
    const traceMethod = !traces ? undefined : [TRACE_BLOCK, TRACE_BY_NUMBER].find((m) => !ep.unsupported.has(m));
    const perBlock = 1 + (withReceipts ? 1 : 0) + (traceMethod === undefined ? 0 : 1);
    const calls: RpcCall[] = [];
    for (const n of numbers) {
      calls.push(blockByNumberCall(n, true));
      if (withReceipts) calls.push(blockReceiptsCall(n));
      if (traceMethod === TRACE_BY_NUMBER) calls.push(callTracesByNumberCall(n));
      else if (traceMethod === TRACE_BLOCK) calls.push(flatTracesCall(n));
    }
    const out = await ep.call(calls);

    const blocks: EvmBlock[] = [];
    for (let i = 0; i < numbers.length; i++) {
      const o = out[i * perBlock] as RpcOutcome;
      if (!o.ok) throw o.error;
      const block = readBlock(ep, calls[i * perBlock] as RpcCall, o.result, { number: numbers[i] as bigint });
      if (block === null) return null;
      const prev = blocks[i - 1];
      if (prev !== undefined && block.parentHash !== prev.hash) {
        throw new RpcInconsistent(ep.label, 'eth_getBlockByNumber', block.hash, block.number, `parent ${block.parentHash} is not #${prev.number} ${prev.hash}`);
      }
      blocks.push(block);
    }

    // Status (and logs): from block receipts, or the fallback for the whole chunk.
    const statuses: (BlockStatus | undefined)[] = new Array<BlockStatus | undefined>(blocks.length);
    let needFallback = !withReceipts;
    if (withReceipts) {
      blocks.forEach((block, i) => {
        const o = out[i * perBlock + 1] as RpcOutcome;
        if (o.ok) statuses[i] = statusFromReceipts(readBlockReceipts(ep, o.result, block), true);
        else if (o.error instanceof RpcUnsupported) {
          ep.unsupported.add(BLOCK_RECEIPTS);
          needFallback = true;
        } else throw o.error;
      });
    }
    if (needFallback) {
      const byNumber = new Map(blocks.map((b) => [b.number, b]));
      const logs = await fetchTransferLogsInRange(ep, from, to);
      checkLogs(ep, 'eth_getLogs', byNumber, logs, { from, to });
      const logsByBlock = new Map<bigint, EvmLog[]>();
      for (const l of logs) {
        let list = logsByBlock.get(l.blockNumber);
        if (list === undefined) logsByBlock.set(l.blockNumber, (list = []));
        list.push(l);
      }
      await Promise.all(
        blocks.map(async (block, i) => {
          statuses[i] = await statusWithoutBlockReceipts(ep, block, logsByBlock.get(block.number) ?? []);
        }),
      );
    }

    // Traces.
    const blockTraces: (BlockTraces | undefined)[] = new Array<BlockTraces | undefined>(blocks.length);
    if (traces) {
      await Promise.all(
        blocks.map(async (block, i) => {
          const o = traceMethod === undefined ? undefined : (out[i * perBlock + perBlock - 1] as RpcOutcome);
          if (o?.ok === true) {
            blockTraces[i] = traceMethod === TRACE_BLOCK ? readFlatTraces(ep, o.result, block) : readCallTraces(ep, TRACE_BY_NUMBER, o.result, block);
            return;
          }
          if (o !== undefined && !o.ok) {
            if (!(o.error instanceof RpcUnsupported)) throw o.error;
            ep.unsupported.add(o.error.method);
          }
          blockTraces[i] = await tracesFor(ep, block);
        }),
      );
    }

    return blocks.map((block, i) => {
      const s = statuses[i] as BlockStatus;
      return {
        block: refOf(block),
        transfers: extractTransfers({ chain, block, status: s.status, logs: s.logs ?? [], traces: blockTraces[i] }),
      };
    });
  }

  async function chunk(from: bigint, to: bigint): Promise<BlockTransfers[]> {
    const got = await pool.runUntilKnown(`transfersInRange #${from}-#${to}`, (ep) => fetchChunk(ep, from, to));
    if (got === null) throw new BlockUnavailable(chain, { number: to }, `range #${from}-#${to} goes above the head`);
    return got;
  }

  async function transfersInRange(from: bigint, to: bigint): Promise<Map<bigint, BlockTransfers>> {
    if (to < from) return new Map();
    const bounds: [bigint, bigint][] = [];
    for (let s = from; s <= to; s += chunkBlocks) bounds.push([s, s + chunkBlocks - 1n < to ? s + chunkBlocks - 1n : to]);
    const results: BlockTransfers[][] = new Array<BlockTransfers[]>(bounds.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < bounds.length) {
        const i = next++;
        const [a, b] = bounds[i] as [bigint, bigint];
        results[i] = await chunk(a, b);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, bounds.length) }, worker));

    // Chunks were fetched separately: check that they link, refetching a chunk that does not.
    for (let i = 1; i < bounds.length; i++) {
      for (let tries = 0; ; tries++) {
        const prev = (results[i - 1] as BlockTransfers[]).at(-1) as BlockTransfers;
        const first = (results[i] as BlockTransfers[])[0] as BlockTransfers;
        if (first.block.parentHash === prev.block.hash) break;
        if (tries === 2) throw new RangeNotLinked(chain, first.block.number, first.block.parentHash, prev.block.hash);
        log.warn({ chain, block: Number(first.block.number), parentHash: first.block.parentHash, previous: prev.block.hash }, 'range chunks do not link; refetching');
        const [pa, pb] = bounds[i - 1] as [bigint, bigint];
        const [a, b] = bounds[i] as [bigint, bigint];
        results[i - 1] = await chunk(pa, pb);
        results[i] = await chunk(a, b);
      }
    }
    const map = new Map<bigint, BlockTransfers>();
    for (const r of results) for (const bt of r) map.set(bt.block.number, bt);
    return map;
  }

  return {
    chain,
    family: 'evm',
    async head() {
      return refOf(await pool.run('head', (ep) => fetchHead(ep)));
    },
    async blockAt(number: bigint) {
      const b = await pool.runUntilKnown(`blockAt #${number}`, (ep) => fetchBlockByNumber(ep, number, false));
      return b === null ? null : refOf(b);
    },
    async blockByHash(hash: BlockHash) {
      const b = await pool.runUntilKnown(`blockByHash ${hash}`, (ep) => fetchBlockByHash(ep, hash, false));
      return b === null ? null : refOf(b);
    },
    async transfers(block: BlockRef) {
      const got = await pool.runUntilKnown(`transfers #${block.number} ${block.hash}`, (ep) => transfersOfBlock(ep, block));
      if (got === null) throw new BlockUnavailable(chain, block, 'no endpoint knows this hash; it was probably reorged away');
      return got;
    },
    transfersInRange,
    endpointStats: () => pool.stats(),
    close: () => pool.close(),
  };
}

export type { EvmTx };
