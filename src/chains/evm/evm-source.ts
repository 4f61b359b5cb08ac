/**
 * An EVM chain as a ChainSource: head, blocks, and each block's transfers, over a pool of
 * JSON-RPC endpoints, plus `transfersInRange` for replay.
 *
 * Call sets (chosen from measurements, see bench/evm-replay.ts):
 * - scoped to the exchange's addresses (what the extract stage asks for): per block or chunk
 *   of blocks, ONE batched request of eth_getBlockBy*(full txs) + the Transfer logs
 *   (eth_getLogs by hash, or by range for a chunk) [+ trace_block / debug_trace*]; then each
 *   party tested against the scope's addresses in memory (the pipeline's scope has them,
 *   accounts/watched-index.ts) as the answer is parsed, so that only what touches the scope is
 *   typed (narrow-raw.ts), or else one `among` lookup of them all; then, in one more
 *   batch and only if some transaction in scope has no log to prove it succeeded, its receipt
 *   (eth_getTransactionReceipt when few of the block's transactions need one,
 *   eth_getBlockReceipts when many).
 * - unscoped (every transfer): eth_getBlockBy*(full) + eth_getBlockReceipts per block, which
 *   give every status and every log; nodes without eth_getBlockReceipts get the scoped call
 *   set with every transaction in scope.
 * Every answer is checked against the block it claims (hashes, counts, parent links inside a
 * chunk); a wrong one is retried (on another endpoint when there is one) and never used.
 * Endpoints with a `ws` URL also push new heads (new-heads.ts), to wake the follower early.
 */
import type { ChainSource, TransferScope } from '../chain-source.js';
import type { NormalisedAddress } from '../../domain/address.js';
import type { BlockRef } from '../../domain/block.js';
import type { HexAddressLookup } from '../../domain/hex-address-set.js';
import type { Transfer } from '../../domain/transfer.js';
import type { Logger } from '../../log/logger.js';
import { fetchTokenUnits } from './token-units.js';
import { createEndpointPool, endpointLabel, type Endpoint, type EndpointPool, type EndpointStats } from '../rpc/endpoint-pool.js';
import { RpcError, RpcNodeError, RpcRangeTooLarge, RpcUnsupported } from '../rpc/errors.js';
import type { RpcCall, RpcOutcome } from '../rpc/json-rpc.js';
import { createSlots } from '../rpc/slots.js';
import { evmChainProbe } from './check-chain-id.js';
import { checkLogs, checkParent } from './consistency.js';
import { BlockUnavailable, RangeNotLinked } from './errors.js';
import { extractTransfers, narrowToScope, partiesOf, txsNeedingStatus, type BlockTraces, type NarrowedBlock, type ScopeAddresses } from './extract-transfers.js';
import { jsonRpcBlockReads } from './block-reads.js';
import { blockByHashCall, blockByNumberCall, readBlock } from './fetch-block.js';
import {
  fetchTransferLogsInRange,
  GET_LOGS,
  mayHaveTransferLogs,
  noteRangeRefused,
  rangeMayFit,
  readLogs,
  transferLogsByHashCall,
  transferLogsInRangeCall,
  transferLogsPossiblyMissed,
} from './fetch-logs.js';
import { BLOCK_RECEIPTS, blockReceiptsCall, DEFAULT_PER_TX_RECEIPT_SHARE, fetchStatuses, readBlockReceipts, statusAndLogs } from './fetch-receipts.js';
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
import { logsOfBlock, narrowScanned, scanBlock, scanLogs, wholeBlock, type ScannedBlock } from './narrow-raw.js';
import { subscribeNewHeads } from './new-heads.js';
import { evmTransport } from './provider.js';
import type { EvmBlock, EvmLog, EvmTx } from './rpc-shapes.js';

export interface EvmEndpointConfig {
  readonly url: string;
  /** WebSocket URL: new heads are subscribed there, to wake the follower early (it polls too). */
  readonly ws?: string;
  readonly maxRps?: number;
}

