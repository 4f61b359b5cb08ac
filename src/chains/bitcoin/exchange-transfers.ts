/**
 * The extract stage's Bitcoin path in one call: read the block, ask the exchange (through
 * callbacks: chains/ knows no store) which of its outputs, txids and outpoints are its own,
 * resolve the inputs of only those transactions, and emit their Transfers (utxo-transfers.ts).
 *
 * What it costs per block: one raw-block read; one watched-address lookup over the block's
 * output addresses; the optional txid / outpoint lookups; and prevouts only when something
 * touches the exchange (one `getblock <hash> 3`, or a few `getrawtransaction`).
 *
 * Wiring: a scoped `transfers(block, scope)` of a Bitcoin-family source calls it, with the
 * scope's addresses and ledger (exchange-path.ts); the extract stage only passes the scope.
 * Everything after that (loadLookup, attributeTransfers, screening, holds) is unchanged: the Transfers are shaped
 * so the existing rules give the Bitcoin answers (see utxo-transfers.ts). Withdrawals that send
 * no change back to a watched address and were not registered by txid need `ownedAmong`: a
 * store table of the exchange's unspent outpoints, filled from `outputsPaying(utxo, hotWallets)`
 * of every block (and seeded once with the UTXOs that predate Cordon), spent ones dropped.
 */
import type { NormalisedAddress } from '../../domain/address.js';
import type { BlockRef } from '../../domain/block.js';
import type { Transfer } from '../../domain/transfer.js';
import type { BitcoinChainSource } from './bitcoin-source.js';
import type { UtxoBlock } from './utxo-block.js';
import { outputAddresses, selectTxids, spentOutpointKeys, utxoTransfers } from './utxo-transfers.js';

/** What the exchange knows, asked in bulk (each is one store query over the block's candidates). */
export interface ExchangeView {
  /** Which of these addresses are the exchange's deposit addresses or hot wallets. */
  watchedAmong(addresses: readonly NormalisedAddress[]): Promise<Iterable<string>>;
  /** Which of these txids the exchange registered as its withdrawals (finds withdrawals without change). */
  registeredAmong?(txids: readonly string[]): Promise<Iterable<string>>;
  /**
   * Which of these outpoints (`txid:vout`) pay the exchange and are unspent, as far as it knows
   * (finds every withdrawal and sweep; the store keeps them from `outputsPaying` of earlier blocks).
   */
  ownedAmong?(outpoints: readonly string[]): Promise<Iterable<string>>;
}

export interface ExchangeTransfers {
  /** The parsed block, e.g. to record new outputs paying the exchange (`outputsPaying`). */
  readonly utxo: UtxoBlock;
  /** Transfers of the transactions that touch the exchange, inputs resolved. */
  readonly transfers: Transfer[];
  /** Transactions whose inputs were resolved. */
  readonly resolved: readonly string[];
}

export async function exchangeTransfers(source: Pick<BitcoinChainSource, 'chain' | 'readBlock' | 'resolveInputs'>, block: BlockRef, exchange: ExchangeView): Promise<ExchangeTransfers> {
  const utxo = await source.readBlock(block);
  const spending = utxo.txs.slice(1);
  const [watched, registered, owned] = await Promise.all([
    exchange.watchedAmong(outputAddresses(utxo)),
    exchange.registeredAmong === undefined || spending.length === 0 ? [] : exchange.registeredAmong(spending.map((t) => t.txid)),
    exchange.ownedAmong === undefined || spending.length === 0 ? [] : exchange.ownedAmong(spentOutpointKeys(utxo)),
  ]);
  const txids = selectTxids(utxo, { watched: new Set(watched), txids: new Set(registered), ownedOutpoints: new Set(owned) });
  if (txids.length === 0) return { utxo, transfers: [], resolved: [] };
  const inputs = await source.resolveInputs(utxo, txids);
  return { utxo, transfers: utxoTransfers(source.chain, utxo, inputs), resolved: txids };
}
