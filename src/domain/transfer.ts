import type { NormalisedAddress } from './address.js';
import type { BlockHash } from './block.js';

/**
 * What moved: the chain's native coin, or a token identified by its contract.
 * `call` transfers carry no value: a transaction that called a contract (a sanctioned mixer
 * pool is a finding even with value 0).
 */
export type Asset = { readonly kind: 'native' } | { readonly kind: 'token'; readonly contract: NormalisedAddress };

export type TransferKind = 'native' | 'erc20' | 'internal' | 'call' | 'utxo';

/** One value movement (or value-less contract call) inside a block. */
export interface Transfer {
  /** Configured chain id, e.g. `ethereum`. */
  readonly chain: string;
  readonly blockNumber: bigint;
  readonly blockHash: BlockHash;
  readonly txHash: string;
  /**
   * Position inside the transaction that makes the id unique: `log:<logIndex>` for token
   * logs, `tx` for the top-level value, `trace:<path>` for internal calls (e.g. `trace:0.2`),
   * `out:<n>` for a UTXO output.
   */
  readonly position: string;
  readonly kind: TransferKind;
  readonly asset: Asset;
  readonly from: NormalisedAddress;
  /** Null only for contract creation. */
  readonly to: NormalisedAddress | null;
  readonly amount: bigint;
  /** The transaction's own sender, which may differ from `from` (a contract paying out). */
  readonly txFrom: NormalisedAddress;
  /**
   * The position of the payment this transfer is one view of, when that is not `position`
   * itself: a UTXO output paid from several input addresses is one Transfer per sender (each
   * screened) but one payment (`out:<n>`), so it raises one hold per list entry, not one per
   * input.
   */
  readonly payment?: string;
}

/** Stable across retries and replays of the same block: `<chain>:<txHash>:<position>`. */
export function transferId(t: Pick<Transfer, 'chain' | 'txHash' | 'position'>): string {
  return `${t.chain}:${t.txHash}:${t.position}`;
}

/**
 * The payment a transfer belongs to, `<chain>:<txHash>:<payment position>`: what a hold is
 * raised on, so several views of one payment (a UTXO output's senders) are one hold.
 */
export function paymentId(t: Pick<Transfer, 'chain' | 'txHash' | 'position' | 'payment'>): string {
  return `${t.chain}:${t.txHash}:${t.payment ?? t.position}`;
}
