import type { BlockHash } from '../domain/block.js';

/**
 * Fatal: the chain reorganised deeper than Cordon keeps (`reorgDepth`), or below a block already
 * reported final. Following stops; the blocks handed on can no longer be retracted precisely.
 * `depth` is a lower bound when the fork point lies below the kept window.
 */
export class ReorgTooDeep extends Error {
  constructor(
    readonly chain: string,
    readonly depth: number,
    readonly limit: number,
    /** The lowest block number compared while looking for the fork point. */
    readonly forkSearchedTo: bigint,
  ) {
    super(
      `${chain}: reorg of at least ${depth} blocks exceeds the limit of ${limit} ` +
        `(fork point searched down to #${forkSearchedTo}); following stopped. ` +
        `Review holds for blocks above #${forkSearchedTo}, then reset the cursor to resume.`,
    );
    this.name = 'ReorgTooDeep';
  }
}

/**
 * Fatal: the stored cursor names a block the node does not know (pruned orphan, or another
 * chain behind the endpoint). Following cannot tell which blocks to retract.
 */
export class CursorBlockUnknown extends Error {
  constructor(
    readonly chain: string,
    readonly number: bigint,
    readonly hash: string,
  ) {
    super(
      `${chain}: cursor block #${number} ${hash} is unknown to the node; check the endpoint serves ` +
        `this chain, or reset the cursor to a canonical block to resume.`,
    );
    this.name = 'CursorBlockUnknown';
  }
}

/** Retryable: the node answered with a block other than the one asked for. */
export class InconsistentBlock extends Error {
  constructor(
    readonly chain: string,
    readonly asked: bigint | BlockHash,
    readonly got: { readonly number: bigint; readonly hash: string },
  ) {
    super(`${chain}: asked for block ${String(asked)}, node answered #${got.number} ${got.hash}; retrying`);
    this.name = 'InconsistentBlock';
  }
}