export interface EvmChainSourceOptions {
  readonly chain: string;
  /**
   * The configured EVM chain id (`network`): every endpoint's eth_chainId must match it before
   * the endpoint is used (check-chain-id.ts).
   */
  readonly chainId: number;
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
  /** How long an endpoint on the wrong chain is refused before it is asked again (default 30,000 ms). */
  readonly recheckRefusedMs?: number;
  /** How often an endpoint that keeps answering is asked its chain id again (default 5 min). */
  readonly reidentifyMs?: number;
  /** Blocks per batched request in transfersInRange (default 10). */
  readonly rangeChunkBlocks?: number;
  /** Chunks in flight at once for the whole source, over all transfersInRange calls (default 4). */
  readonly rangeConcurrency?: number;
  /**
   * Scoped reads ask for per-transaction receipts while a block needs at most 1 in this many of
   * its transactions, else for the block's receipts (default 10; 1: always per transaction,
   * for providers that bill eth_getBlockReceipts heavily).
   */
  readonly perTxReceiptShare?: number;
}

export interface BlockTransfers {
  readonly block: BlockRef;
  readonly transfers: Transfer[];
}

export interface EvmChainSource extends ChainSource {
  readonly family: 'evm';
  /** Every block from..to inclusive with its transfers, keyed by number. Throws BlockUnavailable above the head. */
  transfersInRange(from: bigint, to: bigint, scope?: TransferScope): Promise<Map<bigint, BlockTransfers>>;
  /** Per-endpoint request and failure counters, for metrics. */
  identifyEndpoints(): Promise<void>;
  endpointStats(): EndpointStats[];
}

/** One block as read (or narrowed to a scope), before the statuses a scope still needs. */
interface BlockRead {
  readonly block: EvmBlock;
  /** After narrowing: the transactions that can touch the scope (`block` then has no full transactions). */
  readonly txs?: readonly EvmTx[];
  /** Every transaction's status, when block receipts came with the read. */
  readonly status?: Map<string, boolean | null>;
  /** Transfer logs (all the block's logs when they came with block receipts). */
  readonly logs: EvmLog[];
  readonly traces?: BlockTraces;
}

/** What one chunk's batched request brought (evm-source's readChunk). */
interface ChunkAnswer {
  readonly blocks: EvmBlock[];
  /** Every block's statuses and logs, when block receipts came for all of them. */
  readonly receipts: { status: Map<string, boolean | null>; logs: EvmLog[] }[] | undefined;
  /** The range's Transfer logs when they came in the batch; null: fetch them on their own. */
  readonly rangeLogs: EvmLog[] | null;
  /** Per block; `missing`: fetch on their own. */
  readonly traces: (BlockTraces | 'missing' | undefined)[];
  /**
   * Per block, when the read was narrowed to the scope's addresses in memory as it was parsed
   * (narrow-raw.ts): the narrowed block; undefined for the blocks read whole (their `blocks`
   * entry has every transaction, their logs are in `rangeLogs`).
   */
  readonly narrowed?: readonly (NarrowedBlock | undefined)[];
}

const refOf = (b: EvmBlock): BlockRef => ({ number: b.number, hash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp });

