/**
 * Which exchange account a transfer belongs to, in which direction, and whom to screen.
 * Pure: the caller loads the exchange's addresses and registered withdrawals first
 * (`loadLookup`) and passes them in as plain data.
 *
 * Rules:
 * - Deposit: `to` is one of our deposit addresses. The account is that address's account. The
 *   counterparties are the sender (`from`: the log's `from` for ERC-20, the calling frame for
 *   internal transfers) and the transaction's own sender (`txFrom`) when it differs, so a
 *   listed address paying through a contract is still a listed counterparty.
 * - Withdrawal: `from` is one of our hot wallets. The counterparty is the recipient `to`
 *   (including a value-less `call` of a contract: calling a listed mixer is a finding). The
 *   account comes from a withdrawal the exchange registered, by txid first, else by
 *   destination; otherwise it is null (unattributed: it still alerts, naming the hot wallet).
 * - The exchange's own watched addresses are never counterparties; a transfer between two of
 *   them (a sweep from a deposit address to a hot wallet, a hot wallet paying one of our
 *   deposit addresses) is internal and has no attribution.
 *
 * Decisions:
 * - Several accounts registered the same destination (without a txid that settles it): the
 *   withdrawal is attributed to nobody and the candidates are named. Picking one (say the
 *   newest) would freeze a person who may not have sent this transfer; on-call decides
 *   instead. A registration that already carries a different txid belongs to that other
 *   transaction and is not a candidate (`loadLookup` leaves those out).
 * - A transfer into a hot wallet from outside (not a sweep) is screened as an unattributed
 *   deposit: no account owns it, but a listed sender paying our hot wallet must reach on-call.
 * - A value-less `call` into a deposit address deposits nothing and is not attributed.
 * - A transaction the exchange registered by txid is its withdrawal even when the address that
 *   paid it was never imported (a hot wallet missing from the accounts file, a one-off wallet):
 *   the registration names the account. Only what the transaction's own sender paid counts
 *   (`from` is `txFrom`, always so for a UTXO input): other logs of the same transaction (a
 *   contract paying someone else) are not the exchange paying.
 */
import type { NormalisedAddress } from '../domain/address.js';
import type { Direction } from '../domain/match.js';
import type { Transfer } from '../domain/transfer.js';
import type { WatchedKind } from '../store/accounts-repo.js';

export interface WatchedInfo {
  readonly accountId: string;
  readonly kind: WatchedKind;
}

/** What `attributeTransfer` needs to know about one transfer's chain, as plain data. */
export interface TransferLookup {
  /** The exchange's watched addresses (at least those the transfer touches). */
  readonly watched: ReadonlyMap<NormalisedAddress, WatchedInfo>;
  /** The withdrawal registered with this transfer's txid, if any. */
  readonly withdrawalByTxid?: { readonly accountId: string } | null;
  /**
   * Accounts that registered a withdrawal to an address and no txid yet (or no txid at all),
   * newest registration first, each account once.
   */
  readonly withdrawalsByDestination: ReadonlyMap<NormalisedAddress, readonly string[]>;
}

/** How the account (or its absence) was decided: kept with the match for the audit trail. */
export type AttributionBasis =
  /** `to` is a deposit address of the account. */
  | 'deposit-address'
  /** Into a hot wallet from outside: no account. */
  | 'hot-wallet-inbound'
  /** Out of a hot wallet; the exchange registered this txid. */
  | 'withdrawal-txid'
  /** Out of a hot wallet; one account registered a withdrawal to this destination. */
  | 'withdrawal-destination'
  /** Out of a hot wallet; several accounts registered this destination: no account. */
  | 'withdrawal-ambiguous-destination'
  /** Out of a hot wallet; nothing registered: no account. */
  | 'withdrawal-unregistered';

export interface Attribution {
  readonly direction: Direction;
  /** Null: nobody's account; the match alerts on-call naming `exchangeAddress` instead of holding. */
  readonly accountId: string | null;
  /** Our address in the transfer: the deposit address or the hot wallet. */
  readonly exchangeAddress: NormalisedAddress;
  /** Whom to screen; never empty, never one of our own addresses. */
  readonly counterparties: readonly NormalisedAddress[];
  readonly basis: AttributionBasis;
  /** For `withdrawal-ambiguous-destination`: the accounts that registered the destination. */
  readonly candidateAccounts: readonly string[];
}

