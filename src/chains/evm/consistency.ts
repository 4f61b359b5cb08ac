/**
 * Checks that an answer belongs to the block it claims: every tx, receipt, log and trace names
 * that block's hash (where the shape carries one), counts agree, and transaction hashes line
 * up in order. A failed check throws RpcInconsistent, which the pool logs and retries; an
 * inconsistent answer is never used.
 */
import { RpcBadAnswer, RpcInconsistent } from '../rpc/errors.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { ShapeError, type EvmBlock, type EvmLog, type EvmReceipt, type EvmTx, type FlatTrace, type TxCallTrace } from './rpc-shapes.js';

/** Parses with `parse`, turning a ShapeError into RpcBadAnswer for this endpoint and method. */
export function shaped<T>(ep: Pick<Endpoint, 'label'>, method: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ShapeError) throw new RpcBadAnswer(ep.label, method, e.message);
    throw e;
  }
}

function inconsistent(ep: Pick<Endpoint, 'label'>, method: string, block: Pick<EvmBlock, 'hash' | 'number'>, reason: string): RpcInconsistent {
  return new RpcInconsistent(ep.label, method, block.hash, block.number, reason);
}

/** A block asked for by number or hash is that block, and its full txs (if any) say so. */
export function checkBlock(
  ep: Pick<Endpoint, 'label'>,
  method: string,
  block: EvmBlock,
  asked: { readonly number?: bigint; readonly hash?: string },
): void {
  if (asked.hash !== undefined && block.hash !== asked.hash) {
    throw new RpcInconsistent(ep.label, method, asked.hash, asked.number, `got block ${block.hash}`);
  }
  if (asked.number !== undefined && block.number !== asked.number) {
    throw inconsistent(ep, method, block, `asked for #${asked.number}, got #${block.number}`);
  }
  const txs = block.txs;
  if (txs === null) return;
  for (let i = 0; i < txs.length; i++) checkTxPlace(ep, method, block, txs[i] as EvmTx, i);
}

