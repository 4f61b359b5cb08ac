import { HoldNotFound } from '../store/errors.js';
import type { HoldBasisEvent, HoldEvent, HoldState, HoldsRepo, HookAttempt, StoredHold } from '../store/holds-repo.js';
import type { HoldRef } from './transitions.js';

export interface HoldFilter {
  readonly state?: HoldState;
  readonly accountId?: string;
  readonly chain?: string;
  readonly listId?: string;
  /** Default 100. */
  readonly limit?: number;
}

/** Newest first. */
export function listHolds(repo: Pick<HoldsRepo, 'listHolds'>, filter: HoldFilter = {}): Promise<StoredHold[]> {
  const limit = filter.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`holds list: limit must be a positive integer, got ${limit}`);
  return repo.listHolds({
    limit,
    ...(filter.state === undefined ? {} : { state: filter.state }),
    ...(filter.accountId === undefined ? {} : { accountId: filter.accountId }),
    ...(filter.chain === undefined ? {} : { chain: filter.chain }),
    ...(filter.listId === undefined ? {} : { listId: filter.listId }),
  });
}

export interface HoldDetails {
  readonly hold: StoredHold;
  /** Every state change with who and why, oldest first. */
  readonly events: HoldEvent[];
  /** Every attempt at delivering it to the exchange, oldest first. */
  readonly deliveries: HookAttempt[];
  /** List versions that withdrew or changed the entry it cites, oldest first. */
  readonly basisEvents: HoldBasisEvent[];
}

/** A hold with its audit trail and exchange-hook deliveries. Throws `HoldNotFound`. */
export async function showHold(repo: HoldsRepo, ref: HoldRef): Promise<HoldDetails> {
  const hold = await repo.getHold(ref);
  if (hold === null) throw new HoldNotFound(ref);
  const events = await repo.holdEvents(hold.id);
  const deliveries = await repo.hookAttempts(hold.id);
  const basisEvents = await repo.holdBasisEvents(hold.id);
  return { hold, events, deliveries, basisEvents };
}
