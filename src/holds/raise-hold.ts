import { holdFromMatch, type HoldBasis } from '../domain/hold.js';
import type { Match } from '../domain/match.js';
import type { BlocksRepo } from '../store/blocks-repo.js';
import { HoldStateConflict } from '../store/errors.js';
import { CORDON_ACTOR, type HoldsRepo, type StoredHold } from '../store/holds-repo.js';
import { orphanHoldsInBlock, reopenHold } from './transitions.js';

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
export async function raiseHold(repo: HoldsRepo, match: Match, confirmations: number, basis?: HoldBasis): Promise<RaisedHold> {
  const draft = holdFromMatch(match, confirmations, basis);
  const { hold, created } = await repo.insertHoldIfAbsent(draft);
  if (created || hold.state !== 'orphaned') return { hold, created, reopened: false };
  const reopened = await reopenHold(repo, hold.id, {
    number: draft.blockNumber,
    hash: draft.blockHash,
    confirmations: draft.confirmations,
  });
  return { hold: reopened.hold, created: false, reopened: reopened.reopened };
}

export interface CanonicalRaise {
  /** Null when the match's block was already orphaned and no hold existed for it. */
  readonly hold: StoredHold | null;
  readonly created: boolean;
  readonly reopened: boolean;
  /** The match's block had been orphaned: the hold (if any) was left or marked orphaned. */
  readonly blockOrphaned: boolean;
  /** The hold was open on a block a reorg removed and is now moved to the match's block. */
  readonly moved: boolean;
}

/**
 * `raiseHold` for a pipeline that may see blocks late or twice around a reorg. The follower
 * records orphaned blocks before it hands a reorg on, so checking after the write closes the
 * race with the reorg's own orphaning: whichever runs second sees the other's result.
 * - a match from a block already orphaned raises nothing;
 * - a hold created for a block that turns out orphaned is orphaned at once;
 * - a hold still open on an orphaned block whose transfer is now in a canonical block moves
 *   there (same state, audited), so the reorg's sweep of the old block no longer finds it.
 */
export async function raiseHoldInCanonicalBlock(
  repos: { readonly holds: HoldsRepo; readonly blocks: BlocksRepo },
  match: Match,
  confirmations: number,
  basis?: HoldBasis,
): Promise<CanonicalRaise> {
  const { chain, blockHash } = match.transfer;
  if (await repos.blocks.isOrphaned(chain, blockHash)) {
    const existing = await repos.holds.getHold(holdFromMatch(match, confirmations).holdKey);
    return { hold: existing, created: false, reopened: false, blockOrphaned: true, moved: false };
  }
  const raised = await raiseHold(repos.holds, match, confirmations, basis);
  if (raised.created && (await repos.blocks.isOrphaned(chain, blockHash))) {
    const [orphaned] = await orphanHoldsInBlock(repos.holds, chain, blockHash, orphanReason(match.transfer.blockNumber, blockHash));
    return { hold: orphaned?.hold ?? raised.hold, created: true, reopened: false, blockOrphaned: true, moved: false };
  }
  const hold = raised.hold;
  if (!raised.created && !raised.reopened && hold.blockHash !== blockHash && (await repos.blocks.isOrphaned(chain, hold.blockHash))) {
    const reason = `transaction mined again in block #${match.transfer.blockNumber} ${blockHash} after a reorg`;
    try {
      const { hold: moved } = await repos.holds.transitionHoldToBlock(
        hold.id,
        { expectedFrom: hold.state, to: hold.state, actor: CORDON_ACTOR, reason },
        { number: match.transfer.blockNumber, hash: blockHash, confirmations },
      );
      return { hold: moved, created: false, reopened: false, blockOrphaned: false, moved: true };
    } catch (err) {
      // Another worker moved or orphaned it first; raising again settles it.
      if (!(err instanceof HoldStateConflict)) throw err;
      return { ...(await raiseHold(repos.holds, match, confirmations, basis)), blockOrphaned: false, moved: false };
    }
  }
  return { ...raised, blockOrphaned: false, moved: false };
}

export function orphanReason(number: bigint, hash: string): string {
  return `block #${number} ${hash} was reorged out of the chain`;
}