/** The block's parent is the one expected: the known parent of a block asked for by hash, the block before it in a chunk. */
export function checkParent(
  ep: Pick<Endpoint, 'label'>,
  method: string,
  block: Pick<EvmBlock, 'hash' | 'number' | 'parentHash'>,
  parent: { readonly hash: string; readonly number?: bigint },
): void {
  if (block.parentHash !== parent.hash) {
    throw inconsistent(ep, method, block, `parent ${block.parentHash} is not ${parent.number === undefined ? '' : `#${parent.number} `}${parent.hash}`);
  }
}

/** The transaction at position `i` of the block's answer names that block and that position. */
export function checkTxPlace(ep: Pick<Endpoint, 'label'>, method: string, block: Pick<EvmBlock, 'hash' | 'number'>, tx: EvmTx, i: number): void {
  if (tx.blockHash !== block.hash) throw inconsistent(ep, method, block, `tx ${tx.hash} names block ${tx.blockHash}`);
  if (tx.blockNumber !== block.number) throw inconsistent(ep, method, block, `tx ${tx.hash} names block #${tx.blockNumber}`);
  if (tx.index !== i) throw inconsistent(ep, method, block, `tx ${tx.hash} at position ${i} claims index ${tx.index}`);
}

function checkLogOf(ep: Pick<Endpoint, 'label'>, method: string, block: EvmBlock, log: EvmLog): void {
  if (log.blockHash !== block.hash) throw inconsistent(ep, method, block, `log ${log.logIndex} names block ${log.blockHash}`);
  if (log.blockNumber !== block.number) throw inconsistent(ep, method, block, `log ${log.logIndex} names block #${log.blockNumber}`);
  if (log.removed) throw inconsistent(ep, method, block, `log ${log.logIndex} is marked removed`);
  if (block.txHashes[log.txIndex] !== log.txHash) {
    throw inconsistent(ep, method, block, `log ${log.logIndex} names tx ${log.txHash} at index ${log.txIndex}, not in this block there`);
  }
}

/** eth_getBlockReceipts (or per-tx receipts, in block order) for exactly this block's transactions. */
export function checkReceipts(ep: Pick<Endpoint, 'label'>, method: string, block: EvmBlock, receipts: readonly EvmReceipt[]): void {
  if (receipts.length !== block.txHashes.length) {
    throw inconsistent(ep, method, block, `${receipts.length} receipts for ${block.txHashes.length} transactions`);
  }
  let lastLogIndex = -1;
  for (let i = 0; i < receipts.length; i++) {
    const r = receipts[i] as EvmReceipt;
    if (r.blockHash !== block.hash) throw inconsistent(ep, method, block, `receipt of ${r.txHash} names block ${r.blockHash}`);
    if (r.blockNumber !== block.number) throw inconsistent(ep, method, block, `receipt of ${r.txHash} names block #${r.blockNumber}`);
    if (r.txHash !== block.txHashes[i] || r.txIndex !== i) {
      throw inconsistent(ep, method, block, `receipt ${i} is for ${r.txHash} (index ${r.txIndex}), the block has ${block.txHashes[i]}`);
    }
    for (const log of r.logs) {
      checkLogOf(ep, method, block, log);
      if (log.txHash !== r.txHash) throw inconsistent(ep, method, block, `log ${log.logIndex} in the receipt of ${r.txHash} names ${log.txHash}`);
      if (log.logIndex <= lastLogIndex) throw inconsistent(ep, method, block, `log index ${log.logIndex} out of order`);
      lastLogIndex = log.logIndex;
    }
  }
}

/**
 * Logs of a range (or one block): each names a block we hold, by number and hash, and a
 * transaction of that block. `blocks` maps number → block.
 */
export function checkLogs(
  ep: Pick<Endpoint, 'label'>,
  method: string,
  blocks: ReadonlyMap<bigint, EvmBlock>,
  logs: readonly EvmLog[],
  range: { readonly from: bigint; readonly to: bigint },
): void {
  for (const log of logs) {
    const block = blocks.get(log.blockNumber);
    if (block === undefined || log.blockNumber < range.from || log.blockNumber > range.to) {
      throw new RpcInconsistent(ep.label, method, log.blockHash, log.blockNumber, `log outside the range #${range.from}-#${range.to}`);
    }
    checkLogOf(ep, method, block, log);
  }
}

/** debug_traceBlockBy*: one trace per transaction, in order, naming the same transactions. */
export function checkCallTraces(ep: Pick<Endpoint, 'label'>, method: string, block: EvmBlock, traces: readonly TxCallTrace[]): void {
  if (traces.length !== block.txHashes.length) {
    throw inconsistent(ep, method, block, `${traces.length} traces for ${block.txHashes.length} transactions`);
  }
  traces.forEach((t, i) => {
    if (t.txHash !== null && t.txHash !== block.txHashes[i]) {
      throw inconsistent(ep, method, block, `trace ${i} is for ${t.txHash}, the block has ${block.txHashes[i]}`);
    }
  });
}

/** trace_block: every trace names this block, its transaction sits at the stated position, and each transaction has its top frame. */
export function checkFlatTraces(ep: Pick<Endpoint, 'label'>, method: string, block: EvmBlock, traces: readonly FlatTrace[]): void {
  let tops = 0;
  for (const t of traces) {
    if (t.txHash !== null && t.traceAddress.length === 0) tops++;
    if (t.blockHash !== block.hash) throw inconsistent(ep, method, block, `trace names block ${t.blockHash}`);
    if (t.blockNumber !== block.number) throw inconsistent(ep, method, block, `trace names block #${t.blockNumber}`);
    if (t.txHash !== null && (t.txPosition === null || block.txHashes[t.txPosition] !== t.txHash)) {
      throw inconsistent(ep, method, block, `trace of ${t.txHash} at position ${String(t.txPosition)} is not in this block there`);
    }
  }
  if (tops !== block.txHashes.length) throw inconsistent(ep, method, block, `${tops} top-level traces for ${block.txHashes.length} transactions`);
}
