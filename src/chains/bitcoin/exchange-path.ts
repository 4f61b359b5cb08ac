/**
 * The extract stage's reads of a Bitcoin-family chain, behind the ChainSource interface: with
 * a scope, only transactions that pay a watched address, spend one of the exchange's recorded
 * outputs, or were registered by txid have their inputs resolved (exchange-transfers.ts); then
 * the block's outputs paying watched addresses (hot wallets and deposit addresses: sweeps spend
 * them) are recorded, and the recorded outputs it spends marked spent, through the scope's
 * ledger in one write. Both writes are idempotent, so a retried or replayed block changes nothing.
 *
 * Known limits: the extract workers run blocks concurrently, so a block whose parent is still
 * being extracted may miss a no-change, unregistered spend of an output the parent created
 * (change to a watched address and registered txids are still found); outputs that predate the
 * chain's startBlock come from `cordon accounts seed-utxos` (pipeline/seed-utxos.ts).
 */
import type { TransferScope } from '../chain-source.js';
import type { BlockRef } from '../../domain/block.js';
import type { Transfer } from '../../domain/transfer.js';
import type { BitcoinChainSource } from './bitcoin-source.js';
import { BlockUnavailable } from './errors.js';
import { exchangeTransfers } from './exchange-transfers.js';
import { outputsPaying } from './utxo-transfers.js';

type UnscopedSource = Omit<BitcoinChainSource, 'transfers' | 'transfersInRange'> & { transfers(block: BlockRef): Promise<Transfer[]> };

/** A block's transfers that touch the scope (the exchange), recording its outputs in the scope's ledger. */
export async function scopedTransfers(source: UnscopedSource, block: BlockRef, scope: TransferScope): Promise<Transfer[]> {
  const { ledger } = scope;
  let watched = new Set<string>();
  const { utxo, transfers } = await exchangeTransfers(source, block, {
    watchedAmong: async (addresses) => {
      const found = [...(await scope.among(addresses))];
      watched = new Set(found);
      return found;
    },
    ...(ledger === undefined
      ? {}
      : { registeredAmong: (txids: readonly string[]) => ledger.registeredAmong(txids), ownedAmong: (outpoints: readonly string[]) => ledger.ownedAmong(outpoints, block.hash) }),
  });
  if (ledger !== undefined) {
    const created = outputsPaying(utxo, watched).map((o) => ({ txid: o.outpoint.txid, vout: o.outpoint.vout, address: o.address, value: o.value }));
    const spends = utxo.txs.flatMap((tx) => tx.inputs.map((i) => ({ txid: i.txid, vout: i.vout, spentIn: tx.txid })));
    if (created.length > 0 || spends.length > 0) await ledger.record(block, created, spends);
  }
  return transfers;
}

/**
 * `transfers` and `transfersInRange` for a Bitcoin-family source: unscoped, every transaction
 * (resolving every input); scoped, the exchange's path above. A range is one header read, then
 * the blocks in order (each block's outputs are recorded before the next block's spends are
 * looked up).
 */
export function withExchangePath(source: UnscopedSource): BitcoinChainSource {
  const transfers = (block: BlockRef, scope?: TransferScope): Promise<Transfer[]> =>
    scope === undefined ? source.transfers(block) : scopedTransfers(source, block, scope);
  return {
    ...source,
    transfers,
    async transfersInRange(from: bigint, to: bigint, scope?: TransferScope) {
      const refs = await source.headersInRange(from, to);
      const last = refs.at(-1);
      if (last === undefined || last.number < to) throw new BlockUnavailable(source.chain, { number: to }, `block #${to} is above the node's head`);
      const out = new Map<bigint, { block: BlockRef; transfers: Transfer[] }>();
      for (const block of refs) out.set(block.number, { block, transfers: await transfers(block, scope) });
      return out;
    },
  };
}
