/**
 * java-tron's Ethereum-compatible JSON-RPC (`/jsonrpc`) read as Ethereum's, with its documented
 * differences (tronprotocol docs, "JSON-RPC API"; java-tron BlockResult / TransactionResult):
 * - addresses are the 20 bytes after Tron's 0x41 prefix, as 0x hex: turned into base58 `T…`
 *   here, the only form Cordon stores, shows and matches for the `tron` family;
 * - block `timestamp` is seconds on current nodes but was milliseconds on older ones (the
 *   GetBlock mainnet answers in test/fixtures/tron/ have it so): a value too large for seconds
 *   is read as milliseconds;
 * - a transaction's `gas` is the energy it used: system contracts (TRX transfers, votes,
 *   staking) use none, smart-contract calls always some (old nodes sent `input: 0x` even for
 *   calls, so `gas` is what tells them apart);
 * - the header's `logsBloom` is all zeros and there is no `pending`/`safe` tag (the source asks
 *   for logs by block hash and for `latest` or numbers only).
 */
import { normaliseForFamily, type NormalisedAddress } from '../../domain/address.js';
import type { BlockRef } from '../../domain/block.js';
import type { RpcCall } from '../rpc/json-rpc.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { shaped } from '../evm/consistency.js';
import { readBlock } from '../evm/fetch-block.js';
import { parseQuantity, type EvmBlock } from '../evm/rpc-shapes.js';

/** A Tron block as read: the EVM-shaped block, and the energy each transaction used. */
export interface TronBlock {
  readonly block: EvmBlock;
  /** Energy used, by transaction hash (0x form, as the node gives it). */
  readonly energy: ReadonlyMap<string, bigint>;
}

/** Above this a timestamp cannot be seconds (year 5138): it is milliseconds. */
const SECONDS_LIMIT = 100_000_000_000;

export function tronSeconds(timestamp: number): number {
  return timestamp >= SECONDS_LIMIT ? Math.floor(timestamp / 1000) : timestamp;
}

export function tronRef(block: BlockRef): BlockRef {
  return { number: block.number, hash: block.hash, parentHash: block.parentHash, timestamp: tronSeconds(block.timestamp) };
}

/** Parses and checks an eth_getBlockBy* answer (full transactions) as readBlock does, keeping each transaction's energy. */
export function readTronBlock(ep: Pick<Endpoint, 'label'>, call: RpcCall, raw: unknown, asked: { readonly number?: bigint; readonly hash?: string }): TronBlock | null {
  const block = readBlock(ep, call, raw, asked);
  if (block === null) return null;
  const energy = shaped(ep, call.method, () => energyOf(raw));
  return { block: { ...block, timestamp: tronSeconds(block.timestamp) }, energy };
}

function energyOf(raw: unknown): Map<string, bigint> {
  const energy = new Map<string, bigint>();
  const txs = (raw as { transactions?: unknown }).transactions;
  if (!Array.isArray(txs)) return energy;
  txs.forEach((tx: unknown, i) => {
    if (typeof tx !== 'object' || tx === null) return;
    const t = tx as { hash?: unknown; gas?: unknown };
    energy.set(String(t.hash).toLowerCase(), t.gas === undefined || t.gas === null ? 0n : parseQuantity(t.gas, `block.transactions[${i}].gas`));
  });
  return energy;
}

/** A node's 0x hex account (20 bytes, no 0x41) as base58 `T…`. */
export function tronAddress(hex: string): NormalisedAddress {
  return normaliseForFamily(hex, 'tron');
}

/** A transaction id as Tron tooling (and `normaliseTxid` for tron) writes it: 64 hex digits, no 0x. */
export function tronTxid(hash: string): string {
  return hash.startsWith('0x') ? hash.slice(2) : hash;
}
