/**
 * Receipts, for the status of transactions (and, from eth_getBlockReceipts, the block's logs
 * in the same answer): the whole block's in one call, or eth_getTransactionReceipt for just
 * the few transactions that need a status, batched (`fetchStatuses`).
 */
import { RpcError, RpcInconsistent, RpcRateLimited, RpcUnsupported } from '../rpc/errors.js';
import type { RpcCall, RpcOutcome } from '../rpc/json-rpc.js';
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

/** Parses and checks one eth_getTransactionReceipt answer: of this block, at the transaction's position. */
export function readTxReceipt(ep: Pick<Endpoint, 'label'>, raw: unknown, block: EvmBlock, tx: EvmTx): EvmReceipt {
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
}

/**
 * Per-transaction receipts cost more on the node than their share of eth_getBlockReceipts
 * (anvil: 0.78 ms each against 10.5 ms for a 150-tx block, bench/evm-replay.ts), but are
 * ~1 KiB against ~200 KiB. By default they are asked for while a block needs at most one in
 * this many of its transactions; above that, the block's receipts in one call.
 */
export const DEFAULT_PER_TX_RECEIPT_SHARE = 10;

/**
 * The status of `txs` of each block (already fetched with full txs), in one batched request:
 * eth_getBlockReceipts (pinned by hash) for a block where more than 1 in `perTxShare` of its
 * transactions need a status, eth_getTransactionReceipt for each where fewer do or where the
 * endpoint lacks block receipts (and the block's receipts after all where a per-transaction
 * answer is missing or names another block). Every receipt is checked against its block.
 */
export async function fetchStatuses(
  ep: Endpoint,
  wants: readonly { readonly block: EvmBlock; readonly txs: readonly EvmTx[] }[],
  perTxShare = DEFAULT_PER_TX_RECEIPT_SHARE,
): Promise<Map<string, boolean | null>[]> {
  const whole = (w: { block: EvmBlock; txs: readonly EvmTx[] }): boolean =>
    !ep.unsupported.has(BLOCK_RECEIPTS) && w.txs.length * perTxShare > w.block.txHashes.length;
  const calls: RpcCall[] = [];
  const plan = wants.map((w) => {
    const at = calls.length;
    if (w.txs.length === 0) return { at, whole: false };
    if (whole(w)) calls.push(blockReceiptsCall(w.block.hash));
    else for (const tx of w.txs) calls.push({ method: TX_RECEIPT, params: [tx.hash] });
    return { at, whole: whole(w) };
  });
  const out = calls.length === 0 ? [] : await ep.call(calls);
  return Promise.all(
    wants.map(async (w, i) => {
      const { at, whole: asWhole } = plan[i] as { at: number; whole: boolean };
      const status = new Map<string, boolean | null>();
      if (w.txs.length === 0) return status;
      if (asWhole) {
        const o = out[at] as RpcOutcome;
        if (o.ok) return statusAndLogs(readBlockReceipts(ep, o.result, w.block)).status;
        if (!(o.error instanceof RpcUnsupported)) throw o.error;
        ep.unsupported.add(BLOCK_RECEIPTS);
        for (const r of await fetchReceiptsPerTx(ep, w.block, w.txs)) status.set(r.txHash, r.status);
        return status;
      }
      const perTx = readPerTx(ep, w, out, at);
      if (perTx instanceof Map) return perTx;
      // A per-transaction answer that cannot be used: a node without the transaction index for
      // old blocks (geth keeps about a year by default) or still building it, or a tip block
      // reorged away since (receipts by tx hash follow the canonical chain). The block's own
      // receipts, pinned by its hash, do not depend on either.
      if (perTx instanceof RpcRateLimited || ep.unsupported.has(BLOCK_RECEIPTS)) throw perTx;
      try {
        const [raw] = await ep.results([blockReceiptsCall(w.block.hash)]);
        return statusAndLogs(readBlockReceipts(ep, raw, w.block)).status;
      } catch (err) {
        if (!(err instanceof RpcUnsupported)) throw err;
        ep.unsupported.add(BLOCK_RECEIPTS);
        throw perTx;
      }
    }),
  );
}

/** The statuses from a block's per-transaction receipts in a batch answer, or why they cannot be used. */
function readPerTx(
  ep: Endpoint,
  w: { readonly block: EvmBlock; readonly txs: readonly EvmTx[] },
  out: readonly RpcOutcome[],
  at: number,
): Map<string, boolean | null> | RpcError {
  const status = new Map<string, boolean | null>();
  for (let j = 0; j < w.txs.length; j++) {
    const tx = w.txs[j] as EvmTx;
    const o = out[at + j] as RpcOutcome;
    if (!o.ok) return o.error;
    try {
      status.set(tx.hash, readTxReceipt(ep, o.result, w.block, tx).status);
    } catch (err) {
      if (err instanceof RpcError) return err;
      throw err;
    }
  }
  return status;
}

/**
 * eth_getTransactionReceipt for `txs` (all of `block`'s), in one batch; each checked to be of
 * this block at the transaction's position.
 */
export async function fetchReceiptsPerTx(ep: Endpoint, block: EvmBlock, txs: readonly EvmTx[]): Promise<EvmReceipt[]> {
  const raws = await ep.results(txs.map((tx) => ({ method: TX_RECEIPT, params: [tx.hash] })));
  return raws.map((raw, i) => readTxReceipt(ep, raw, block, txs[i] as EvmTx));
}

/** Every transaction's status and all the logs, from a block's receipts. */
export function statusAndLogs(receipts: readonly EvmReceipt[]): { status: Map<string, boolean | null>; logs: EvmLog[] } {
  const status = new Map<string, boolean | null>();
  const logs: EvmLog[] = [];
  for (const r of receipts) {
    status.set(r.txHash, r.status);
    for (const l of r.logs) logs.push(l);
  }
  return { status, logs };
}
