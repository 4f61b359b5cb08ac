/**
 * The pure core of head following: a small state machine over the recent blocks handed on,
 * linked by parent hash. Given what the node now says is canonical, it decides which events to
 * emit (reorg, block, finalized) and what the kept window becomes. No I/O: the follower fetches
 * and calls in; tests use plain BlockRef data.
 */
import type { BlockRef } from '../domain/block.js';
import { ReorgTooDeep } from './errors.js';
import type { ReconcileEvent } from './events.js';

export interface FollowPolicy {
  /** A block is handed on once the head is this many blocks above it (0: at the tip). */
  readonly confirmations: number;
  /** A handed-on block is reported final once the head is this many blocks above it. */
  readonly finality: number;
  /** The deepest reorg that is retracted; a deeper one is fatal (ReorgTooDeep). */
  readonly reorgDepth: number;
}

export const DEFAULT_POLICY: FollowPolicy = { confirmations: 0, finality: 64, reorgDepth: 64 };

export interface FollowState {
  readonly chain: string;
  /**
   * The blocks handed on most recently, oldest first, each the parent of the next; at most
   * `windowCapacity(policy)` of them. The last one is the tip (what the cursor names). After a
   * reorg below `floor` the first one may be a fork point that was never handed on itself.
   */
  readonly window: readonly BlockRef[];
  /**
   * The first block number this follower hands on (the start block). Nothing below it was
   * handed on, so a canonical block below it is a valid fork point. 0 when resumed from a
   * cursor (the start is not known any more: every kept block counts as handed on).
   */
  readonly floor: bigint;
  /** The newest block number reported final, if any. */
  readonly finalized: bigint | null;
}

/** One emitted event and the state once it has been handed on. */
export interface Step {
  readonly event: ReconcileEvent;
  readonly state: FollowState;
}

export interface Advance {
  readonly kind: 'advance';
  /** In emission order; may be empty. */
  readonly steps: readonly Step[];
  /** The state after every step (the input state when there are none). */
  readonly state: FollowState;
}

export type ReconcileResult =
  | Advance
  | {
      /** The fork point lies below the offered blocks: fetch `of.parentHash`, prepend it, call again. */
      readonly kind: 'need-parent';
      readonly of: BlockRef;
    };

/** The planned next read from the node. */
export type FetchPlan =
  /** Canonical blocks `from`..`to` (inclusive) are due: fetch them, in order. */
  | { readonly kind: 'range'; readonly from: bigint; readonly to: bigint }
  /** Nothing new is due: fetch the canonical block at `number` to check the tip still stands. */
  | { readonly kind: 'check'; readonly number: bigint }
  /**
   * Nothing to read: the start block is not yet confirmed (`start-ahead`), or the node's head is
   * below every kept block (`node-behind`: a lagging or resyncing node, not evidence of a reorg).
   */
  | { readonly kind: 'wait'; readonly reason: 'start-ahead' | 'node-behind' };

/** Kept blocks: enough to find a fork `reorgDepth` deep, and to name the block that turns final. */
export function windowCapacity(policy: FollowPolicy): number {
  return Math.max(policy.reorgDepth, policy.finality) + 1;
}

/** A follower that has handed nothing on yet and will start at `start`. */
export function freshState(chain: string, start: bigint): FollowState {
  if (start < 0n) throw new RangeError(`${chain}: start block ${start} is negative`);
  return { chain, window: [], floor: start, finalized: null };
}

/**
 * A follower resuming from a cursor: `window` is the cursor block and its ancestors, oldest
 * first (as the node links them by parent hash), ending at the cursor block.
 */
export function resumedState(chain: string, window: readonly BlockRef[], policy: FollowPolicy): FollowState {
  if (window.length === 0) throw new Error(`${chain}: a resumed window needs at least the cursor block`);
  if (linkedPrefix(window).length !== window.length) {
    throw new Error(`${chain}: resumed window is not a linked chain of blocks`);
  }
  return { chain, window: window.slice(-windowCapacity(policy)), floor: 0n, finalized: null };
}

export function tipOf(state: FollowState): BlockRef | null {
  return state.window[state.window.length - 1] ?? null;
}

/** The number of the next block to hand on. */
export function nextNumber(state: FollowState): bigint {
  const tip = tipOf(state);
  return tip ? tip.number + 1n : state.floor;
}

/** Blocks the head has not yet confirmed are not due; `maxBatch` bounds one range. */
export function planFetch(state: FollowState, head: bigint, policy: FollowPolicy, maxBatch: number): FetchPlan {
  const due = head - BigInt(policy.confirmations);
  const next = nextNumber(state);
  if (next <= due) {
    const last = next + BigInt(Math.max(1, maxBatch)) - 1n;
    return { kind: 'range', from: next, to: last < due ? last : due };
  }
  const tip = tipOf(state);
  const oldest = state.window[0];
  if (!tip || !oldest) return { kind: 'wait', reason: 'start-ahead' };
  if (head < oldest.number) return { kind: 'wait', reason: 'node-behind' };
  return { kind: 'check', number: tip.number < head ? tip.number : head };
}

/**
 * Reconciles the kept window with `segment`: consecutive canonical blocks, oldest first, as the
 * node just answered (a break in their linkage — the node reorged while being read — cuts the
 * segment there; the rest is read again next round). `head` is the node's head number.
 *
 * Emits, in order: a `reorg` if kept blocks are no longer canonical (the orphaned blocks, oldest
 * first, and the fork point); a `block` for each new canonical block the head has confirmed;
 * a `finalized` for the newest handed-on block that turned final.
 *
 * Throws ReorgTooDeep when the fork point lies more than `reorgDepth` blocks below the tip,
 * below the kept window, or below a block already reported final.
 */
