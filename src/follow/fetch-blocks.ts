import type { ChainSource } from '../chains/chain-source.js';
import type { BlockHash, BlockRef } from '../domain/block.js';
import { InconsistentBlock } from './errors.js';

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/**
 * Canonical blocks `from`..`to`, fetched `concurrency` at a time, returned in order and cut at
 * the first height the node does not have yet. Each answer must be the height asked for.
 */
export async function fetchRange(
  source: ChainSource,
  from: bigint,
  to: bigint,
  concurrency: number,
): Promise<BlockRef[]> {
  const numbers: bigint[] = [];
  for (let n = from; n <= to; n++) numbers.push(n);
  const blocks = await mapLimit(numbers, concurrency, async (n) => {
    const block = await source.blockAt(n);
    if (block && block.number !== n) throw new InconsistentBlock(source.chain, n, block);
    return block;
  });
  const missing = blocks.indexOf(null);
  return (missing < 0 ? blocks : blocks.slice(0, missing)) as BlockRef[];
}

/** A block by hash, checked to be that block; null if the node does not know it. */
export async function fetchByHash(source: ChainSource, hash: BlockHash): Promise<BlockRef | null> {
  const block = await source.blockByHash(hash);
  if (block && block.hash !== hash) throw new InconsistentBlock(source.chain, hash, block);
  return block;
}
