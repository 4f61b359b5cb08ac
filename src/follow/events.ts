import type { BlockRef } from '../domain/block.js';
import type { Transfer } from '../domain/transfer.js';

/**
 * Blocks that are no longer canonical, and the newest block that still is.
 * `orphaned` is OLDEST FIRST (ascending block number): `orphaned[0]` is the child of
 * `forkPoint`, the last entry is the newest block that had been handed on. Undo in reverse.
 */
export interface ReorgEvent {
  readonly type: 'reorg';
  readonly orphaned: readonly BlockRef[];
  readonly forkPoint: BlockRef;
}

/** `block` and every block handed on below it are final: they will not be reorged any more. */
export interface FinalizedEvent {
  readonly type: 'finalized';
  readonly block: BlockRef;
}

/** What the pure core decides: a block to hand on, before its transfers are fetched. */
export interface NewBlock {
  readonly type: 'block';
  readonly block: BlockRef;
}

export type ReconcileEvent = NewBlock | ReorgEvent | FinalizedEvent;

/** A canonical block with every transfer in it, in chain order. */
export interface BlockEvent {
  readonly type: 'block';
  readonly block: BlockRef;
  readonly transfers: readonly Transfer[];
}

/** What the follower hands to its consumer, strictly in order. */
export type FollowEvent = BlockEvent | ReorgEvent | FinalizedEvent;
