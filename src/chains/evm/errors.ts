import type { BlockHash } from '../../domain/block.js';

export { BlockUnavailable } from '../chain-errors.js';

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
