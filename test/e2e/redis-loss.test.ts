import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseForFamily } from '../../src/domain/address.js';
import type { ExtractJob } from '../../src/pipeline/jobs.js';
import { DEV_ACCOUNTS, freePort, minedReceipt } from '../helpers/anvil.js';
import { RedisServer } from '../helpers/redis-server.js';
import { eventually, LISTED_ETH, LISTED_ETH_2, sendEth, setUpE2e, type E2e } from './harness.js';

const DEPOSIT = DEV_ACCOUNTS[1];
const ETHER = 10n ** 18n;

describe('Redis goes away under a running pipeline and comes back', () => {
  let redis: RedisServer;
  let e2e: E2e;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    redis = new RedisServer(await freePort(), ['--appendonly', 'yes', '--appendfsync', 'always']);
    await redis.start();
    // Its own redis-server; 16 only names the Postgres schema.
    e2e = await setUpE2e('postgres', 16, '', { redisUrl: redis.url() });
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(DEPOSIT, 'evm'), accountId: 'acct-deposit', kind: 'deposit' });
    await e2e.start(['follow', 'extract', 'screen', 'act']);
  });
  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    // A test that failed while Redis was down: bring it back, or the pipeline cannot shut down.
    if (redis !== undefined && !redis.running) await redis.start().catch(() => undefined);
    await e2e?.close();
    await redis?.close();
  });

  const holdOf = async (tx: string) => (await e2e.store.holds.listHolds({ limit: 100 })).filter((h) => h.txid === tx);

  it('workers pause and resume by themselves; the deposit sent meanwhile is held exactly once; no block is lost', { timeout: 90_000 }, async () => {
    const { anvil, store } = e2e;
    // Working before the outage.
    const before = await sendEth(anvil, LISTED_ETH, DEPOSIT, ETHER);
    await eventually('the hold before the outage', async () => ((await holdOf(before)).length === 1 ? true : undefined));

    await redis.kill();
    const during = await sendEth(anvil, LISTED_ETH_2, DEPOSIT, 2n * ETHER);
    const receipt = await minedReceipt(anvil, during);
    const duringBlock = BigInt(receipt.blockNumber);
    await anvil.rpc('anvil_mine', ['0x3']);
    // Stay down longer than the follower's leader lock (15 s) and the job locks (5 s here) last,
    // so both expire meanwhile. The follower cannot hand the block on, so its cursor stays below
    // it (the cursor only moves once the job is in Redis) and nothing can be raised.
    await new Promise((r) => setTimeout(r, 17_000));
    const cursorDuring = await store.cursors.getCursor('anvil');
    expect(cursorDuring?.number ?? -1n).toBeLessThan(duringBlock);
    expect(await holdOf(during)).toHaveLength(0);

    await redis.start(); // same port, same AOF: the queues come back as they were
    const [held] = await eventually('the hold of the deposit sent during the outage', async () => {
      const h = await holdOf(during);
      return h.length > 0 ? h : undefined;
    }, 60_000);
    expect(held).toMatchObject({ accountId: 'acct-deposit', counterparty: LISTED_ETH_2, blockNumber: duringBlock, amount: 2n * ETHER, state: 'open' });

    // And still working after it.
    const after = await sendEth(anvil, LISTED_ETH, DEPOSIT, 3n * ETHER);
    await eventually('the hold after the outage', async () => ((await holdOf(after)).length === 1 ? true : undefined), 30_000);
    const head = BigInt(await anvil.rpc<string>('eth_blockNumber'));
    await eventually('the follower at the head', async () => {
      const c = await store.cursors.getCursor('anvil');
      return c && c.number >= head ? true : undefined;
    });

    const pipeline = e2e.pipeline;
    if (!pipeline) throw new Error('pipeline not started');
    // Every block 0..head went to extract exactly once, and every job finished.
    await eventually('every extract job done', async () => {
      const c = await pipeline.ctx.queues.extract.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0) ? true : undefined;
    });
    const done = await pipeline.ctx.queues.extract.getCompleted(0, -1);
    const numbers = done.map((j) => (j.data as ExtractJob)).flatMap((d) => (d.kind === 'block' ? [BigInt(d.block.number)] : []));
    expect(numbers.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(Array.from({ length: Number(head) + 1 }, (_, i) => BigInt(i)));
    expect(Object.values(await pipeline.failedCounts()).every((n) => n === 0)).toBe(true);

    // One hold per deposit, no more; the process never crashed and the follower is healthy.
    const holds = await store.holds.listHolds({ limit: 100 });
    expect(holds.map((h) => h.txid).sort()).toEqual([before, during, after].sort());
    expect(crashes).toEqual([]);
    const [follow] = pipeline.follow?.status() ?? [];
    expect(follow).toMatchObject({ chain: 'anvil', fatal: null, status: { running: true } });
  });
});
