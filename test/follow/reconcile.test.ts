import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blockHash, type BlockHash, type BlockRef } from '../../src/domain/block.js';
import { ReorgTooDeep } from '../../src/follow/errors.js';
import type { ReconcileEvent } from '../../src/follow/events.js';
import {
  freshState,
  planFetch,
  reconcile,
  resumedState,
  tipOf,
  type FollowPolicy,
  type FollowState,
} from '../../src/follow/reconcile.js';

const CHAIN = 'testchain';

/** A deterministic hash for block `n` on branch `branch`. */
function h(branch: string, n: bigint): BlockHash {
  return blockHash(`0x${createHash('sha256').update(`${branch}:${n}`).digest('hex')}`);
}

/** Blocks `from`..`to` of `branch`; the first one's parent is `parent` (default: same branch). */
function chain(branch: string, from: bigint, to: bigint, parent?: BlockHash): BlockRef[] {
  const out: BlockRef[] = [];
  for (let n = from; n <= to; n++) {
    const prev = out[out.length - 1];
    out.push({
      number: n,
      hash: h(branch, n),
      parentHash: prev ? prev.hash : (parent ?? h(branch, n - 1n)),
      timestamp: Number(n) * 12,
    });
  }
  return out;
}

function policy(p: Partial<FollowPolicy> = {}): FollowPolicy {
  return { confirmations: 0, finality: 100, reorgDepth: 8, ...p };
}

/** Reconciles like the follower: fetches missing ancestors from `known` until the fork is found. */
function run(
  state: FollowState,
  segment: readonly BlockRef[],
  head: bigint,
  pol: FollowPolicy,
  known: readonly BlockRef[] = [],
): { events: ReconcileEvent[]; state: FollowState; parentsFetched: number } {
  let offered = [...segment];
  for (let parentsFetched = 0; parentsFetched < 1_000; parentsFetched++) {
    const result = reconcile(state, offered, head, pol);
    if (result.kind === 'advance') {
      return { events: result.steps.map((s) => s.event), state: result.state, parentsFetched };
    }
    const parent = known.find((b) => b.hash === result.of.parentHash);
    if (!parent) throw new Error(`test: no block with hash ${result.of.parentHash}`);
    offered = [parent, ...offered];
  }
  throw new Error('test: parent search did not end');
}

/** A follower that has handed on `blocks` (started at the first one). */
function following(blocks: readonly BlockRef[], pol: FollowPolicy): FollowState {
  const first = blocks[0];
  if (!first) throw new Error('test: no blocks');
  const last = blocks[blocks.length - 1] ?? first;
  return run(freshState(CHAIN, first.number), blocks, last.number, pol).state;
}

const numbers = (blocks: readonly BlockRef[]): bigint[] => blocks.map((b) => b.number);
const describeEvents = (events: readonly ReconcileEvent[]): string[] =>
  events.map((e) =>
    e.type === 'reorg'
      ? `reorg ${e.orphaned.map((b) => b.hash.slice(0, 6)).join(',')} -> ${e.forkPoint.number}`
      : `${e.type} ${e.block.number}`,
  );

