/**
 * Loads what `attributeTransfers` needs for a block's transfers: at most three queries per
 * block (watched addresses, withdrawals by txid, withdrawals by destination), never one per
 * transfer. The withdrawal queries run only when some transfer leaves a hot wallet.
 */
import type { NormalisedAddress } from '../domain/address.js';
import type { Transfer } from '../domain/transfer.js';
import type { AccountsRepo } from '../store/accounts-repo.js';
import type { AccountsLookup, WatchedInfo } from './attribute.js';

export type LookupRepo = Pick<
  AccountsRepo,
  'findWatchedAddresses' | 'findWithdrawalsByTxids' | 'findWithdrawalsByDestinations'
>;

export async function loadLookup(
  store: { readonly accounts: LookupRepo },
  chain: string,
  transfers: readonly Transfer[],
): Promise<AccountsLookup> {
  const addresses = new Set<NormalisedAddress>();
  for (const t of transfers) {
    if (t.chain !== chain) throw new RangeError(`loadLookup for ${chain} was given a transfer on ${t.chain} (${t.txHash})`);
    addresses.add(t.from);
    addresses.add(t.txFrom);
    if (t.to !== null) addresses.add(t.to);
  }

  const watched = new Map<NormalisedAddress, WatchedInfo>();
  if (addresses.size > 0) {
    for (const w of await store.accounts.findWatchedAddresses(chain, [...addresses])) {
      watched.set(w.address, { accountId: w.accountId, kind: w.kind });
    }
  }

  // Only transfers to someone else need a registered withdrawal: out of a hot wallet (by txid
  // or destination), or paid by the transaction's own sender from an address never imported
  // (by txid only: the registration is then all that makes it the exchange's).
  const txids = new Set<string>();
  const destinations = new Set<NormalisedAddress>();
  for (const t of transfers) {
    if (t.to === null || watched.has(t.to)) continue;
    const sender = watched.get(t.from);
    if (sender?.kind === 'hot_wallet') {
      txids.add(t.txHash);
      destinations.add(t.to);
    } else if (sender === undefined && t.from === t.txFrom) {
      txids.add(t.txHash);
    }
  }

  const withdrawalsByTxid = new Map<string, { id: string; accountId: string }>();
  const withdrawalsByDestination = new Map<NormalisedAddress, string[]>();
  if (txids.size > 0) {
    const [byTxid, byDestination] = await Promise.all([
      store.accounts.findWithdrawalsByTxids(chain, [...txids]),
      destinations.size === 0 ? [] : store.accounts.findWithdrawalsByDestinations(chain, [...destinations]),
    ]);
    for (const w of byTxid) {
      if (w.txid !== null) withdrawalsByTxid.set(w.txid, { id: w.id, accountId: w.accountId });
    }
    // Newest first from the store; a registration already bound to a txid belongs to that
    // transaction (found above when it is this one), so it is no candidate for others.
    for (const w of byDestination) {
      if (w.destination === null || w.txid !== null) continue;
      const accounts = withdrawalsByDestination.get(w.destination) ?? [];
      if (!accounts.includes(w.accountId)) accounts.push(w.accountId);
      withdrawalsByDestination.set(w.destination, accounts);
    }
  }

  return { chain, watched, withdrawalsByTxid, withdrawalsByDestination };
}
