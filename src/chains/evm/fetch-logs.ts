/**
 * ERC-20 Transfer logs via eth_getLogs: for one block by hash, or for a block range, split in
 * halves whenever the node refuses a range as too large. The largest range an endpoint refused
 * is remembered, so later ranges start below it.
 */
import { RpcRangeTooLarge } from '../rpc/errors.js';
import type { RpcCall } from '../rpc/json-rpc.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { shaped } from './consistency.js';
import { TRANSFER_TOPIC } from './extract-transfers.js';
import { toQuantity } from './fetch-block.js';
import { bloomBits, bloomMayContain } from './logs-bloom.js';
import { parseLogs, type EvmBlock, type EvmLog } from './rpc-shapes.js';

export const GET_LOGS = 'eth_getLogs';

export function transferLogsByHashCall(blockHash: string): RpcCall {
  return { method: GET_LOGS, params: [{ blockHash, topics: [TRANSFER_TOPIC] }] };
}

export function transferLogsInRangeCall(from: bigint, to: bigint): RpcCall {
  return { method: GET_LOGS, params: [{ fromBlock: toQuantity(from), toBlock: toQuantity(to), topics: [TRANSFER_TOPIC] }] };
}

/** Where TRANSFER_TOPIC sets its bits in a block's logs bloom. */
const TRANSFER_BLOOM_BITS = bloomBits(TRANSFER_TOPIC);

/**
 * Blocks a range answer gave no Transfer log although their bloom says they may have one: a
 * backend clamping the range to its own head answers so. Their logs are asked for again by
 * block hash (which such a backend cannot answer for a block it does not have); a bloom false
 * positive just costs that call.
 */
export function transferLogsPossiblyMissed(blocks: readonly EvmBlock[], logsByBlock: ReadonlyMap<bigint, readonly EvmLog[]>): EvmBlock[] {
  return blocks.filter((b) => logsByBlock.get(b.number) === undefined && mayHaveTransferLogs(b));
}

/** Does the block's bloom say it may have a Transfer log? (False without a bloom: nothing to go by.) */
export function mayHaveTransferLogs(block: EvmBlock): boolean {
  return block.logsBloom !== null && bloomMayContain(block.logsBloom, TRANSFER_BLOOM_BITS);
}

export function readLogs(ep: Pick<Endpoint, 'label'>, raw: unknown): EvmLog[] {
  return shaped(ep, GET_LOGS, () => parseLogs(raw));
}

/** Per endpoint: the smallest range (in blocks) it has refused as too large. */
const refusedSpan = new WeakMap<Endpoint, bigint>();

/** False if this endpoint has refused a range as large as from..to before: fetch it with `fetchTransferLogsInRange`. */
export function rangeMayFit(ep: Endpoint, from: bigint, to: bigint): boolean {
  const refused = refusedSpan.get(ep);
  return refused === undefined || to - from + 1n < refused;
}

/** Remembers that this endpoint refused from..to as too large (asked in a batch of other calls). */
export function noteRangeRefused(ep: Endpoint, from: bigint, to: bigint): void {
  const span = to - from + 1n;
  const refused = refusedSpan.get(ep);
  if (refused === undefined || span < refused) refusedSpan.set(ep, span);
}

/**
 * Transfer logs of blocks from..to inclusive (unchecked: the caller checks them against the
 * blocks it holds). Throws RpcRangeTooLarge only if a single block is refused.
 */
export async function fetchTransferLogsInRange(ep: Endpoint, from: bigint, to: bigint): Promise<EvmLog[]> {
  const refused = refusedSpan.get(ep);
  const span = to - from + 1n;
  if (refused !== undefined && span >= refused && span > 1n) return splitAndFetch(ep, from, to);
  try {
    const [raw] = await ep.results([transferLogsInRangeCall(from, to)]);
    return readLogs(ep, raw);
  } catch (err) {
    if (!(err instanceof RpcRangeTooLarge) || span === 1n) throw err;
    if (refused === undefined || span < refused) refusedSpan.set(ep, span);
    return splitAndFetch(ep, from, to);
  }
}

async function splitAndFetch(ep: Endpoint, from: bigint, to: bigint): Promise<EvmLog[]> {
  const mid = from + (to - from) / 2n;
  const left = await fetchTransferLogsInRange(ep, from, mid);
  const right = await fetchTransferLogsInRange(ep, mid + 1n, to);
  return left.concat(right);
}
