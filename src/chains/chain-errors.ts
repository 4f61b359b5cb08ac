import type { BlockHash } from '../domain/block.js';

/**
 * No endpoint knows the block any more (a hash reorged away) or yet (a height above the head),
 * for any chain family. For `transfers(block)` this is how a reorg shows: follow the chain
 * again from its head.
 */
export class BlockUnavailable extends Error {
  override readonly name = 'BlockUnavailable';
  /** True when configuration must fix it (every node pruned the block), not a reorg or a lagging node. */
  readonly permanent: boolean;
  readonly fix: string | undefined;
  constructor(
    readonly chain: string,
    readonly block: { readonly number?: bigint; readonly hash?: BlockHash | string },
    detail: string,
    options: { readonly permanent?: boolean; readonly fix?: string } = {},
  ) {
    const where = [block.number === undefined ? '' : `#${block.number}`, block.hash ?? ''].filter(Boolean).join(' ');
    super(`${chain}: block ${where} is not available from any endpoint (${detail})`);
    this.permanent = options.permanent ?? false;
    this.fix = options.fix;
  }
}
