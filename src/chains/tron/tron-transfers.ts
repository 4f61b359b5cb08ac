/**
 * A Tron block's transfers, in the `tron` family's addresses (base58 `T…`): TRX moved by a
 * transaction, and TRC-20 `Transfer` logs (the ERC-20 event: USDT, USDC).
 *
 * Whether a transaction took effect:
 * - a system contract (no energy used: TRX transfers, votes, staking) is in a block only if it
 *   executed: its actuator's failure (ContractValidateException / ContractExeException) leaves
 *   java-tron's Manager.processTransaction, so the transaction is not packed, and a block
 *   holding one does not validate; it has no failed form on chain;
 * - a smart-contract call (energy used) can be packed and fail (REVERT, OUT_OF_ENERGY): its
 *   TRX and its logs count only with a receipt `status` of 0x1, as Tron's JSON-RPC
 *   documentation asks of every reader of logs.
 *
 * Known limit: java-tron's JSON-RPC puts other amounts in `value` too: a TRC-10 transfer's
 * token amount, a vote's count, an unfreeze with a receiver. Those read here as TRX (a hold
 * with the wrong asset, never a missed one); telling them apart needs the node's HTTP API
 * (`/wallet/gettransactionbyid`: the contract type), which this version does not ask.
 */
import type { NormalisedAddress } from '../../domain/address.js';
import type { Transfer } from '../../domain/transfer.js';
import { erc20Transfer } from '../evm/extract-transfers.js';
import type { EvmLog, EvmTx } from '../evm/rpc-shapes.js';
import { tronAddress, tronTxid, type TronBlock } from './tron-block.js';

/** A TRX or TRC-20 movement in node form, before the scope and the statuses are applied. */
export interface TronCandidate {
  readonly tx: EvmTx;
  readonly position: string;
  readonly kind: 'native' | 'erc20';
  /** Token contract (T…) for TRC-20, undefined for TRX. */
  readonly contract?: NormalisedAddress;
  readonly from: NormalisedAddress;
  readonly to: NormalisedAddress;
  readonly amount: bigint;
  /** The transaction is a smart-contract call: its receipt status decides. */
  readonly needsStatus: boolean;
}

/** Every TRX and TRC-20 movement of the block (`logs`: its Transfer logs), parties as `T…`. */
export function tronCandidates(read: TronBlock, logs: readonly EvmLog[]): TronCandidate[] {
  const { block, energy } = read;
  const txs = block.txs ?? [];
  const isCall = (tx: EvmTx): boolean => tx.hasInput || (energy.get(tx.hash) ?? 0n) > 0n;
  const out: TronCandidate[] = [];
  for (const tx of txs) {
    if (tx.value === 0n || tx.to === null) continue;
    out.push({ tx, position: 'tx', kind: 'native', from: tronAddress(tx.from), to: tronAddress(tx.to), amount: tx.value, needsStatus: isCall(tx) });
  }
  for (const log of logs) {
    const moved = erc20Transfer(log);
    const tx = txs[log.txIndex];
    if (moved === undefined || tx === undefined) continue;
    out.push({
      tx,
      position: `log:${log.logIndex}`,
      kind: 'erc20',
      contract: tronAddress(log.address),
      from: tronAddress(moved.from),
      to: tronAddress(moved.to),
      amount: moved.amount,
      needsStatus: true,
    });
  }
  return out;
}

/** The candidates as Transfers, leaving out those of failed calls (`status`: by 0x tx hash). */
export function tronTransfers(chain: string, read: TronBlock, candidates: readonly TronCandidate[], status: ReadonlyMap<string, boolean | null>): Transfer[] {
  const { block } = read;
  const out: Transfer[] = [];
  for (const c of candidates) {
    if (c.needsStatus) {
      const ok = status.get(c.tx.hash);
      if (ok === undefined) throw new Error(`${chain}: block ${block.hash}: no receipt status for ${c.tx.hash}`);
      if (ok !== true) continue;
    }
    out.push({
      chain,
      blockNumber: block.number,
      blockHash: block.hash,
      txHash: tronTxid(c.tx.hash),
      position: c.position,
      kind: c.kind,
      asset: c.contract === undefined ? { kind: 'native' } : { kind: 'token', contract: c.contract },
      from: c.from,
      to: c.to,
      amount: c.amount,
      txFrom: tronAddress(c.tx.from),
    });
  }
  return out;
}
