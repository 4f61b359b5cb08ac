/**
 * A UTXO block as Cordon reads it: every transaction with its txid, the outpoints it spends,
 * and its outputs with value and address. Input addresses are not part of a block; they are
 * the addresses of the outputs the inputs spend (prevouts), resolved separately and only for
 * the transactions that matter (see resolve-inputs.ts).
 */
import type { NormalisedAddress } from '../../domain/address.js';
import type { BlockHash, BlockRef } from '../../domain/block.js';

/** An output being spent: the transaction that created it and its index there. */
export interface Outpoint {
  /** Display order (as Core and explorers show txids), lower-case hex. */
  readonly txid: string;
  readonly vout: number;
}

export interface UtxoOutput {
  readonly vout: number;
  /** Satoshis (litoshis on Litecoin). */
  readonly value: bigint;
  /** Null for scripts that pay no address: p2pk, bare multisig, OP_RETURN, non-standard. */
  readonly address: NormalisedAddress | null;
}

export interface UtxoTx {
  /** Display order, lower-case hex: double SHA-256 of the serialisation without witness. */
  readonly txid: string;
  /** Position in the block; 0 is the coinbase. */
  readonly index: number;
  /** Outpoints spent, in input order; empty for the coinbase (which spends none). */
  readonly inputs: readonly Outpoint[];
  /** Every output, addressless ones included, so that `outputs[vout]` is that output. */
  readonly outputs: readonly UtxoOutput[];
}

/** What the 80-byte header says. */
export interface UtxoHeader {
  readonly hash: BlockHash;
  readonly parentHash: BlockHash;
  readonly merkleRoot: string;
  /** Unix seconds. */
  readonly timestamp: number;
}

export interface UtxoBlock {
  /** The block as the chain source knows it (height from the node; the raw block has none). */
  readonly ref: BlockRef;
  readonly txs: readonly UtxoTx[];
}

/** The address and value an input spends: its prevout. */
export interface ResolvedInput {
  readonly outpoint: Outpoint;
  readonly value: bigint;
  /** Null when the spent output pays no address (p2pk, bare multisig, non-standard). */
  readonly address: NormalisedAddress | null;
}

/** Input addresses of some transactions of a block, by txid, each list in input order. */
export type ResolvedInputs = ReadonlyMap<string, readonly ResolvedInput[]>;

/**
 * A confirmed, unspent output paying one of the addresses asked about, as the node's UTXO set
 * has it now, with the block that created it: what seeds the exchange's outputs from before
 * the chain's start block.
 */
export interface AddressUnspent {
  readonly outpoint: Outpoint;
  readonly address: NormalisedAddress;
  /** Satoshis (litoshis on Litecoin). */
  readonly value: bigint;
  readonly block: { readonly hash: BlockHash; readonly number: bigint };
}