describe('reconcile: linear growth', () => {
  it('hands on each new block in order, starting at the start block without a parent check', () => {
    const pol = policy();
    const a = chain('a', 10n, 15n);
    const first = run(freshState(CHAIN, 10n), a.slice(0, 3), 12n, pol);
    expect(first.events).toEqual(a.slice(0, 3).map((block) => ({ type: 'block', block })));

    const second = run(first.state, a.slice(3), 15n, pol);
    expect(second.events).toEqual(a.slice(3).map((block) => ({ type: 'block', block })));
    expect(tipOf(second.state)).toEqual(a[5]);
    expect(numbers(second.state.window)).toEqual([10n, 11n, 12n, 13n, 14n, 15n]);
  });

  it('keeps only the last reorgDepth + 1 blocks (the deepest fork point and the blocks above it)', () => {
    const pol = policy({ reorgDepth: 3, finality: 0 });
    const state = following(chain('a', 0n, 20n), pol);
    expect(numbers(state.window)).toEqual([17n, 18n, 19n, 20n]);
  });

  it('re-offering blocks already handed on emits nothing', () => {
    const pol = policy();
    const a = chain('a', 10n, 14n);
    const state = following(a, pol);
    expect(run(state, a.slice(2), 14n, pol).events).toEqual([]);
    expect(run(state, [], 14n, pol).events).toEqual([]);
  });

  it('cuts an offered range at a break in parent linkage (the node reorged while being read)', () => {
    const pol = policy();
    const state = following(chain('a', 10n, 12n), pol);
    const a = chain('a', 13n, 14n);
    const torn = [...a, ...chain('b', 15n, 16n)]; // b15's parent is b14, not a14
    expect(describeEvents(run(state, torn, 16n, pol).events)).toEqual(['block 13', 'block 14']);
  });

  it('refuses a range that skips blocks (that would be a follower bug, never a silent gap)', () => {
    const pol = policy();
    const state = following(chain('a', 10n, 12n), pol);
    expect(() => reconcile(state, chain('a', 14n, 15n), 15n, pol)).toThrow(/does not follow the next expected #13/);
  });
});

describe('reconcile: reorgs', () => {
  it('a one-block reorg names the orphaned block and the fork point, then hands on the replacement', () => {
    const pol = policy();
    const a = chain('a', 10n, 14n);
    const state = following(a, pol);
    const b14 = chain('b', 14n, 14n, h('a', 13n));
    const out = run(state, b14, 14n, pol);
    expect(out.events).toEqual([
      { type: 'reorg', orphaned: [a[4]], forkPoint: a[3] },
      { type: 'block', block: b14[0] },
    ]);
    expect(numbers(out.state.window)).toEqual([10n, 11n, 12n, 13n, 14n]);
    expect(tipOf(out.state)?.hash).toBe(h('b', 14n));
  });

  it('a three-block reorg found from the next block walks parents back to the fork point', () => {
    const pol = policy();
    const a = chain('a', 10n, 14n);
    const state = following(a, pol);
    const b = chain('b', 12n, 15n, h('a', 11n)); // replaces 12, 13, 14 and adds 15
    const out = run(state, b.slice(-1), 15n, pol, b);
    expect(out.parentsFetched).toBe(3);
    const [reorg, ...rest] = out.events;
    expect(reorg).toEqual({ type: 'reorg', orphaned: [a[2], a[3], a[4]], forkPoint: a[1] });
    expect(rest).toEqual(b.map((block) => ({ type: 'block', block })));
  });

  it('orphaned blocks are listed oldest first', () => {
    const pol = policy();
    const state = following(chain('a', 10n, 14n), pol);
    const b = chain('b', 12n, 14n, h('a', 11n));
    const [reorg] = run(state, b, 14n, pol).events;
    expect(reorg?.type === 'reorg' && numbers(reorg.orphaned)).toEqual([12n, 13n, 14n]);
  });

  it('a reorg to a shorter chain is found by checking the tip height against the head', () => {
    const pol = policy();
    const state = following(chain('a', 10n, 14n), pol);
    const b13 = chain('b', 13n, 13n, h('a', 12n));
    const plan = planFetch(state, 13n, pol, 10);
    expect(plan).toEqual({ kind: 'check', number: 13n });
    expect(describeEvents(run(state, b13, 13n, pol).events)).toEqual([
      `reorg ${h('a', 13n).slice(0, 6)},${h('a', 14n).slice(0, 6)} -> 12`,
      'block 13',
    ]);
  });

  it('a node whose head is below our tip but agrees with us is not a reorg', () => {
    const pol = policy();
    const a = chain('a', 10n, 14n);
    const state = following(a, pol);
    expect(run(state, a.slice(3, 4), 13n, pol).events).toEqual([]);
    expect(planFetch(state, 3n, pol, 10)).toEqual({ kind: 'wait', reason: 'node-behind' });
  });

  it('a reorg that replaces the start block itself names the new parent of the start as fork point', () => {
    const pol = policy();
    const a = chain('a', 10n, 12n);
    const state = following(a, pol);
    const b = chain('b', 9n, 13n, h('a', 8n));
    const out = run(state, b.slice(-1), 13n, pol, b);
    expect(out.events[0]).toEqual({ type: 'reorg', orphaned: a, forkPoint: b[0] });
    expect(describeEvents(out.events.slice(1))).toEqual(['block 10', 'block 11', 'block 12', 'block 13']);
  });

  it('a reorg of exactly reorgDepth blocks is retracted', () => {
    const pol = policy({ reorgDepth: 4, finality: 4 });
    const a = chain('a', 0n, 20n);
    const state = following(a, pol);
    const b = chain('b', 17n, 21n, h('a', 16n));
    const [reorg] = run(state, b.slice(-1), 21n, pol, b).events;
    expect(reorg).toEqual({ type: 'reorg', orphaned: a.slice(17), forkPoint: a[16] });
  });

  it('a reorg deeper than reorgDepth is fatal: ReorgTooDeep names the chain, depth, limit and search floor', () => {
    const pol = policy({ reorgDepth: 4, finality: 4 });
    const state = following(chain('a', 0n, 20n), pol);
    const b = chain('b', 15n, 21n, h('a', 14n));
    let caught: unknown;
    try {
      run(state, b.slice(-1), 21n, pol, b);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ReorgTooDeep);
    expect(caught).toMatchObject({ chain: CHAIN, depth: 5, limit: 4, forkSearchedTo: 16n });
  });

  it('a reorg deeper than reorgDepth is fatal even when the window still holds the fork point', () => {
    // finality 6 keeps 7 blocks so the finalized block can be named; reorgDepth stays the limit.
    const pol = policy({ reorgDepth: 4, finality: 6 });
    const a = chain('a', 0n, 20n);
    const state = following(a, pol);
    const b = chain('b', 16n, 20n, h('a', 15n));
    expect(() => run(state, b.slice(-1), 20n, pol, b)).toThrow(ReorgTooDeep);
  });

  it('a reorg below a block already reported final is fatal', () => {
    const pol = policy({ reorgDepth: 8, finality: 2 });
    const state = following(chain('a', 10n, 16n), pol);
    expect(state.finalized).toBe(14n);
    const b = chain('b', 14n, 16n, h('a', 13n));
    expect(() => run(state, b.slice(-1), 16n, pol, b)).toThrow(ReorgTooDeep);
  });

  it('a resumed follower finds a reorg of its cursor block against the kept ancestors', () => {
    const pol = policy();
    const a = chain('a', 0n, 14n);
    const state = resumedState(CHAIN, a.slice(5), pol);
    const b = chain('b', 13n, 14n, h('a', 12n));
    const out = run(state, b.slice(-1), 14n, pol, b);
    expect(out.events[0]).toEqual({ type: 'reorg', orphaned: a.slice(13), forkPoint: a[12] });
  });

  it('a resumed window must be a linked chain ending at the cursor', () => {
    const broken = [...chain('a', 1n, 2n), ...chain('b', 3n, 3n)];
    expect(() => resumedState(CHAIN, broken, policy())).toThrow(/not a linked chain/);
  });
});

describe('reconcile: confirmations', () => {
  it('a block is handed on only once the head is `confirmations` blocks above it', () => {
    const pol = policy({ confirmations: 2 });
    const a = chain('a', 10n, 16n);
    const start = freshState(CHAIN, 10n);
    expect(planFetch(start, 11n, pol, 10)).toEqual({ kind: 'wait', reason: 'start-ahead' });
    expect(planFetch(start, 14n, pol, 10)).toEqual({ kind: 'range', from: 10n, to: 12n });

    const first = run(start, a.slice(0, 5), 14n, pol);
    expect(describeEvents(first.events)).toEqual(['block 10', 'block 11', 'block 12']);
    expect(planFetch(first.state, 14n, pol, 10)).toEqual({ kind: 'check', number: 12n });

    const second = run(first.state, a.slice(3), 16n, pol);
    expect(describeEvents(second.events)).toEqual(['block 13', 'block 14']);
  });

  it('a reorg of handed-on blocks is reported at once, its replacements only once confirmed', () => {
    const pol = policy({ confirmations: 2 });
    const state = following(chain('a', 10n, 14n), policy());
    const b = chain('b', 14n, 15n, h('a', 13n));
    const out = run(state, b, 15n, pol);
    expect(describeEvents(out.events)).toEqual([`reorg ${h('a', 14n).slice(0, 6)} -> 13`]);
    expect(tipOf(out.state)?.number).toBe(13n);
  });

  it('fetches far-behind blocks in bounded batches, in order', () => {
    const pol = policy();
    const state = following(chain('a', 10n, 12n), pol);
    expect(planFetch(state, 1_000n, pol, 25)).toEqual({ kind: 'range', from: 13n, to: 37n });
  });
});

describe('reconcile: finality', () => {
  it('reports the newest handed-on block that turned final, once, after the blocks', () => {
    const pol = policy({ finality: 3 });
    const a = chain('a', 10n, 20n);
    const first = run(freshState(CHAIN, 10n), a.slice(0, 5), 14n, pol);
    expect(describeEvents(first.events)).toEqual(['block 10', 'block 11', 'block 12', 'block 13', 'block 14', 'finalized 11']);
    expect(first.state.finalized).toBe(11n);

    const again = run(first.state, a.slice(4, 5), 14n, pol);
    expect(again.events).toEqual([]);

    const next = run(first.state, a.slice(5, 6), 15n, pol);
    expect(next.events).toEqual([
      { type: 'block', block: a[5] },
      { type: 'finalized', block: a[1 + 1] },
    ]);
  });

  it('never reports a block final before it was handed on, nor one below the start block', () => {
    const pol = policy({ finality: 1, confirmations: 3 });
    const a = chain('a', 10n, 20n);
    const out = run(freshState(CHAIN, 10n), a, 20n, pol);
    expect(describeEvents(out.events).slice(-2)).toEqual(['block 17', 'finalized 17']);
    const early = run(freshState(CHAIN, 10n), a.slice(0, 1), 10n, policy({ finality: 0 }));
    expect(describeEvents(early.events)).toEqual(['block 10', 'finalized 10']);
  });

  it('each step carries the state once its event is handed on, so a failed handler resumes exactly there', () => {
    const pol = policy({ finality: 2 });
    const a = chain('a', 10n, 14n);
    const result = reconcile(freshState(CHAIN, 10n), a, 14n, pol);
    if (result.kind !== 'advance') throw new Error('expected advance');
    const afterSecond = result.steps[1]?.state;
    expect(afterSecond && tipOf(afterSecond)).toEqual(a[1]);
    const resumed = run(afterSecond ?? freshState(CHAIN, 10n), a.slice(2), 14n, pol);
    expect(describeEvents(resumed.events)).toEqual(['block 12', 'block 13', 'block 14', 'finalized 12']);
  });
});
