/**
 * An in-memory chain for follower tests that need no node: blocks with deterministic hashes,
 * reorgs on demand, remembered orphans (like a node that still serves them by hash), one
 * native transfer per block, and injectable failures.
 */
import { createHash } from 'node:crypto';
import type { ChainSource } from '../../src/chains/chain-source.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { blockHash, type BlockHash, type BlockRef } from '../../src/domain/block.js';
import type { Transfer } from '../../src/domain/transfer.js';
import type { ChainCursor, CursorsRepo } from '../../src/store/cursors-repo.js';

const SENDER = '0x1111111111111111111111111111111111111111' as NormalisedAddress;
const RECEIVER = '0x2222222222222222222222222222222222222222' as NormalisedAddress;

export class FakeChain implements ChainSource {
  readonly family = 'evm' as const;
  readonly canonical: BlockRef[] = [];
  readonly byHash = new Map<string, BlockRef>();
  /** Calls to fail next, by method name (each failure consumes one). */
  readonly failures = new Map<string, number>();
  private branch = 0;
  private headListeners = new Set<(head: BlockRef) => void>();

  constructor(
    readonly chain = 'fake',
    genesisTo = 0n,
  ) {
    this.extendTo(genesisTo);
  }

  get tip(): BlockRef {
    const tip = this.canonical[this.canonical.length - 1];
    if (!tip) throw new Error('fake chain is empty');
    return tip;
  }

  /** Appends `count` blocks to the canonical chain. */
  mine(count = 1): BlockRef[] {
    const start = this.canonical.length;
    this.extendTo(BigInt(start + count - 1));
    const mined = this.canonical.slice(start);
    for (const listener of this.headListeners) listener(this.tip);
    return mined;
  }

  /** Replaces the newest `depth` blocks with new ones (and optionally adds more on top). */
  reorg(depth: number, extra = 0): { orphaned: BlockRef[]; replacements: BlockRef[] } {
    const orphaned = this.canonical.splice(this.canonical.length - depth, depth);
    this.branch++;
    const forkLength = this.canonical.length;
    this.extendTo(BigInt(forkLength + depth + extra - 1));
    return { orphaned, replacements: this.canonical.slice(forkLength) };
  }

  private extendTo(number: bigint): void {
    for (let n = BigInt(this.canonical.length); n <= number; n++) {
      const parent = this.canonical[this.canonical.length - 1];
      const hash = blockHash(`0x${createHash('sha256').update(`${this.chain}:${this.branch}:${n}`).digest('hex')}`);
      const block: BlockRef = {
        number: n,
        hash,
        parentHash: parent?.hash ?? blockHash(`0x${'0'.repeat(64)}`),
        timestamp: Number(n),
      };
      this.canonical.push(block);
      this.byHash.set(hash, block);
    }
  }

  private maybeFail(method: string): void {
    const left = this.failures.get(method) ?? 0;
    if (left > 0) {
      this.failures.set(method, left - 1);
      throw new Error(`fake ${method} failure`);
    }
  }

  async head(): Promise<BlockRef> {
    this.maybeFail('head');
    return this.tip;
  }

  async blockAt(number: bigint): Promise<BlockRef | null> {
    this.maybeFail('blockAt');
    return this.canonical[Number(number)] ?? null;
  }

  async blockByHash(hash: BlockHash): Promise<BlockRef | null> {
    this.maybeFail('blockByHash');
    return this.byHash.get(hash) ?? null;
  }

  async transfers(block: BlockRef): Promise<Transfer[]> {
    this.maybeFail('transfers');
    return [
      {
        chain: this.chain,
        blockNumber: block.number,
        blockHash: block.hash,
        txHash: `0x${block.hash.slice(2, 66)}`,
        position: 'tx',
        kind: 'native',
        asset: { kind: 'native' },
        from: SENDER,
        to: RECEIVER,
        amount: block.number,
        txFrom: SENDER,
      },
    ];
  }

  subscribeHeads(onHead: (head: BlockRef) => void): () => void {
    this.headListeners.add(onHead);
    return () => this.headListeners.delete(onHead);
  }

  async close(): Promise<void> {}
}

/** Cursors kept in memory, with every write recorded. */
export function memoryCursors(): Pick<CursorsRepo, 'getCursor' | 'setCursor'> & { readonly writes: bigint[] } {
  const cursors = new Map<string, ChainCursor>();
  const writes: bigint[] = [];
  return {
    writes,
    async getCursor(chain) {
      return cursors.get(chain) ?? null;
    },
    async setCursor(chain, block) {
      const cursor = { chain, number: block.number, hash: block.hash, updatedAt: new Date() };
      cursors.set(chain, cursor);
      writes.push(block.number);
      return cursor;
    },
  };
}

/** Resolves once `predicate` holds, checking every few ms; fails after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
