import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ReorgTooDeep } from '../../src/follow/errors.js';
import type { FollowEvent } from '../../src/follow/events.js';
import { createFollower, type Follower, type FollowerOptions } from '../../src/follow/follower.js';
import { FakeChain, memoryCursors, until } from './fake-chain.js';

const log = pino({ level: 'silent' });
const started: Follower[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.stop()));
});

interface Harness {
  readonly follower: Follower;
  readonly events: FollowEvent[];
  readonly running: Promise<void>;
}

function follow(opts: Partial<FollowerOptions> & Pick<FollowerOptions, 'source' | 'cursors'>): Harness {
  const events: FollowEvent[] = [];
  const follower = createFollower({
    log,
    onEvent: async (e) => {
      events.push(e);
    },
    pollIntervalMs: 10,
    backoff: { initialMs: 1, maxMs: 5 },
    startBlock: 0,
    ...opts,
  });
  started.push(follower);
  const running = follower.run();
  running.catch(() => undefined);
  return { follower, events, running };
}

const blockNumbers = (events: readonly FollowEvent[]): bigint[] =>
  events.flatMap((e) => (e.type === 'block' ? [e.block.number] : []));
const range = (from: number, to: number): bigint[] => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

describe('follower (in-memory chain)', () => {
  it('hands on every block from the start block in order, with its transfers, and moves the cursor after each', async () => {
    const chain = new FakeChain('fake', 30n);
    const cursors = memoryCursors();
    const { events, follower } = follow({ source: chain, cursors, startBlock: 5, batchSize: 4 });
    await until(() => blockNumbers(events).includes(30n));
    expect(blockNumbers(events)).toEqual(range(5, 30));
    for (const e of events) {
      if (e.type === 'block') expect(e.transfers.map((t) => t.blockHash)).toEqual([e.block.hash]);
    }
    expect(cursors.writes).toEqual(range(5, 30));
    expect(follower.status()).toMatchObject({ head: 30n, lag: 0n, consecutiveErrors: 0 });
  });

  it('starts at the head minus confirmations when told `latest`, then holds blocks until confirmed', async () => {
    const chain = new FakeChain('fake', 20n);
    const { events } = follow({ source: chain, cursors: memoryCursors(), startBlock: 'latest', confirmations: 2 });
    await until(() => blockNumbers(events).length === 1);
    expect(blockNumbers(events)).toEqual([18n]);
    chain.mine(3);
    await until(() => blockNumbers(events).includes(21n));
    expect(blockNumbers(events)).toEqual(range(18, 21));
  });

  it('a handler that throws leaves the cursor in place and the same block is offered again', async () => {
    const chain = new FakeChain('fake', 6n);
    const cursors = memoryCursors();
    const seen: bigint[] = [];
    let failedOnce = false;
    const { follower } = follow({
      source: chain,
      cursors,
      onEvent: async (e) => {
        if (e.type !== 'block') return;
        if (e.block.number === 3n && !failedOnce) {
          failedOnce = true;
          expect((await cursors.getCursor('fake'))?.number).toBe(2n);
          throw new Error('queue unavailable');
        }
        seen.push(e.block.number);
      },
    });
    await until(() => seen.includes(6n));
    expect(seen).toEqual(range(0, 6));
    expect(cursors.writes).toEqual(range(0, 6));
    expect(follower.status().consecutiveErrors).toBe(0);
  });

  it('backs off on source failures without skipping a block', async () => {
    const chain = new FakeChain('fake', 12n);
    chain.failures.set('blockAt', 3).set('transfers', 2).set('head', 2);
    const { events } = follow({ source: chain, cursors: memoryCursors(), batchSize: 3 });
    await until(() => blockNumbers(events).includes(12n));
    expect(blockNumbers(events)).toEqual(range(0, 12));
  });

  it('a reorg while following is handed on as the orphaned blocks, then the replacements', async () => {
    const chain = new FakeChain('fake', 10n);
    const { events } = follow({ source: chain, cursors: memoryCursors() });
    await until(() => blockNumbers(events).includes(10n));
    const { orphaned, replacements } = chain.reorg(3, 1);
    await until(() => blockNumbers(events).includes(11n));
    const after = events.slice(events.findIndex((e) => e.type === 'reorg'));
    expect(after[0]).toEqual({ type: 'reorg', orphaned, forkPoint: chain.canonical[7] });
    expect(after.slice(1).map((e) => (e.type === 'block' ? e.block : null))).toEqual(replacements);
  });

  it('stop() waits for the handler in flight and nothing is handed on after it', async () => {
    const chain = new FakeChain('fake', 50n);
    const cursors = memoryCursors();
    let release: () => void = () => undefined;
    let inFlight = false;
    const handled: bigint[] = [];
    const { follower, running } = follow({
      source: chain,
      cursors,
      onEvent: async (e) => {
        if (e.type !== 'block') return;
        if (e.block.number === 3n) {
          inFlight = true;
          await new Promise<void>((r) => (release = r));
        }
        handled.push(e.block.number);
      },
    });
    await until(() => inFlight);
    const stopped = follower.stop();
    let stopResolved = false;
    void stopped.then(() => (stopResolved = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopResolved).toBe(false);
    release();
    await stopped;
    await running;
    expect(handled).toEqual(range(0, 3));
    expect(cursors.writes).toEqual(range(0, 3));
  });

  it('a restarted follower resumes after its cursor without skipping or repeating a block', async () => {
    const chain = new FakeChain('fake', 8n);
    const cursors = memoryCursors();
    const first = follow({ source: chain, cursors });
    await until(() => blockNumbers(first.events).includes(8n));
    await first.follower.stop();
    chain.mine(4);
    const second = follow({ source: chain, cursors, startBlock: 'latest' });
    await until(() => blockNumbers(second.events).includes(12n));
    expect([...blockNumbers(first.events), ...blockNumbers(second.events)]).toEqual(range(0, 12));
  });

  it('a restart whose cursor block was reorged out meanwhile retracts back to the fork point first', async () => {
    const chain = new FakeChain('fake', 8n);
    const cursors = memoryCursors();
    const first = follow({ source: chain, cursors });
    await until(() => blockNumbers(first.events).includes(8n));
    await first.follower.stop();
    const { orphaned, replacements } = chain.reorg(2, 1);
    const second = follow({ source: chain, cursors });
    await until(() => blockNumbers(second.events).includes(9n));
    expect(second.events[0]).toEqual({ type: 'reorg', orphaned, forkPoint: chain.canonical[6] });
    expect(blockNumbers(second.events)).toEqual(replacements.map((b) => b.number));
  });

  it('a pushed head wakes the follower before its next poll', async () => {
    const chain = new FakeChain('fake', 3n);
    const { events } = follow({ source: chain, cursors: memoryCursors(), pollIntervalMs: 60_000 });
    await until(() => blockNumbers(events).includes(3n));
    await new Promise((r) => setTimeout(r, 20)); // let it fall asleep
    chain.mine(1);
    await until(() => blockNumbers(events).includes(4n), 5_000, 'the pushed head to wake the follower');
  });

  it('reports finalized blocks once they are `finality` below the head', async () => {
    const chain = new FakeChain('fake', 10n);
    const { events } = follow({ source: chain, cursors: memoryCursors(), finality: 4, reorgDepth: 4 });
    await until(() => blockNumbers(events).includes(10n) && events.some((e) => e.type === 'finalized'));
    chain.mine(2);
    const finalizedNumbers = (): bigint[] => events.flatMap((e) => (e.type === 'finalized' ? [e.block.number] : []));
    await until(() => finalizedNumbers().includes(8n));
    // The newest final block is named (not every one), never before that block was handed on.
    expect(finalizedNumbers().at(-1)).toBe(8n);
    for (const [i, e] of events.entries()) {
      if (e.type !== 'finalized') continue;
      const handedOnAt = events.findIndex((b) => b.type === 'block' && b.block.hash === e.block.hash);
      expect(handedOnAt).toBeGreaterThanOrEqual(0);
      expect(handedOnAt).toBeLessThan(i);
    }
  });

  it('a reorg deeper than reorgDepth stops following with ReorgTooDeep', async () => {
    const chain = new FakeChain('fake', 20n);
    const { events, running } = follow({ source: chain, cursors: memoryCursors(), reorgDepth: 3, finality: 3 });
    await until(() => blockNumbers(events).includes(20n));
    chain.reorg(6, 1);
    await expect(running).rejects.toBeInstanceOf(ReorgTooDeep);
    await expect(running).rejects.toMatchObject({ chain: 'fake', limit: 3 });
    expect(events.some((e) => e.type === 'reorg')).toBe(false);
  });
});
