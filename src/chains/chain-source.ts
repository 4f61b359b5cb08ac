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
