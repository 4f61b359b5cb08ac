import type { NormalisedAddress } from '../domain/address.js';
import type { AddressFamily } from '../domain/address-family.js';
import type { AssetUnits } from '../domain/amount.js';
import type { BlockHash, BlockRef } from '../domain/block.js';
import type { HexAddressLookup } from '../domain/hex-address-set.js';
import type { Transfer } from '../domain/transfer.js';
import type { EndpointStats } from './rpc/endpoint-pool.js';

/**
 * Narrows a block read to the transfers that touch some addresses (the exchange's): nothing
 * else can be a deposit or a withdrawal, and a source may skip reads only other transfers need
 * (on EVM chains, most receipts).
 */
export interface TransferScope {
  /**
   * Which of `addresses` are in scope: one lookup per block or chunk of a range. Addresses
   * repeat (a chunk's senders and token contracts); a scope that asks a store deduplicates them.
   */
  among(addresses: readonly NormalisedAddress[]): Promise<ReadonlySet<NormalisedAddress>>;
  /**
   * The scope's EVM addresses held in memory, current as of the call (every address whose write
   * committed before it). An EVM source that gets it tests each party where it reads it, instead
   * of gathering a block's parties for `among`.
   */
  evmAddresses?(): Promise<HexAddressLookup>;
  /**
   * The exchange's own records of what it holds, for families where a transfer's parties are
   * found through them (Bitcoin: outputs paying the exchange, spent later without naming it).
   * A source that keeps no such records ignores it.
   */
  readonly ledger?: ExchangeLedger;
}

/** An output paying one of the exchange's addresses, to be recorded (UTXO families). */
export interface LedgerOutput {
  readonly txid: string;
  readonly vout: number;
  readonly address: NormalisedAddress;
  readonly value: bigint;
}

/** A spend of an output (`txid:vout`) in transaction `spentIn` (UTXO families). */
export interface LedgerSpend {
  readonly txid: string;
  readonly vout: number;
  readonly spentIn: string;
}

/**
 * What the exchange knows of its own coins on a chain, asked and written by the source while
 * it reads a block (the store behind it is the pipeline's: chains/ knows no store).
 */
export interface ExchangeLedger {
  /** Which of these txids the exchange registered as its withdrawals. */
  registeredAmong(txids: readonly string[]): Promise<Iterable<string>>;
  /** Which of these outpoints (`txid:vout`) are the exchange's and unspent as seen by block `asOf`. */
  ownedAmong(outpoints: readonly string[], asOf: BlockHash): Promise<Iterable<string>>;
  /** Records, in one idempotent write, the block's outputs paying the exchange and its spends of them. */
  record(block: BlockRef, created: readonly LedgerOutput[], spends: readonly LedgerSpend[]): Promise<void>;
}

/**
 * How every chain family meets the rest of Cordon. Nothing outside src/chains/ knows RPC
 * shapes; follow/ and pipeline/ speak only this.
 */
export interface ChainSource {
  /** Configured chain id. */
  readonly chain: string;
  readonly family: AddressFamily;
  /** The node's current head. */
  head(): Promise<BlockRef>;
  /** The canonical block at a height, or null above the head. */
  blockAt(number: bigint): Promise<BlockRef | null>;
  /** A block by hash (canonical or not), or null if the node does not know it. */
  blockByHash(hash: BlockHash): Promise<BlockRef | null>;
  /**
   * Every transfer in the block with this hash, checked against it: an answer for another block
   * is retried, never used. Throws if the block is no longer available. With a scope, the
   * result holds at least every transfer whose `from` or `to` is in scope; others may be left out.
   */
  transfers(block: BlockRef, scope?: TransferScope): Promise<Transfer[]>;
  /**
   * Every block from..to inclusive with its transfers, keyed by number, fetched in batches (for
   * replays); families without a cheaper bulk path leave it out and are read block by block.
   * A scope narrows it as in `transfers`.
   */
  transfersInRange?(from: bigint, to: bigint, scope?: TransferScope): Promise<Map<bigint, { readonly block: BlockRef; readonly transfers: Transfer[] }>>;
  /**
   * Pushes new heads as the node announces them (e.g. `newHeads` over WebSocket), where the
   * source has such a channel; returns the unsubscribe. Followers poll anyway as the safety net.
   */
  subscribeHeads?(onHead: (head: BlockRef) => void): () => void;
  /**
   * Checks now that every endpoint serves the configured chain (each is also checked before its
   * first use, and again after it fails): refuses, with an error log, those that serve another,
   * and throws NoEndpointOnChain (chains/rpc/chain-identity.ts) when none is left.
   */
  identifyEndpoints?(): Promise<void>;
  /**
   * How a token of this chain reads, as its contract says (ERC-20 `symbol()`/`decimals()`), for
   * a configured token the configuration does not describe; null when it does not say.
   */
  tokenUnits?(contract: NormalisedAddress): Promise<AssetUnits | null>;
  /** Requests and failures per endpoint since start (metrics); labels never carry credentials. */
  endpointStats?(): readonly EndpointStats[];
  /** Releases connections. */
  close(): Promise<void>;
}
