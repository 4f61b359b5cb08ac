/**
 * The contenders, each over blocks from..to of one endpoint, returning what it found so the
 * runs can be checked against each other.
 */
import { JsonRpcProvider, type TransactionReceipt } from 'ethers';
import { pino } from 'pino';

import type { TransferScope } from '../../src/chains/chain-source.js';
import { createEvmChainSource } from '../../src/chains/evm/evm-source.js';
import { TRANSFER_TOPIC } from '../../src/chains/evm/extract-transfers.js';
import { httpPostText } from '../../src/net/http-request.js';

export interface RunResult {
  readonly blocks: number;
  /** Transfers found (native + call + erc20; Cordon scoped: those touching the exchange), or txs seen for the floor. */
  readonly items: number;
  readonly ms: number;
  /** Cordon scoped: of `ms`, the time spent in the scope's calls (`among`, or handing over its addresses in memory). */
  readonly lookupMs?: number;
}

const silent = pino({ level: 'silent' });
const hex = (n: bigint): string => `0x${n.toString(16)}`;

async function rpcResult<T>(url: string, method: string): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }) });
  return ((await res.json()) as { result: T }).result;
}

export interface Tuning {
  readonly chunk: number;
  readonly concurrency: number;
}

/** How replay drives a source: jobs of `window` blocks, `jobs` of them at once, on one long-lived source. */
export interface Jobs {
  readonly window: number;
  readonly jobs: number;
}

/**
 * Cordon: createEvmChainSource(...).transfersInRange, scoped to the exchange's addresses as
 * the extract stage calls it, or unscoped (every transfer of every block). `as`: called the way
 * replay's extract jobs call it (default: the whole range in one call).
 */
export async function runCordon(url: string, from: bigint, to: bigint, t: Tuning, scope?: TransferScope, as?: Jobs): Promise<RunResult> {
  // The bench measures reads, not configuration: the source is configured with the served recording's own chain id.
  const chainId = Number(await rpcResult<string>(url, 'eth_chainId'));
  const src = createEvmChainSource({ chain: 'bench', chainId, endpoints: [{ url }], traces: false, log: silent, rangeChunkBlocks: t.chunk, rangeConcurrency: t.concurrency, requestTimeoutMs: 120_000 });
  let lookupMs = 0;
  const timed: TransferScope | undefined =
    scope === undefined
      ? undefined
      : {
          async among(addresses) {
            const s = performance.now();
            const found = await scope.among(addresses);
            lookupMs += performance.now() - s;
            return found;
          },
          ...(scope.evmAddresses === undefined
            ? {}
            : {
                evmAddresses: async () => {
                  const s = performance.now();
                  const set = await (scope.evmAddresses as NonNullable<TransferScope['evmAddresses']>)();
                  lookupMs += performance.now() - s;
                  return set;
                },
              }),
        };
  const step = BigInt(as?.window ?? Number(to - from + 1n));
  const windows: [bigint, bigint][] = [];
  for (let s = from; s <= to; s += step) windows.push([s, s + step - 1n < to ? s + step - 1n : to]);
  let blocks = 0;
  let items = 0;
  let next = 0;
  const start = performance.now();
  const job = async (): Promise<void> => {
    while (next < windows.length) {
      const [a, b] = windows[next++] as [bigint, bigint];
      const range = await src.transfersInRange(a, b, timed);
      blocks += range.size;
      for (const { transfers } of range.values()) items += transfers.length;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, as?.jobs ?? 1) }, job));
  const ms = performance.now() - start;
  await src.close();
  return { blocks, items, ms, ...(scope === undefined ? {} : { lookupMs }) };
}

/**
 * The naive ethers loop: getBlock(n, true), then getTransactionReceipt for each transaction,
 * one after another; transfers read off the ethers objects. `parallel`: the receipts of a
 * block requested at once (ethers batches them).
 */
export async function runNaive(url: string, from: bigint, to: bigint, parallel = false): Promise<RunResult> {
  const provider = new JsonRpcProvider(url);
  await provider.getNetwork();
  const start = performance.now();
  let items = 0;
  let blocks = 0;
  for (let n = from; n <= to; n++) {
    const block = await provider.getBlock(n, true);
    if (block === null) throw new Error(`naive: no block ${n}`);
    const txs = block.prefetchedTransactions;
    let receipts: (TransactionReceipt | null)[];
    if (parallel) receipts = await Promise.all(txs.map((tx) => provider.getTransactionReceipt(tx.hash)));
    else {
      receipts = [];
      for (const tx of txs) receipts.push(await provider.getTransactionReceipt(tx.hash));
    }
    txs.forEach((tx, i) => {
      const r = receipts[i];
      if (r === null || r === undefined || r.status !== 1) return;
      if (tx.value > 0n || (tx.to !== null && tx.data !== '0x')) items++;
      for (const log of r.logs) if (log.topics.length === 3 && log.topics[0] === TRANSFER_TOPIC) items++;
    });
    blocks++;
  }
  const ms = performance.now() - start;
  provider.destroy();
  return { blocks, items, ms };
}

/**
 * The floor: only the data needed, batched like Cordon (chunks of blocks per request, the
 * same requests in flight), over the same HTTP code and text decoding, parsed with
 * JSON.parse, nothing else. `receipts`: block receipts
 * instead of Transfer logs by range (what a correct extractor needs for statuses).
 */
export async function runFloor(url: string, from: bigint, to: bigint, t: Tuning, receipts = false): Promise<RunResult> {
  const start = performance.now();
  const chunks: [bigint, bigint][] = [];
  for (let s = from; s <= to; s += BigInt(t.chunk)) chunks.push([s, s + BigInt(t.chunk) - 1n < to ? s + BigInt(t.chunk) - 1n : to]);
  let next = 0;
  let items = 0;
  let blocks = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const [a, b] = chunks[next++] as [bigint, bigint];
      const calls: unknown[] = [];
      let id = 1;
      for (let n = a; n <= b; n++) {
        calls.push({ jsonrpc: '2.0', id: id++, method: 'eth_getBlockByNumber', params: [hex(n), true] });
        if (receipts) calls.push({ jsonrpc: '2.0', id: id++, method: 'eth_getBlockReceipts', params: [hex(n)] });
      }
      if (!receipts) calls.push({ jsonrpc: '2.0', id: id++, method: 'eth_getLogs', params: [{ fromBlock: hex(a), toBlock: hex(b), topics: [TRANSFER_TOPIC] }] });
      const answer = await httpPostText(url, JSON.stringify(calls), { timeoutMs: 120_000 });
      const parsed = JSON.parse(answer.text) as { result: { transactions?: unknown[] } }[];
      for (const p of parsed) {
        if (p.result?.transactions !== undefined) {
          items += p.result.transactions.length;
          blocks++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(t.concurrency, chunks.length) }, worker));
  return { blocks, items, ms: performance.now() - start };
}

/** Mean milliseconds of one call (sequential, each its own request) over `params`. */
export async function timeCall(url: string, method: string, params: readonly unknown[][]): Promise<{ ms: number; bytes: number }> {
  let bytes = 0;
  const start = performance.now();
  for (const p of params) {
    const answer = await httpPostText(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: p }), { timeoutMs: 120_000 });
    const parsed = JSON.parse(answer.text) as { error?: { message: string } };
    if (parsed.error !== undefined) throw new Error(`${method}: ${parsed.error.message}`);
    bytes += Buffer.byteLength(answer.text);
  }
  return { ms: (performance.now() - start) / params.length, bytes: bytes / params.length };
}
