import type { BlockHash } from '../../domain/block.js';

/**
 * No endpoint knows the block any more (a hash reorged away) or yet (a height above the head).
 * For `transfers(block)` this is how a reorg shows: follow the chain again from its head.
 */
export class BlockUnavailable extends Error {
  override readonly name = 'BlockUnavailable';
  constructor(
    readonly chain: string,
    readonly block: { readonly number?: bigint; readonly hash?: BlockHash | string },
    detail: string,
  ) {
    const where = [block.number === undefined ? '' : `#${block.number}`, block.hash ?? ''].filter(Boolean).join(' ');
    super(`${chain}: block ${where} is not available from any endpoint (${detail})`);
  }
}

/** A range's blocks do not link by parent hash even after refetching: the chain reorganised during the fetch. */
export class RangeNotLinked extends Error {
  override readonly name = 'RangeNotLinked';
  constructor(
    readonly chain: string,
    readonly number: bigint,
    readonly parentHash: string,
    readonly previousHash: string,
  ) {
    super(`${chain}: block #${number} names parent ${parentHash}, but #${number - 1n} is ${previousHash}; the chain reorganised during the fetch. Retry the range.`);
  }
}
