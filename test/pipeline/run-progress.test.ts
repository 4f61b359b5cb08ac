/**
 * A replay run's progress in Redis: a block is done once every act it expects is, whichever
 * worker ticks them off, in whatever order, however often. Real Redis of its own.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runProgress } from '../../src/pipeline/run-progress.js';
import { freePort } from '../helpers/anvil.js';
import { RedisServer } from '../helpers/redis-server.js';

const RUN = 'ethereum-100-149-0badc0de';
const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

describe('run progress', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = new RedisServer(await freePort());
    await server.start();
    redis = new Redis(server.url(), { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
  });

  it('counts a block done only when all its expected acts are, across jobs, retries and repeats', async () => {
    const progress = runProgress(redis);
    await progress.start({ runId: RUN, chain: 'ethereum', from: '100', to: '149', dryRun: false, total: 50, startedAt: Date.now() });
    await progress.expectActsOf(RUN, new Map([[h(1), 2], [h(2), 1], [h(3), 3]]));
    expect(await redis.ttl(`cordon:run:${RUN}:acts:${h(3)}`)).toBeGreaterThan(86_400);

    // One job: block 1 half done, block 2 done, block 3 one of three.
    await progress.matchesActed(RUN, new Map(), [
      { blockHash: h(1), key: 'hold|a' },
      { blockHash: h(2), key: 'hold|b' },
      { blockHash: h(3), key: 'hold|c1' },
    ]);
    expect(await progress.doneCount(RUN)).toBe(1);
    // A retried job ticks off the same acts again: nothing counts twice.
    await progress.matchesActed(RUN, new Map(), [
      { blockHash: h(1), key: 'hold|a' },
      { blockHash: h(3), key: 'hold|c1' },
      { blockHash: h(3), key: 'hold|c1' },
    ]);
    expect(await progress.doneCount(RUN)).toBe(1);
    // The rest, from another job; the one-at-a-time form (live jobs of earlier versions) still counts.
    await progress.matchesActed(RUN, new Map(), [
      { blockHash: h(3), key: 'hold|c2' },
      { blockHash: h(1), key: 'alert|x' },
    ]);
    expect(await progress.doneCount(RUN)).toBe(2);
    await progress.actDone(RUN, h(3), 'hold|c3');
    expect(await progress.doneCount(RUN)).toBe(3);
    expect((await redis.smembers(`cordon:run:${RUN}:done`)).sort()).toEqual([h(1), h(2), h(3)]);
    expect(await redis.ttl(`cordon:run:${RUN}:done`)).toBeGreaterThan(86_400);
    expect(await redis.ttl(`cordon:run:${RUN}:actsdone:${h(1)}`)).toBeGreaterThan(86_400);

    // An act of a block whose expectation is not written (yet) marks nothing done.
    await progress.matchesActed(RUN, new Map(), [{ blockHash: h(9), key: 'hold|z' }]);
    expect(await progress.doneCount(RUN)).toBe(3);
    await progress.expectActsOf(RUN, new Map([[h(9), 1]]));
    await progress.matchesActed(RUN, new Map(), [{ blockHash: h(9), key: 'hold|z' }]);
    expect(await progress.doneCount(RUN)).toBe(4);
  });

  it("records an act job's reports and ticks off its acts in one call; a block is done only with its reports there", async () => {
    const run = `${RUN}-acted`;
    const progress = runProgress(redis);
    await progress.expectActsOf(run, new Map([[h(1), 2], [h(2), 1]]));
    const reports = new Map<string, unknown>([
      ['hold|a', { outcome: 'hold raised', key: 'hold|a' }],
      ['hold|b', { outcome: 'hold exists', key: 'hold|b' }],
    ]);
    await progress.matchesActed(run, reports, [
      { blockHash: h(1), key: 'hold|a' },
      { blockHash: h(2), key: 'hold|b' },
    ]);
    expect(await progress.doneCount(run)).toBe(1);
    expect(await progress.matches(run)).toEqual([...reports.values()]);
    expect(await redis.ttl(`cordon:run:${run}:matches`)).toBeGreaterThan(86_400);
    // A retried job, and one with nothing to report: nothing counts twice, the block completes.
    await progress.matchesActed(run, reports, [{ blockHash: h(1), key: 'hold|a' }]);
    await progress.matchesActed(run, new Map(), [{ blockHash: h(1), key: 'alert|x' }]);
    expect(await progress.doneCount(run)).toBe(2);
    expect(await progress.matches(run)).toHaveLength(2);
  });
});