function external(lookup: TransferLookup, candidates: readonly (NormalisedAddress | null)[]): NormalisedAddress[] {
  const out: NormalisedAddress[] = [];
  for (const a of candidates) {
    if (a !== null && !lookup.watched.has(a) && !out.includes(a)) out.push(a);
  }
  return out;
}

/** The attributions of one transfer: none (not ours, or internal) or one. */
export function attributeTransfer(transfer: Transfer, lookup: TransferLookup): Attribution[] {
  const to = transfer.to === null ? undefined : lookup.watched.get(transfer.to);
  const from = lookup.watched.get(transfer.from);
  // Between two of our own addresses: a sweep or an internal move, nobody to screen.
  if (to !== undefined && from !== undefined) return [];

  if (to !== undefined && transfer.to !== null) {
    if (transfer.kind === 'call') return [];
    const counterparties = external(lookup, [transfer.from, transfer.txFrom]);
    if (counterparties.length === 0) return [];
    return [
      {
        direction: 'deposit',
        accountId: to.kind === 'deposit' ? to.accountId : null,
        exchangeAddress: transfer.to,
        counterparties,
        basis: to.kind === 'deposit' ? 'deposit-address' : 'hot-wallet-inbound',
        candidateAccounts: [],
      },
    ];
  }

  if (from?.kind === 'hot_wallet') {
    const counterparties = external(lookup, [transfer.to]);
    if (counterparties.length === 0) return [];
    const base = { direction: 'withdrawal', exchangeAddress: transfer.from, counterparties } as const;
    const byTxid = lookup.withdrawalByTxid;
    if (byTxid) return [{ ...base, accountId: byTxid.accountId, basis: 'withdrawal-txid', candidateAccounts: [] }];
    const registered = transfer.to === null ? [] : [...new Set(lookup.withdrawalsByDestination.get(transfer.to) ?? [])];
    const [only] = registered;
    if (only !== undefined && registered.length === 1) {
      return [{ ...base, accountId: only, basis: 'withdrawal-destination', candidateAccounts: [] }];
    }
    if (registered.length > 1) {
      return [{ ...base, accountId: null, basis: 'withdrawal-ambiguous-destination', candidateAccounts: registered }];
    }
    return [{ ...base, accountId: null, basis: 'withdrawal-unregistered', candidateAccounts: [] }];
  }

  const byTxid = lookup.withdrawalByTxid;
  if (byTxid && from === undefined && transfer.from === transfer.txFrom) {
    const counterparties = external(lookup, [transfer.to]);
    if (counterparties.length === 0) return [];
    return [
      { direction: 'withdrawal', accountId: byTxid.accountId, exchangeAddress: transfer.from, counterparties, basis: 'withdrawal-txid', candidateAccounts: [] },
    ];
  }

  return [];
}

/** Everything `loadLookup` learns about a block's transfers on one chain. */
export interface AccountsLookup {
  readonly chain: string;
  readonly watched: ReadonlyMap<NormalisedAddress, WatchedInfo>;
  /** Registered withdrawals by txid (as the chain code spells it). */
  readonly withdrawalsByTxid: ReadonlyMap<string, { readonly id: string; readonly accountId: string }>;
  /** See `TransferLookup.withdrawalsByDestination`. */
  readonly withdrawalsByDestination: ReadonlyMap<NormalisedAddress, readonly string[]>;
}

/** The per-transfer view of a block's lookup. */
export function lookupForTransfer(lookup: AccountsLookup, transfer: Transfer): TransferLookup {
  return {
    watched: lookup.watched,
    withdrawalByTxid: lookup.withdrawalsByTxid.get(transfer.txHash) ?? null,
    withdrawalsByDestination: lookup.withdrawalsByDestination,
  };
}

export interface AttributedTransfer {
  readonly transfer: Transfer;
  readonly attribution: Attribution;
}

/** Attributes a block's transfers; transfers of nobody's are left out. */
export function attributeTransfers(transfers: readonly Transfer[], lookup: AccountsLookup): AttributedTransfer[] {
  const out: AttributedTransfer[] = [];
  for (const transfer of transfers) {
    if (transfer.chain !== lookup.chain) {
      throw new RangeError(`transfer on ${transfer.chain} attributed with the accounts of ${lookup.chain}`);
    }
    for (const attribution of attributeTransfer(transfer, lookupForTransfer(lookup, transfer))) {
      out.push({ transfer, attribution });
    }
  }
  return out;
}
