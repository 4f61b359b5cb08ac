/**
 * Seeds the exchange's unspent outputs on a Bitcoin-family chain from the node's UTXO set: the
 * outputs paying its watched addresses that were created before the chain's start block, which
 * the extract stage never read. Without them, a withdrawal that spends only such outputs, sends
 * no change to a watched address and is not registered by txid is not recognised as the
 * exchange's (extract-stage.ts). Run once when a chain is added, and again after importing
 * addresses that already hold coins; running it again records nothing twice.
 */
import type { AddressUnspent, BitcoinChainSource } from '../chains/bitcoin/index.js';
import type { NormalisedAddress } from '../domain/address.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/index.js';

export interface SeedUtxosResult {
  readonly addresses: number;
  /** Unspent outputs found paying them. */
  readonly found: number;
  /** Of those, the ones not recorded before. */
  readonly added: number;
}

/**
 * Addresses per question to the node (default 10,000): Bitcoin Core reads its whole UTXO set
 * once per question, however many addresses it names, so fewer, larger questions are faster.
 */
const DEFAULT_BATCH = 10_000;

export async function seedUtxos(store: Store, source: BitcoinChainSource, log: Logger, opts: { readonly batch?: number } = {}): Promise<SeedUtxosResult> {
  const chain = source.chain;
  const batch = Math.max(1, opts.batch ?? DEFAULT_BATCH);
  const addresses = [...new Set((await store.accounts.listWatchedAddresses(chain)).map((w) => w.address))];
  let found = 0;
  let added = 0;
  for (let i = 0; i < addresses.length; i += batch) {
    const some: NormalisedAddress[] = addresses.slice(i, i + batch);
    const unspent = await source.unspentOutputs(some);
    found += unspent.length;
    for (const [, outputs] of byBlock(unspent)) {
      const block = (outputs[0] as AddressUnspent).block;
      added += await store.utxos.recordOutputs(
        chain,
        block,
        outputs.map((u) => ({ txid: u.outpoint.txid, vout: u.outpoint.vout, address: u.address, value: u.value })),
      );
    }
    log.info({ chain, addresses: Math.min(i + batch, addresses.length), of: addresses.length, found, added }, 'exchange outputs seeded');
  }
  return { addresses: addresses.length, found, added };
}

function byBlock(unspent: readonly AddressUnspent[]): Map<string, AddressUnspent[]> {
  const groups = new Map<string, AddressUnspent[]>();
  for (const u of unspent) {
    const list = groups.get(u.block.hash);
    if (list === undefined) groups.set(u.block.hash, [u]);
    else list.push(u);
  }
  return groups;
}
