import { holdFromMatch, type HoldBasis, type NewHold } from '../domain/hold.js';
import type { Match } from '../domain/match.js';
import type { BlocksRepo } from '../store/blocks-repo.js';
import type { Store } from '../store/store.js';
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

/**
 * `raiseHold` for several matches: the new holds and their audit events in one statement
 * (`insertHoldsIfAbsent`, in hold-key order so two jobs writing some of the same holds cannot
 * deadlock); an orphaned hold found among them is reopened as `raiseHold` does. Results in
 * the order of `items`; a key given twice is created once.
 */
export async function raiseHolds(repo: HoldsRepo, items: readonly { readonly match: Match; readonly confirmations: number }[]): Promise<RaisedHold[]> {
  // Loops, not callbacks made per call: see `insertParams` in store/holds-repo.ts.
  const drafts: NewHold[] = [];
  const unique = new Map<string, NewHold>();
  for (const { match, confirmations } of items) {
    const draft = holdFromMatch(match, confirmations);
    drafts.push(draft);
    unique.set(draft.holdKey, draft);
  }
  const stored = new Map<string, { hold: StoredHold; created: boolean }>();
  for (const r of await repo.insertHoldsIfAbsent([...unique.values()].sort(byHoldKey))) stored.set(r.hold.holdKey, r);
  const out: RaisedHold[] = [];
  const first = new Map<string, RaisedHold>();
  for (const draft of drafts) {
    const again = first.get(draft.holdKey);
    if (again !== undefined) {
      out.push({ hold: again.hold, created: false, reopened: false });
      continue;
    }
    const r = stored.get(draft.holdKey);
    if (r === undefined) throw new Error(`hold ${draft.holdKey} was neither stored nor found`);
    let raised: RaisedHold = { hold: r.hold, created: r.created, reopened: false };
    if (!r.created && r.hold.state === 'orphaned') {
      const reopened = await reopenHold(repo, r.hold.id, { number: draft.blockNumber, hash: draft.blockHash, confirmations: draft.confirmations });
      raised = { hold: reopened.hold, created: false, reopened: reopened.reopened };
    }
    first.set(draft.holdKey, raised);
    out.push(raised);
  }
  return out;
}

const byHoldKey = (a: NewHold, b: NewHold): number => (a.holdKey < b.holdKey ? -1 : a.holdKey > b.holdKey ? 1 : 0);

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

/**
 * `raiseHoldInCanonicalBlock` for the matches of one act job (one chain), with the orphaned-block
 * checks made once for all of them instead of twice per match: one query before the writes,
 * one after them for the blocks of the holds just created (whichever of this and a reorg's
 * orphaning runs second still sees the other's result), one for the blocks of existing holds
 * found on another block. Results in the order of `items`.
 */
export async function raiseHoldsInCanonicalBlocks(
  repos: { readonly holds: HoldsRepo; readonly blocks: BlocksRepo } & Pick<Store, 'transaction'>,
  items: readonly { readonly match: Match; readonly confirmations: number }[],
): Promise<CanonicalRaise[]> {
  const chains = new Set<string>();
  const blockHashes: string[] = [];
  for (const { match } of items) {
    chains.add(match.transfer.chain);
    blockHashes.push(match.transfer.blockHash);
  }
  if (chains.size > 1) throw new RangeError(`raiseHoldsInCanonicalBlocks: one chain at a time, got ${[...chains].join(', ')}`);
  const chain = items[0]?.match.transfer.chain;
  if (chain === undefined) return [];
  const orphanedBefore = await repos.blocks.orphanedAmong(chain, blockHashes);
  // The writes in one transaction (one commit); the checks after it see what it committed.
  const raised = await repos.transaction((tx) => raiseAmongOrphaned(tx.holds, items, orphanedBefore));
  const createdIn: string[] = [];
  const elsewhere: string[] = [];
  for (let i = 0; i < raised.length; i++) {
    const r = raised[i] as RaisedHold | CanonicalRaise;
    const blockHash = blockHashes[i] as string;
    if (!isCanonical(r)) continue;
    if (r.created) createdIn.push(blockHash);
    else if (!r.reopened && r.hold.blockHash !== blockHash) elsewhere.push(r.hold.blockHash);
  }
  const orphanedAfter = await repos.blocks.orphanedAmong(chain, createdIn);
  const orphanedElsewhere = await repos.blocks.orphanedAmong(chain, elsewhere);
  const out: CanonicalRaise[] = [];
  for (const [i, r] of raised.entries()) {
    const { match, confirmations } = items[i] as (typeof items)[number];
    const blockHash = match.transfer.blockHash;
    if (!isCanonical(r)) out.push(r);
    else if (r.created && orphanedAfter.has(blockHash)) {
      const [orphaned] = await orphanHoldsInBlock(repos.holds, chain, blockHash, orphanReason(match.transfer.blockNumber, blockHash));
      out.push({ hold: orphaned?.hold ?? r.hold, created: true, reopened: false, blockOrphaned: true, moved: false });
    } else if (!r.created && !r.reopened && r.hold.blockHash !== blockHash && orphanedElsewhere.has(r.hold.blockHash)) {
      // Rare (a reorg moved the transfer): the single-match path settles it, races included.
      out.push(await raiseHoldInCanonicalBlock(repos, match, confirmations));
    } else out.push({ ...r, blockOrphaned: false, moved: false });
  }
  return out;
}

/** Raised on a canonical block (a `CanonicalRaise` says the block was orphaned already). */
const isCanonical = (r: RaisedHold | CanonicalRaise): r is RaisedHold => !('blockOrphaned' in r);

/** The holds of the matches outside `orphaned` blocks raised, the others only looked up; in the order of `items`. */
async function raiseAmongOrphaned(
  holds: HoldsRepo,
  items: readonly { readonly match: Match; readonly confirmations: number }[],
  orphaned: ReadonlySet<string>,
): Promise<(RaisedHold | CanonicalRaise)[]> {
  const out = new Array<RaisedHold | CanonicalRaise>(items.length);
  const canonical: number[] = [];
  const toRaise: { readonly match: Match; readonly confirmations: number }[] = [];
  for (const [i, item] of items.entries()) {
    if (!orphaned.has(item.match.transfer.blockHash)) {
      canonical.push(i);
      toRaise.push(item);
    } else out[i] = { hold: await holds.getHold(holdFromMatch(item.match, item.confirmations).holdKey), created: false, reopened: false, blockOrphaned: true, moved: false };
  }
  const held = await raiseHolds(holds, toRaise);
  for (let k = 0; k < canonical.length; k++) out[canonical[k] as number] = held[k] as RaisedHold;
  return out;
}

export function orphanReason(number: bigint, hash: string): string {
  return `block #${number} ${hash} was reorged out of the chain`;
}
