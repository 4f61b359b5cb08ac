/**
 * Receipts, for the status of each transaction (and, from eth_getBlockReceipts, the block's
 * logs in the same answer). One call per block where the node has eth_getBlockReceipts;
 * otherwise eth_getTransactionReceipt for just the transactions that need a status, in one
 * batch.
 */
import { RpcInconsistent, RpcUnsupported } from '../rpc/errors.js';
import type { RpcCall } from '../rpc/json-rpc.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { checkReceipts, shaped } from './consistency.js';
import { toQuantity } from './fetch-block.js';
import { parseReceipt, parseReceipts, type EvmBlock, type EvmLog, type EvmReceipt, type EvmTx } from './rpc-shapes.js';

export const BLOCK_RECEIPTS = 'eth_getBlockReceipts';
export const TX_RECEIPT = 'eth_getTransactionReceipt';

/** By hash (pins the block) or by number (checked against the block afterwards). */
export function blockReceiptsCall(block: bigint | string): RpcCall {
  return { method: BLOCK_RECEIPTS, params: [typeof block === 'bigint' ? toQuantity(block) : block] };
}

/** Parses and checks eth_getBlockReceipts against the block it must belong to. */
export function readBlockReceipts(ep: Pick<Endpoint, 'label'>, raw: unknown, block: EvmBlock): EvmReceipt[] {
  const receipts = shaped(ep, BLOCK_RECEIPTS, () => parseReceipts(raw));
  if (receipts === null) {
    throw new RpcInconsistent(ep.label, BLOCK_RECEIPTS, block.hash, block.number, 'no receipts for a block the node just served');
  }
  checkReceipts(ep, BLOCK_RECEIPTS, block, receipts);
  return receipts;
}

/** Does extraction need this transaction's status? (value, or a call with calldata; with traces, any call or creation). */
export function needsStatus(tx: EvmTx, traces: boolean): boolean {
  return tx.value > 0n || (tx.to !== null && tx.hasInput) || (traces && (tx.to === null || tx.hasInput));
}

/**
 * eth_getTransactionReceipt for `txs` (all of `block`'s), in one batch; each checked to be of
 * this block at the transaction's position.
 */
export async function fetchReceiptsPerTx(ep: Endpoint, block: EvmBlock, txs: readonly EvmTx[]): Promise<EvmReceipt[]> {
  const raws = await ep.results(txs.map((tx) => ({ method: TX_RECEIPT, params: [tx.hash] })));
  return raws.map((raw, i) => {
    const tx = txs[i] as EvmTx;
    if (raw === null) throw new RpcInconsistent(ep.label, TX_RECEIPT, block.hash, block.number, `no receipt for ${tx.hash}`);
    const r = shaped(ep, TX_RECEIPT, () => parseReceipt(raw, `receipt[${tx.hash}]`));
    if (r.txHash !== tx.hash || r.blockHash !== block.hash || r.blockNumber !== block.number || r.txIndex !== tx.index) {
      throw new RpcInconsistent(ep.label, TX_RECEIPT, block.hash, block.number, `receipt for ${tx.hash} names ${r.txHash} in block ${r.blockHash} at ${r.txIndex}`);
    }
    for (const log of r.logs) {
      if (log.blockHash !== block.hash || log.txHash !== tx.hash || log.removed) {
        throw new RpcInconsistent(ep.label, TX_RECEIPT, block.hash, block.number, `log ${log.logIndex} in the receipt of ${tx.hash} names another block or tx`);
      }
    }
    return r;
  });
}

export interface BlockStatus {
  /** Status by tx hash: every tx (block receipts) or those that needed one (fallback). */
  readonly status: Map<string, boolean | null>;
  /** All the block's logs when they came with block receipts; null from the per-tx fallback. */
  readonly logs: EvmLog[] | null;
}

export function statusFromReceipts(receipts: readonly EvmReceipt[], complete: boolean): BlockStatus {
  const status = new Map<string, boolean | null>();
  const logs: EvmLog[] = [];
  for (const r of receipts) {
    status.set(r.txHash, r.status);
    for (const l of r.logs) logs.push(l);
  }
  return { status, logs: complete ? logs : null };
}

/**
 * Status for one block (already fetched with full txs), pinned by its hash: eth_getBlockReceipts
 * unless this endpoint lacks it, then per-tx receipts for the txs that need a status.
 */
export async function fetchBlockStatus(ep: Endpoint, block: EvmBlock, traces: boolean): Promise<BlockStatus> {
  if (!ep.unsupported.has(BLOCK_RECEIPTS)) {
    try {
      const [raw] = await ep.results([blockReceiptsCall(block.hash)]);
      return statusFromReceipts(readBlockReceipts(ep, raw, block), true);
    } catch (err) {
      if (!(err instanceof RpcUnsupported)) throw err;
      ep.unsupported.add(BLOCK_RECEIPTS);
    }
  }
  const txs = (block.txs ?? []).filter((tx) => needsStatus(tx, traces));
  return statusFromReceipts(await fetchReceiptsPerTx(ep, block, txs), false);
}
