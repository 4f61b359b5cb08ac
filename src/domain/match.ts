import type { NormalisedAddress } from './address.js';
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
}

/** One hold per (account, transfer, list entry), however often the block is seen. */
export function holdKey(accountId: string, transferId: string, entryUid: string): string {
  return `${accountId}|${transferId}|${entryUid}`;
}
