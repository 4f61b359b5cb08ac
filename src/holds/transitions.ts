/**
 * Moving holds between states: a person releasing or confirming one, Cordon orphaning holds
 * whose block was reorged out and reopening one whose transaction came back. The rules are
 * `domain/hold.ts`; this applies them to stored holds, one guarded update and audit event each.
 */
import {
  minedAgainReason,
  requireTransition,
  stateBeforeOrphan,
  type HoldAction,
  type HoldState,
} from '../domain/hold.js';
import { HoldNotFound, HoldStateConflict } from '../store/errors.js';
import { CORDON_ACTOR, type HoldEvent, type HoldsRepo, type StoredHold } from '../store/holds-repo.js';

/** A hold by numeric id or by hold key. */
export type HoldRef = number | string;

export interface TransitionResult {
  readonly hold: StoredHold;
  readonly event: HoldEvent;
}

/** How often a guarded move is re-tried when another writer changed the hold in between. */
const CONFLICT_RETRIES = 3;

async function loadHold(repo: HoldsRepo, ref: HoldRef): Promise<StoredHold> {
  const hold = await repo.getHold(ref);
  if (hold === null) throw new HoldNotFound(ref);
  return hold;
}

/**
 * Applies `action` to the hold as it is now. If another writer moves it between the read and
 * the guarded update, reads it again and decides again, so the refusal (if any) names the
 * state it really is in.
 */
async function applyAction(
  repo: HoldsRepo,
  ref: HoldRef,
  action: HoldAction,
  actor: string,
  reason: string | null,
): Promise<TransitionResult> {
  const who = { actor: actor.trim(), reason: reason === null ? null : reason.trim() || null };
  for (let attempt = 1; ; attempt++) {
    const hold = await loadHold(repo, ref);
    const to = requireTransition(hold.id, hold.state, action, who);
    try {
      return await repo.transitionHold(hold.id, { expectedFrom: hold.state, to, actor: who.actor, reason: who.reason });
    } catch (err) {
      if (!(err instanceof HoldStateConflict) || attempt >= CONFLICT_RETRIES) throw err;
    }
  }
}

/** open → released. A reason is required (it is the analyst's justification in the audit trail). */
export function releaseHold(repo: HoldsRepo, ref: HoldRef, actor: string, reason: string): Promise<TransitionResult> {
  return applyAction(repo, ref, 'release', actor, reason);
}

/** open → confirmed: the match is a real sanctioned counterparty and the funds stay frozen. */
export function confirmHold(repo: HoldsRepo, ref: HoldRef, actor: string, reason?: string): Promise<TransitionResult> {
  return applyAction(repo, ref, 'confirm', actor, reason ?? null);
}

export interface OrphanedHold {
  readonly hold: StoredHold;
  /** The state it had: on-call treats an orphaned `confirmed` hold as the most urgent. */
  readonly previousState: HoldState;
  readonly event: HoldEvent;
}

/**
 * Marks every hold whose transaction was in `blockHash` on `chain` as orphaned (the pipeline
 * calls this for each block a reorg removed) and returns them so on-call can be told.
 * Idempotent: holds already orphaned, or moved to another block meanwhile, are left alone.
 */
export async function orphanHoldsInBlock(
  repo: HoldsRepo,
  chain: string,
  blockHash: string,
  reason: string,
): Promise<OrphanedHold[]> {
  const orphaned: OrphanedHold[] = [];
  for (const candidate of await repo.holdsInBlock(chain, blockHash)) {
    for (let attempt = 1; ; attempt++) {
      const hold = attempt === 1 ? candidate : await loadHold(repo, candidate.id);
      if (hold.state === 'orphaned' || hold.chain !== chain || hold.blockHash !== blockHash) break;
      const to = requireTransition(hold.id, hold.state, 'orphan', { actor: CORDON_ACTOR, reason });
      try {
        const { hold: after, event } = await repo.transitionHold(hold.id, {
          expectedFrom: hold.state,
          to,
          actor: CORDON_ACTOR,
          reason,
        });
        orphaned.push({ hold: after, previousState: hold.state, event });
        break;
      } catch (err) {
        if (!(err instanceof HoldStateConflict) || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }
  return orphaned;
}

/** The canonical block a transaction was seen in again. */
export interface SeenInBlock {
  readonly number: bigint;
  readonly hash: string;
  readonly confirmations: number;
}

/**
 * orphaned → the state it had before (normally open), moving the hold to the block its
 * transaction was mined in again, with the audit event in the same transaction. Returns
 * `reopened: false` if the hold is not orphaned (e.g. another worker reopened it first).
 */
export async function reopenHold(
  repo: HoldsRepo,
  ref: HoldRef,
  block: SeenInBlock,
): Promise<{ hold: StoredHold; reopened: boolean }> {
  const reason = minedAgainReason(block);
  for (let attempt = 1; ; attempt++) {
    const hold = await loadHold(repo, ref);
    if (hold.state !== 'orphaned') return { hold, reopened: false };
    const restoreTo = stateBeforeOrphan(await repo.holdEvents(hold.id));
    const to = requireTransition(hold.id, hold.state, 'reopen', { actor: CORDON_ACTOR, reason }, restoreTo);
    try {
      const { hold: after } = await repo.transitionHoldToBlock(
        hold.id,
        { expectedFrom: 'orphaned', to, actor: CORDON_ACTOR, reason },
        block,
      );
      return { hold: after, reopened: true };
    } catch (err) {
      if (!(err instanceof HoldStateConflict) || attempt >= CONFLICT_RETRIES) throw err;
    }
  }
}