export function createEvmChainSource(opts: EvmChainSourceOptions): EvmChainSource {
  const { chain, traces, log } = opts;
  const timeoutMs = opts.requestTimeoutMs ?? 15_000;
  const chunkBlocks = BigInt(Math.max(1, opts.rangeChunkBlocks ?? 10));
  // Shared by every transfersInRange call of this source (replay runs several extract jobs at
  // once): the node sees at most this many chunk requests, and no call waits for another's tail.
  const chunkSlots = createSlots(opts.rangeConcurrency ?? 4);
  const pool: EndpointPool = createEndpointPool({
    name: chain,
    log,
    timeoutMs,
    maxAttempts: opts.maxAttempts,
    backoffBaseMs: opts.backoffBaseMs,
    endpoints: opts.endpoints.map((e, i) => ({ url: e.url, maxRps: e.maxRps, transport: evmTransport(e.url, endpointLabel(e.url, i), timeoutMs) })),
    identify: evmChainProbe(chain, opts.chainId),
    recheckRefusedMs: opts.recheckRefusedMs,
    reidentifyMs: opts.reidentifyMs,
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

  /**
   * The traces of a block from its outcome in a batch; `missing` when they must be fetched on
   * their own (the batched method failed as unsupported, or none was batched).
   */
  function tracesIn(ep: Endpoint, method: string | undefined, o: RpcOutcome | undefined, block: EvmBlock): BlockTraces | 'missing' | undefined {
    if (!traces) return undefined;
    if (method !== undefined && o?.ok === true) {
      return method === TRACE_BLOCK ? readFlatTraces(ep, o.result, block) : readCallTraces(ep, method, o.result, block);
    }
    if (o !== undefined && !o.ok) {
      if (!(o.error instanceof RpcUnsupported)) throw o.error;
      ep.unsupported.add(o.error.method);
    }
    return 'missing';
  }

  async function tracesFrom(ep: Endpoint, method: string | undefined, o: RpcOutcome | undefined, block: EvmBlock): Promise<BlockTraces | undefined> {
    const t = tracesIn(ep, method, o, block);
    return t === 'missing' ? tracesFor(ep, block) : t;
  }

  /**
   * Blocks read, to transfers: with a scope, each block narrowed to what touches it (the rest is
   * let go before the next await), testing each party against the scope's addresses in memory
   * when it has them (`addresses`, asked for alongside the read), else after one `among` lookup
   * of every party; then, in one batch, the statuses still needed (none when block receipts came
   * with the read); then extraction.
   */
  async function finish(ep: Endpoint, reads: readonly BlockRead[], scope: TransferScope | undefined, addresses: HexAddressLookup | undefined): Promise<Transfer[][]> {
    if (scope === undefined) return settle(ep, reads, undefined);
    // With the addresses in memory nothing is awaited before narrowing.
    const watched: ScopeAddresses = addresses ?? (await scope.among(partiesOfAll(reads)));
    return settle(
      ep,
      reads.map((r) => (r.txs !== undefined ? r : { ...narrowToScope(r.block, r.logs, r.traces, watched), status: r.status, traces: r.traces })),
      watched,
    );
  }

  /**
   * Every party of the reads, for `among`. Senders and contracts repeat all over a chunk; the
   * scope deduplicates where it pays (the store's query does; measured: deduplicating here cost
   * more than the repeats cost a scope answered from memory).
   */
  function partiesOfAll(reads: readonly BlockRead[]): NormalisedAddress[] {
    const parties: NormalisedAddress[] = [];
    for (const r of reads) if (r.txs === undefined) partiesOf(r.block, r.logs, r.traces, parties);
    return parties;
  }

  /** Statuses for the transactions that need one, in one batch, then extraction. */
  async function settle(ep: Endpoint, reads: readonly BlockRead[], watched: ScopeAddresses | undefined): Promise<Transfer[][]> {
    const fetched = await fetchStatuses(
      ep,
      reads.map((r) => ({ block: r.block, txs: r.status !== undefined ? [] : txsNeedingStatus(r.block, r.logs, watched, r.txs) })),
      Math.max(1, opts.perTxReceiptShare ?? DEFAULT_PER_TX_RECEIPT_SHARE),
    );
    return reads.map((r, i) =>
      extractTransfers({
        chain,
        block: r.block,
        status: r.status ?? (fetched[i] as Map<string, boolean | null>),
        logs: r.logs,
        traces: r.traces,
        scope: watched,
        txs: r.txs,
      }),
    );
  }

  /**
   * One block by hash: ONE batched request of the full block with its receipts (unscoped) or
   * its Transfer logs (scoped, or no eth_getBlockReceipts), and its traces when enabled; then
   * the few receipts a scope still needs.
   */
  async function transfersOfBlock(ep: Endpoint, ref: BlockRef, scope: TransferScope | undefined): Promise<Transfer[] | null> {
    const withReceipts = scope === undefined && !ep.unsupported.has(BLOCK_RECEIPTS);
    // The cheapest tracing call this endpoint has, in the same batch (see fetch-traces.ts).
    const traceMethod = !traces ? undefined : [TRACE_BLOCK, TRACE_BY_HASH].find((m) => !ep.unsupported.has(m));
    const calls: RpcCall[] = [blockByHashCall(ref.hash, true), withReceipts ? blockReceiptsCall(ref.hash) : transferLogsByHashCall(ref.hash)];
    if (traceMethod === TRACE_BLOCK) calls.push(flatTracesCall(ref.number));
    else if (traceMethod === TRACE_BY_HASH) calls.push({ method: TRACE_BY_HASH, params: [ref.hash, { tracer: 'callTracer' }] });
    const [out, addresses] = await Promise.all([ep.call(calls), scope?.evmAddresses?.()]);
    const [blockOut, second, third] = out as [RpcOutcome, RpcOutcome, RpcOutcome | undefined];
    if (!blockOut.ok) throw blockOut.error;
    if (addresses !== undefined && !withReceipts && second.ok) {
      return inScopeOfBlock(ep, ref, { block: blockOut.result, logs: second.result }, { traceMethod, traces: third }, scope as TransferScope, addresses);
    }
    const block = readBlock(ep, calls[0] as RpcCall, blockOut.result, { hash: ref.hash, number: ref.number });
    if (block === null) return null;
    checkParent(ep, 'eth_getBlockByHash', block, { hash: ref.parentHash });
    let read: { status?: Map<string, boolean | null>; logs: EvmLog[] };
    if (second.ok) {
      read = withReceipts ? statusAndLogs(readBlockReceipts(ep, second.result, block)) : { logs: checkedLogs(ep, block, readLogs(ep, second.result)) };
    } else if (withReceipts && second.error instanceof RpcUnsupported) {
      ep.unsupported.add(BLOCK_RECEIPTS);
      const [raw] = await ep.results([transferLogsByHashCall(block.hash)]);
      read = { logs: checkedLogs(ep, block, readLogs(ep, raw)) };
    } else {
      throw second.error;
    }
    const blockTraces = await tracesFrom(ep, traceMethod, third, block);
    const [transfers] = await finish(ep, [{ block, ...read, traces: blockTraces }], scope, addresses);
    return transfers as Transfer[];
  }

  /**
   * transfersOfBlock's answer narrowed to the scope's addresses as it is parsed (narrow-raw.ts):
   * only what touches the scope is typed.
   */
  async function inScopeOfBlock(
    ep: Endpoint,
    ref: BlockRef,
    raw: { block: unknown; logs: unknown },
    asked: { traceMethod: string | undefined; traces: RpcOutcome | undefined },
    scope: TransferScope,
    addresses: HexAddressLookup,
  ): Promise<Transfer[] | null> {
    const scanned = scanBlock(ep, 'eth_getBlockByHash', raw.block, { hash: ref.hash, number: ref.number }, addresses);
    if (scanned === null) return null;
    const { block } = scanned;
    checkParent(ep, 'eth_getBlockByHash', block, { hash: ref.parentHash });
    const logs = scanLogs(ep, GET_LOGS, raw.logs, [scanned], { from: block.number, to: block.number }, addresses);
    const blockTraces = await tracesFrom(ep, asked.traceMethod, asked.traces, block);
    const [narrowed] = narrowScanned(ep, { block: 'eth_getBlockByHash', logs: GET_LOGS }, [scanned], logs, [blockTraces], addresses);
    const [transfers] = await finish(ep, [{ ...(narrowed as NarrowedBlock), traces: blockTraces }], scope, addresses);
    return transfers as Transfer[];
  }

  function checkedLogs(ep: Endpoint, block: EvmBlock, logs: EvmLog[]): EvmLog[] {
    checkLogs(ep, 'eth_getLogs', new Map([[block.number, block]]), logs, { from: block.number, to: block.number });
    return logs;
  }

  /**
   * One chunk of a range in one batched request: each block with full txs, and either its
   * receipts (unscoped) or the chunk's Transfer logs by range; traces when enabled. Then the
   * few receipts a scope still needs. Null if the endpoint does not have every block of it
   * (above its head).
   */
  async function fetchChunk(ep: Endpoint, from: bigint, to: bigint, scope: TransferScope | undefined): Promise<BlockTransfers[] | null> {
    const numbers: bigint[] = [];
    for (let n = from; n <= to; n++) numbers.push(n);
    const withReceipts = scope === undefined && !ep.unsupported.has(BLOCK_RECEIPTS);
    const logsInBatch = !withReceipts && rangeMayFit(ep, from, to);
    const traceMethod = !traces ? undefined : [TRACE_BLOCK, TRACE_BY_NUMBER].find((m) => !ep.unsupported.has(m));
    const calls: RpcCall[] = [];
    for (const n of numbers) {
      calls.push(blockByNumberCall(n, true));
      if (withReceipts) calls.push(blockReceiptsCall(n));
      if (traceMethod === TRACE_BY_NUMBER) calls.push(callTracesByNumberCall(n));
      else if (traceMethod === TRACE_BLOCK) calls.push(flatTracesCall(n));
    }
    if (logsInBatch) calls.push(transferLogsInRangeCall(from, to));
    // Read the answer at once, in a plain function: the raw JSON (megabytes a chunk) is then
    // garbage before the awaits below, instead of surviving them (measured: GC time). The
    // scope's addresses in memory, when it keeps them, are asked for alongside the read, and the
    // answer is narrowed to them as it is read.
    const [answer, addresses] = await Promise.all([ep.call(calls), scope?.evmAddresses?.()]).then(
      ([out, lookup]) => [readChunk(ep, numbers, calls, out, { withReceipts, logsInBatch, traceMethod }, lookup), lookup] as const,
    );
    if (answer === null) return null;
    const { blocks, narrowed } = answer;

    let reads: { status?: Map<string, boolean | null>; logs: EvmLog[] }[];
    if (answer.receipts !== undefined) reads = answer.receipts;
    else {
      const logs = answer.rangeLogs ?? (await fetchTransferLogsInRange(ep, from, to));
      checkLogs(ep, 'eth_getLogs', new Map(blocks.map((b) => [b.number, b])), logs, { from, to });
      const byBlock = new Map<bigint, EvmLog[]>();
      for (const l of logs) {
        let list = byBlock.get(l.blockNumber);
        if (list === undefined) byBlock.set(l.blockNumber, (list = []));
        list.push(l);
      }
      const missed = transferLogsPossiblyMissed(
        blocks.filter((_, i) => narrowed?.[i] === undefined),
        byBlock,
      );
      if (missed.length > 0) {
        const raws = await ep.results(missed.map((b) => transferLogsByHashCall(b.hash)));
        missed.forEach((b, i) => {
          const again = checkedLogs(ep, b, readLogs(ep, raws[i]));
          if (again.length > 0) byBlock.set(b.number, again);
        });
      }
      reads = blocks.map((b, i) => narrowed?.[i] ?? { logs: byBlock.get(b.number) ?? [] });
    }
    const blockTraces = await Promise.all(answer.traces.map((t, i) => (t === 'missing' ? tracesFor(ep, blocks[i] as EvmBlock) : t)));
    return finishChunk(
      ep,
      blocks.map((block, i) => ({ block, ...(reads[i] as { logs: EvmLog[] }), traces: blockTraces[i] })),
      scope,
      addresses,
    );
  }

  /**
   * A chunk's reads, to its blocks' transfers. Its own function, not the tail of fetchChunk: a
   * callback there would share fetchChunk's closure context and so keep every whole block alive
   * while the receipts are fetched (finish lets go of what does not touch the scope; measured:
   * scavenges cost twice as much when the whole blocks survive them).
   */
  function finishChunk(ep: Endpoint, reads: readonly BlockRead[], scope: TransferScope | undefined, addresses: HexAddressLookup | undefined): Promise<BlockTransfers[]> {
    const refs = reads.map((r) => refOf(r.block));
    return finish(ep, reads, scope, addresses).then((transfers) => refs.map((block, i) => ({ block, transfers: transfers[i] as Transfer[] })));
  }

  /**
   * A chunk's batched answer, parsed and checked: the blocks (linked by parent hash), their
   * statuses and logs from block receipts (or the range's Transfer logs, or null when they must
   * be fetched on their own), and their traces. Null if a block is above the endpoint's head.
   * With the scope's addresses in memory and the Transfer logs in the answer, the blocks are
   * narrowed to the scope as they are parsed (`readChunkInScope`).
   */
  function readChunk(
    ep: Endpoint,
    numbers: readonly bigint[],
    calls: readonly RpcCall[],
    out: readonly RpcOutcome[],
    asked: { withReceipts: boolean; logsInBatch: boolean; traceMethod: string | undefined },
    addresses: HexAddressLookup | undefined,
  ): ChunkAnswer | null {
    const perBlock = 1 + (asked.withReceipts ? 1 : 0) + (asked.traceMethod === undefined ? 0 : 1);
    const logsOut = asked.logsInBatch ? (out[out.length - 1] as RpcOutcome) : undefined;
    if (addresses !== undefined && !asked.withReceipts && logsOut?.ok === true) {
      return readChunkInScope(ep, numbers, calls, out, perBlock, logsOut.result, asked.traceMethod, addresses);
    }
    const blocks: EvmBlock[] = [];
    for (let i = 0; i < numbers.length; i++) {
      const o = out[i * perBlock] as RpcOutcome;
      if (!o.ok) throw o.error;
      const block = readBlock(ep, calls[i * perBlock] as RpcCall, o.result, { number: numbers[i] as bigint });
      if (block === null) return null;
      const prev = blocks[i - 1];
      if (prev !== undefined) checkParent(ep, 'eth_getBlockByNumber', block, prev);
      blocks.push(block);
    }

    let receipts: { status: Map<string, boolean | null>; logs: EvmLog[] }[] | undefined;
    if (asked.withReceipts) {
      receipts = [];
      for (let i = 0; i < blocks.length; i++) {
        const o = out[i * perBlock + 1] as RpcOutcome;
        if (o.ok) receipts.push(statusAndLogs(readBlockReceipts(ep, o.result, blocks[i] as EvmBlock)));
        else if (o.error instanceof RpcUnsupported) {
          ep.unsupported.add(BLOCK_RECEIPTS);
          receipts = undefined;
          break;
        } else throw o.error;
      }
    }
    let rangeLogs: EvmLog[] | null = null;
    if (asked.logsInBatch) {
      const o = out[out.length - 1] as RpcOutcome;
      if (o.ok) rangeLogs = readLogs(ep, o.result);
      else if (o.error instanceof RpcRangeTooLarge) noteRangeRefused(ep, numbers[0] as bigint, numbers[numbers.length - 1] as bigint);
      else throw o.error;
    }
    const blockTraces = blocks.map((block, i) =>
      tracesIn(ep, asked.traceMethod, asked.traceMethod === undefined ? undefined : (out[i * perBlock + perBlock - 1] as RpcOutcome), block),
    );
    return { blocks, receipts, rangeLogs, traces: blockTraces };
  }

  /**
   * readChunk for a scope whose addresses are in memory, with the range's Transfer logs in the
   * answer: each block narrowed to the scope as it is parsed (narrow-raw.ts), except those that
   * need more first (traces to fetch on their own; no Transfer log in the answer although the
   * bloom says there may be one), which are read whole.
   */
  function readChunkInScope(
    ep: Endpoint,
    numbers: readonly bigint[],
    calls: readonly RpcCall[],
    out: readonly RpcOutcome[],
    perBlock: number,
    rawLogs: unknown,
    traceMethod: string | undefined,
    addresses: HexAddressLookup,
  ): ChunkAnswer | null {
    const scanned: ScannedBlock[] = [];
    for (let i = 0; i < numbers.length; i++) {
      const o = out[i * perBlock] as RpcOutcome;
      if (!o.ok) throw o.error;
      const method = (calls[i * perBlock] as RpcCall).method;
      const s = scanBlock(ep, method, o.result, { number: numbers[i] as bigint }, addresses);
      if (s === null) return null;
      const prev = scanned[i - 1]?.block;
      if (prev !== undefined) checkParent(ep, method, s.block, prev);
      scanned.push(s);
    }
    const range = { from: numbers[0] as bigint, to: numbers[numbers.length - 1] as bigint };
    const logs = scanLogs(ep, GET_LOGS, rawLogs, scanned, range, addresses);
    const blockTraces = scanned.map((s, i) =>
      tracesIn(ep, traceMethod, traceMethod === undefined ? undefined : (out[i * perBlock + perBlock - 1] as RpcOutcome), s.block),
    );
    const whole = (i: number): boolean => blockTraces[i] === 'missing' || (logs.perBlock[i] === 0 && mayHaveTransferLogs((scanned[i] as ScannedBlock).block));
    const method = (calls[0] as RpcCall).method;
    const narrowed = narrowScanned(
      ep,
      { block: method, logs: GET_LOGS },
      scanned,
      logs,
      blockTraces.map((t) => (t === 'missing' ? undefined : t)),
      addresses,
      (i) => !whole(i),
    );
    const rangeLogs: EvmLog[] = [];
    const blocks = scanned.map((s, i) => {
      if (!whole(i)) return s.block;
      rangeLogs.push(...logsOfBlock(ep, GET_LOGS, logs, i));
      return wholeBlock(ep, method, s);
    });
    return { blocks, receipts: undefined, rangeLogs, traces: blockTraces, narrowed };
  }

  async function chunk(from: bigint, to: bigint, scope: TransferScope | undefined): Promise<BlockTransfers[]> {
    const got = await pool.runUntilKnown(`transfersInRange #${from}-#${to}`, (ep) => fetchChunk(ep, from, to, scope));
    if (got === null) throw new BlockUnavailable(chain, { number: to }, `range #${from}-#${to} goes above the head`);
    return got;
  }

  async function transfersInRange(from: bigint, to: bigint, scope?: TransferScope): Promise<Map<bigint, BlockTransfers>> {
    if (to < from) return new Map();
    const bounds: [bigint, bigint][] = [];
    for (let s = from; s <= to; s += chunkBlocks) bounds.push([s, s + chunkBlocks - 1n < to ? s + chunkBlocks - 1n : to]);
    const results = await Promise.all(bounds.map(([a, b]) => chunkSlots.run(() => chunk(a, b, scope))));

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
        results[i - 1] = await chunk(pa, pb, scope);
        results[i] = await chunk(a, b, scope);
      }
    }
    const map = new Map<bigint, BlockTransfers>();
    for (const r of results) for (const bt of r) map.set(bt.block.number, bt);
    return map;
  }

  const wsEndpoints = opts.endpoints.flatMap((e, i) => (e.ws === undefined ? [] : [{ url: e.ws, label: endpointLabel(e.ws, i) }]));
  /** Every endpoint with a WebSocket URL pushes its heads (duplicates are harmless to the follower). */
  const subscribeHeads = (onHead: (head: BlockRef) => void): (() => void) => {
    const unsubscribes = wsEndpoints.map((e) => subscribeNewHeads({ chain, url: e.url, label: e.label, log }, onHead));
    return () => unsubscribes.forEach((u) => u());
  };

  return {
    chain,
    family: 'evm',
    ...(wsEndpoints.length > 0 ? { subscribeHeads } : {}),
    ...jsonRpcBlockReads(chain, pool, refOf, transfersOfBlock),
    transfersInRange,
    identifyEndpoints: () => pool.identifyAll(),
    tokenUnits: (contract) => pool.run(`token units ${contract}`, (ep) => fetchTokenUnits(ep, contract)),
    endpointStats: () => pool.stats(),
    close: () => pool.close(),
  };
}

export type { EvmTx };
