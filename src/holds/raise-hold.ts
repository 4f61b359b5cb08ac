import { holdFromMatch } from '../domain/hold.js';
import type { Match } from '../domain/match.js';
import type { HoldsRepo, StoredHold } from '../store/holds-repo.js';
import { reopenHold } from './transitions.js';

export interface RaisedHold {
  readonly hold: StoredHold;
  /** True only the first time this (account, transfer, entry) is raised. */
  readonly created: boolean;
  /** True when the hold was orphaned by a reorg and its transaction is now mined again. */
  readonly reopened: boolean;
}

/**
 * Raises the hold a match requires, exactly once per hold key however often it is called.
 *
 * - new key: the hold is stored `open` with its `null → open` audit event;
 * - key exists and the hold is orphaned: the transfer is back in a canonical block, so the
 *   hold is reopened to the state it had before (audit reason `transaction mined again in
 *   block #N <hash>`) and moved to that block;
 * - key exists otherwise: nothing changes.
 *
 * The caller passes matches from canonical blocks only. Throws `NotAHoldMatch` for an `alert`
 * list or a transfer no account owns: those are routed to on-call alerts, not here.
 */
export async function raiseHold(repo: HoldsRepo, match: Match, confirmations: number): Promise<RaisedHold> {
  const draft = holdFromMatch(match, confirmations);
  const { hold, created } = await repo.insertHoldIfAbsent(draft);
  if (created || hold.state !== 'orphaned') return { hold, created, reopened: false };
  const reopened = await reopenHold(repo, hold.id, {
    number: draft.blockNumber,
    hash: draft.blockHash,
    confirmations: draft.confirmations,
  });
  return { hold: reopened.hold, created: false, reopened: reopened.reopened };
}
