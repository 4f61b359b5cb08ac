import type { NormalisedAddress } from './address.js';
import type { AssetUnits } from './amount.js';
import type { SanctionEntry } from './sanction-entry.js';
import type { Transfer } from './transfer.js';

/** What a list match does: `hold` raises a hold on the account; `alert` only pages on-call. */
export type ListPolicy = 'hold' | 'alert';

export type Direction = 'deposit' | 'withdrawal';

/**
 * A transfer of the exchange's, a counterparty of it, and the list entry that counterparty is
 * on. `accountId` is null for a withdrawal nobody registered (it still alerts, naming the hot
 * wallet).
 */
export interface Match {
  readonly transfer: Transfer;
  readonly direction: Direction;
  readonly accountId: string | null;
  /** The exchange's own address in the transfer (deposit address or hot wallet). */
  readonly exchangeAddress: NormalisedAddress;
  readonly counterparty: NormalisedAddress;
  readonly entry: SanctionEntry;
  readonly policy: ListPolicy;
  /** Who publishes the list (the configured authority), shown with the legal basis. */
  readonly authority: string;
  /** How the transfer's asset reads (symbol, decimals), when the chain's configuration says. */
  readonly units: AssetUnits | null;
}

/** One hold per (account, payment, list entry), however often the block is seen. */
export function holdKey(accountId: string, paymentId: string, entryUid: string): string {
  return `${accountId}|${paymentId}|${entryUid}`;
}

/** Why a match raises no hold. */
export type NoHoldReason =
  /** The list's policy is `alert`. */
  | 'alert-policy'
  /** No exchange account owns the transfer (a withdrawal nobody registered). */
  | 'no-account'
  /** Value moved, but less than the exchange's hold threshold for the asset (dust). */
  | 'below-threshold'
  /** A value-less call of a listed contract (e.g. a sanctioned mixer): a finding, not a payment. */
  | 'value-less-call'
  /** Nothing moved: a zero-value transfer (e.g. a spoofed zero-value token log). */
  | 'no-value';

/** What a match leads to: a hold, an on-call alert only, or nothing (recorded with why). */
export type MatchOutcome =
  | { readonly action: 'hold' }
  | { readonly action: 'alert'; readonly why: Exclude<NoHoldReason, 'no-value'> }
  | { readonly action: 'ignore'; readonly why: 'no-value' };

/**
 * The rule (src/ARCHITECTURE.md: a hold needs value to have moved between the counterparty
 * and the exchange's account): a transfer of no value never raises a hold. A zero-value token
 * transfer is ignored outright: anyone can make a token contract log a zero-value `Transfer`
 * "from" any address (address poisoning), so it says nothing about the named sender. A
 * value-less contract call is still a finding and alerts. Value below `minHold` (base units,
 * at least 1) alerts instead of holding, so dust from a listed address cannot freeze a
 * customer on its own.
 */
export function decideMatch(
  match: Pick<Match, 'transfer' | 'policy' | 'accountId'>,
  minHold: bigint = 1n,
): MatchOutcome {
  const { amount, kind } = match.transfer;
  if (amount <= 0n) return kind === 'call' ? { action: 'alert', why: 'value-less-call' } : { action: 'ignore', why: 'no-value' };
  if (match.policy !== 'hold') return { action: 'alert', why: 'alert-policy' };
  if (match.accountId === null) return { action: 'alert', why: 'no-account' };
  if (amount < (minHold < 1n ? 1n : minHold)) return { action: 'alert', why: 'below-threshold' };
  return { action: 'hold' };
}