export function reconcile(
  state: FollowState,
  offered: readonly BlockRef[],
  head: bigint,
  policy: FollowPolicy,
): ReconcileResult {
  const segment = linkedPrefix(offered);
  const link = findLink(state, segment, policy);
  if (link.kind === 'need-parent') return link;

  const steps: Step[] = [];
  let current = state;
  const push = (event: ReconcileEvent, next: FollowState): void => {
    steps.push({ event, state: next });
    current = next;
  };

  if (link.kind === 'fork') {
    const { forkPoint, orphaned } = link;
    const tip = tipOf(state);
    if (tip && orphaned.length > 0) {
      const depth = Number(tip.number - forkPoint.number);
      if (depth > policy.reorgDepth) throw new ReorgTooDeep(state.chain, depth, policy.reorgDepth, forkPoint.number);
      if (state.finalized !== null && forkPoint.number < state.finalized) {
        throw new ReorgTooDeep(state.chain, depth, Number(tip.number - state.finalized), forkPoint.number);
      }
    }
    const kept = state.window.filter((b) => b.number <= forkPoint.number);
    const window = kept.length > 0 && kept[kept.length - 1]?.hash === forkPoint.hash ? kept : [...kept, forkPoint];
    if (orphaned.length > 0) push({ type: 'reorg', orphaned, forkPoint }, { ...current, window });
  }

  const due = head - BigInt(policy.confirmations);
  const capacity = windowCapacity(policy);
  for (const block of segment.slice(link.firstNew)) {
    if (block.number > due) break;
    const window = [...current.window, block].slice(-capacity);
    push({ type: 'block', block }, { ...current, window });
  }

  const finalTarget = head - BigInt(policy.finality);
  const final = [...current.window]
    .reverse()
    .find((b) => b.number <= finalTarget && b.number >= current.floor);
  if (final && (current.finalized === null || final.number > current.finalized)) {
    push({ type: 'finalized', block: final }, { ...current, finalized: final.number });
  }

  return { kind: 'advance', steps, state: current };
}

type Link =
  /** `segment[firstNew..]` are new; `forkPoint` is the newest common block; `orphaned` kept blocks above it. */
  | { readonly kind: 'fork'; readonly forkPoint: BlockRef; readonly orphaned: readonly BlockRef[]; readonly firstNew: number }
  /** Nothing kept is contradicted; `segment[firstNew..]` are new. */
  | { readonly kind: 'extend'; readonly firstNew: number }
  | { readonly kind: 'need-parent'; readonly of: BlockRef };

function findLink(state: FollowState, segment: readonly BlockRef[], policy: FollowPolicy): Link {
  const first = segment[0];
  const tip = tipOf(state);
  const oldest = state.window[0];
  if (!first) return { kind: 'extend', firstNew: 0 };
  if (!tip || !oldest) {
    // Nothing handed on yet: the start block needs no parent check.
    const firstNew = segment.findIndex((b) => b.number >= state.floor);
    if (firstNew < 0) return { kind: 'extend', firstNew: segment.length };
    if (segment[firstNew]?.number !== state.floor) throw gap(state, segment[firstNew] ?? first);
    return { kind: 'extend', firstNew };
  }
  if (first.number > tip.number + 1n) throw gap(state, first);

  const orphanedAbove = (n: bigint): BlockRef[] =>
    state.window.filter((b) => b.number > n && b.number >= state.floor);

  // The newest offered block that we already hold is a common ancestor.
  for (let i = segment.length - 1; i >= 0; i--) {
    const b = segment[i];
    if (b && keptAt(state, b.number)?.hash === b.hash) {
      const after = segment[i + 1];
      // Kept blocks above it are orphaned only if the node now has another block at that height.
      if (!after || after.number > tip.number) return { kind: 'extend', firstNew: i + 1 };
      return { kind: 'fork', forkPoint: b, orphaned: orphanedAbove(b.number), firstNew: i + 1 };
    }
  }

  const parentNumber = first.number - 1n;
  if (parentNumber >= oldest.number) {
    const parent = keptAt(state, parentNumber);
    if (parent?.hash !== first.parentHash) return { kind: 'need-parent', of: first };
    return { kind: 'fork', forkPoint: parent, orphaned: orphanedAbove(parent.number), firstNew: 0 };
  }
  // Below the kept window. Below the start block every canonical block is a valid fork point.
  if (first.number < state.floor) {
    return { kind: 'fork', forkPoint: first, orphaned: orphanedAbove(first.number), firstNew: 1 };
  }
  if (first.number === state.floor && oldest.number === state.floor && state.floor > 0n) {
    return { kind: 'need-parent', of: first };
  }
  // A window not yet full (resumed near genesis, or an ancestor the node no longer had) looks less deep.
  const limit = Math.min(policy.reorgDepth, state.window.length - 1);
  throw new ReorgTooDeep(state.chain, Number(tip.number - parentNumber), limit, oldest.number);
}

function keptAt(state: FollowState, number: bigint): BlockRef | undefined {
  const oldest = state.window[0];
  if (!oldest || number < oldest.number) return undefined;
  return state.window[Number(number - oldest.number)];
}

function gap(state: FollowState, block: BlockRef): Error {
  return new Error(
    `${state.chain}: offered block #${block.number} does not follow the next expected #${nextNumber(state)} (a follower bug)`,
  );
}

/** The longest prefix whose blocks are consecutive and each the parent of the next. */
export function linkedPrefix(blocks: readonly BlockRef[]): readonly BlockRef[] {
  for (let i = 1; i < blocks.length; i++) {
    const prev = blocks[i - 1];
    const b = blocks[i];
    if (!prev || !b || b.number !== prev.number + 1n || b.parentHash !== prev.hash) return blocks.slice(0, i);
  }
  return blocks;
}
