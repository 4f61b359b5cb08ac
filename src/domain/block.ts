/** A block hash as the chain's node gives it, lower-case hex with 0x (EVM) or without (Bitcoin). */
export type BlockHash = string & { readonly __brand: 'BlockHash' };

export function blockHash(raw: string): BlockHash {
  const h = raw.toLowerCase();
  if (!/^(0x)?[0-9a-f]{64}$/.test(h)) throw new Error(`not a block hash: ${raw}`);
  return h as BlockHash;
}

/** Enough of a block to follow a chain: where it is and what it builds on. */
export interface BlockRef {
  readonly number: bigint;
  readonly hash: BlockHash;
  readonly parentHash: BlockHash;
  /** Unix seconds. */
  readonly timestamp: number;
}

export function describeBlock(ref: Pick<BlockRef, 'number' | 'hash'>): string {
  return `#${ref.number} ${ref.hash}`;
}
