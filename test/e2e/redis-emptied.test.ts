import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseForFamily } from '../../src/domain/address.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { startPipeline, type Pipeline } from '../../src/pipeline/service.js';
import { DEV_ACCOUNTS, freePort, minedReceipt } from '../helpers/anvil.js';
import { RedisServer } from '../helpers/redis-server.js';
import { eventually, LISTED_ETH, sendEth, setUpE2e, type Backend, type E2e } from './harness.js';

const DEPOSIT = DEV_ACCOUNTS[1];
const ETHER = 10n ** 18n;

/**
 * Redis restarted without its data (no AOF, or a failover to an empty replica) while a listed
 * deposit's act job was queued: the store knows the block was not fully acted on, and queues it
 * again, so the hold is raised, once. Either while Cordon runs (its sentinel key has vanished)
 * or when it starts again.
 */
describe.each<[Backend, number, 'while running' | 'at the next start']>([
  ['pglite', 5, 'while running'],
  ['postgres', 6, 'at the next start'],
])('Redis restarts empty with an act job queued (%s)', (backend, db, when) => {
  let redis: RedisServer;
  let e2e: E2e;
  let actOnly: Pipeline | null = null;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    redis = new RedisServer(await freePort()); // no AOF, no RDB: a restart comes back empty
    await redis.start();
    e2e = await setUpE2e(backend, db, '', { redisUrl: redis.url() });
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(DEPOSIT, 'evm'), accountId: 'acct-deposit', kind: 'deposit' });
  });
  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    if (redis !== undefined && !redis.running) await redis.start().catch(() => undefined);
    await actOnly?.stop();
    await e2e?.close();
    await redis?.close();
  });

  it(`the queued block is queued again from the store ${when}, and the hold is raised exactly once`, { timeout: 90_000 }, async () => {
    const { anvil, store } = e2e;
    // No act stage yet: the match waits in the act queue.
    const first = await e2e.start(['follow', 'extract', 'screen']);
    const tx = await sendEth(anvil, LISTED_ETH, DEPOSIT, ETHER);
    const block = BigInt((await minedReceipt(anvil, tx)).blockNumber);
    await eventually('the act job queued', async () => ((await first.ctx.queues.act.getWaitingCount()) > 0 ? true : undefined));
    await eventually('the cursor past the block', async () => {
      const c = await store.cursors.getCursor('anvil');
      return c && c.number >= block ? true : undefined;
    });
    const pending = await store.handed.pending('anvil');
    expect(pending.map((b) => b.number)).toContain(block);

    if (when === 'at the next start') {
      await first.stop();
      e2e.pipeline = null;
    }
    await redis.kill();
    await redis.start(); // empty: the act job, the completed extract and screen jobs are gone
    expect(await first.ctx.redis.dbsize().catch(() => 0)).toBeLessThanOrEqual(1);

    if (when === 'at the next start') {
      await e2e.start(['follow', 'extract', 'screen', 'act']);
    } else {
      actOnly = await startPipeline({
        config: e2e.config,
        store,
        log: pino({ level: process.env['CORDON_TEST_LOG'] ?? 'silent' }),
        metrics: createMetrics({ defaultMetrics: false }),
        stages: ['act'],
      });
    }

    const holds = await eventually('the hold of the deposit', async () => {
      const h = (await store.holds.listHolds({ limit: 100 })).filter((x) => x.txid === tx);
      return h.length > 0 ? h : undefined;
    }, 60_000);
    expect(holds).toHaveLength(1);
    expect(holds[0]).toMatchObject({ accountId: 'acct-deposit', counterparty: LISTED_ETH, blockNumber: block, state: 'open' });

    // The store now records every block as done, and running it all again raised nothing more.
    await eventually('every handed block done', async () => ((await store.handed.pending('anvil')).length === 0 ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await store.holds.listHolds({ limit: 100 })).filter((x) => x.txid === tx)).toHaveLength(1);
    expect(crashes).toEqual([]);
  });
});
