import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CordonConfig } from '../../src/config/schema.js';
import { normaliseForFamily } from '../../src/domain/address.js';
import { startHttpServer, type HttpServer } from '../../src/http/index.js';
import type { Readiness } from '../../src/http/health-routes.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { startPipeline, type Pipeline } from '../../src/pipeline/service.js';
import { coinbaseTx, DEPOSIT_1, ALICE, SANCTIONED, btc, idOf, mineBlock, spendTx, HOT, MINER } from '../chains/bitcoin/regtest-chain.js';
import { startAnvil, freePort, type Anvil } from '../helpers/anvil.js';
import { startBitcoinCoreServer, type BitcoinCoreServer } from '../helpers/bitcoin-core-server.js';
import { RedisServer } from '../helpers/redis-server.js';
import { eventually, setUpE2e, type E2e } from './harness.js';

const silent = () => pino({ level: process.env['CORDON_TEST_LOG'] ?? 'silent' });

async function startPipelineWith(e2e: E2e, config: CordonConfig): Promise<{ pipeline: Pipeline; http: HttpServer }> {
  const metrics = createMetrics({ defaultMetrics: false });
  const pipeline = await startPipeline({ config, store: e2e.store, log: silent(), metrics, stages: ['follow', 'extract', 'screen', 'act'] });
  e2e.pipeline = pipeline;
  const http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    log: silent(),
    deps: {
      store: e2e.store,
      chains: config.chains,
      apiToken: undefined,
      redis: pipeline.ctx.redis,
      storePing: () => e2e.store.db.query('SELECT 1'),
      chainLags: () => pipeline.follow?.readiness() ?? [],
      metrics,
      holdCounts: () => e2e.store.holds.countHoldsByState(),
      addressIndex: () => null,
    },
  });
  return { pipeline, http };
}

async function readyz(http: HttpServer): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${http.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

interface PdEvent {
  readonly dedup_key: string;
  readonly payload: { readonly class: string; readonly summary: string; readonly severity: string; readonly custom_details: Record<string, unknown> };
}
const pages = (e2e: E2e, kind: string): PdEvent[] =>
  e2e.receivers.on('/pd').map((r) => JSON.parse(r.body) as PdEvent).filter((e) => e.payload.class === kind);

describe('a dead chain node is not ready and pages on-call', () => {
  let redis: RedisServer;
  let e2e: E2e;
  let node: Anvil;
  let http: HttpServer | undefined;
  const state = join(mkdtempSync(join(tmpdir(), 'cordon-anvil-')), 'state.json');

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    e2e = await setUpE2e('pglite', 5, '', { redisUrl: redis.url() });
    // A node of the test's own that keeps its chain across a stop (--state), behind a fixed port.
    node = await startAnvil({ args: ['--state', state] });
    await node.rpc('anvil_mine', ['0x3']);
  });
  afterAll(async () => {
    await http?.close();
    await e2e?.close();
    await node?.stop();
    await redis?.close();
  });

  it('anvil stopped: /readyz fails within maxHeadAge and chain_stalled pages; anvil back: ready again and chain_recovered', { timeout: 90_000 }, async () => {
    const maxHeadAge = 2_000;
    const config: CordonConfig = {
      ...e2e.config,
      chains: e2e.config.chains.map((c) => ({ ...c, endpoints: [{ url: node.url }], maxHeadAge })),
    };
    ({ http } = await startPipelineWith(e2e, config));
    const server = http;
    await eventually('ready with the node up', async () => ((await readyz(server)).status === 200 ? true : undefined));

    const stoppedAt = Date.now();
    await node.stop();
    const down = await eventually('not ready with the node stopped', async () => {
      const r = await readyz(server);
      return r.status === 503 ? r : undefined;
    }, 20_000);
    expect(Date.now() - stoppedAt).toBeLessThan(maxHeadAge + 6_000);
    expect(down.body.checks.chains['anvil']).toMatchObject({ ok: false });
    expect(down.body.checks.chains['anvil']?.error).toMatch(/no successful head read for \d+ s \(max 2 s\): the node is down or unreachable/);
    const [stalled] = await eventually('the chain_stalled page', async () => {
      const p = pages(e2e, 'chain_stalled');
      return p.length > 0 ? p : undefined;
    });
    expect(stalled).toMatchObject({ dedup_key: expect.stringMatching(/^chain_stalled:anvil:/), payload: { severity: 'critical', custom_details: { chain: 'anvil', maxHeadAgeSeconds: 2 } } });
    expect(stalled?.payload.summary).toMatch(/Chain anvil STALLED: no successful head read/);

    node = await startAnvil({ port: node.port, args: ['--state', state] });
    await eventually('ready again with the node back', async () => ((await readyz(server)).status === 200 ? true : undefined), 45_000);
    const recovered = await eventually('the chain_recovered notice', async () => {
      const p = pages(e2e, 'chain_recovered');
      return p.length > 0 ? p : undefined;
    });
    expect(recovered[0]?.payload).toMatchObject({ severity: 'info', custom_details: { chain: 'anvil' } });
    expect(pages(e2e, 'chain_stalled')).toHaveLength(1);
  });
});

describe('a Bitcoin block whose inputs the node cannot resolve (no txindex, Core < 25)', () => {
  let redis: RedisServer;
  let e2e: E2e;
  let core: BitcoinCoreServer;
  let http: HttpServer | undefined;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    core = await startBitcoinCoreServer({ network: 'regtest', version: 240000, txindex: false });
    e2e = await setUpE2e('pglite', 6, '', { redisUrl: redis.url(), bitcoin: { id: 'btc', url: core.authUrl, network: 'regtest' } });
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'btc', address: normaliseForFamily(DEPOSIT_1.address, 'bitcoin'), accountId: 'acct-deposit', kind: 'deposit' });
  });
  afterAll(async () => {
    await http?.close();
    await e2e?.close();
    await core?.close();
    await redis?.close();
  });

  it('fails the block at once (no retries), /readyz names the block and the error, and block_failed pages with the fix', { timeout: 60_000 }, async () => {
    const T0 = 1_700_000_000;
    const cb0 = coinbaseTx(0, [[ALICE.script, btc(50)], [SANCTIONED.script, btc(25)]]);
    const b0 = mineBlock(null, [cb0], T0);
    const b1 = mineBlock(idOf(b0), [coinbaseTx(1, [[MINER.script, btc(50)]])], T0 + 600);
    const deposit = spendTx([{ txid: cb0.getId(), vout: 1, from: SANCTIONED }], [[DEPOSIT_1.script, btc(10)], [HOT.script, btc(14.9999)]]);
    const b2 = mineBlock(idOf(b1), [coinbaseTx(2, [[MINER.script, btc(50)]]), deposit], T0 + 1200);
    core.addBlock(b0, { height: 0 });
    core.addBlock(b1);
    const served = core.addBlock(b2);

    expect(e2e.config.pipeline.attempts).toBeGreaterThan(1);
    ({ http } = await startPipelineWith(e2e, e2e.config));
    const server = http;
    const pipeline = e2e.pipeline as Pipeline;
    const [failed] = await eventually('the extract job of block #2 in the failed set', async () => {
      const jobs = (await pipeline.ctx.queues.extract.getFailed(0, -1)).filter((j) => j.data.chain === 'btc');
      return jobs.length > 0 ? jobs : undefined;
    }, 20_000);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/-txindex=1/);

    const r = await eventually('not ready, naming the block', async () => {
      const got = await readyz(server);
      return got.status === 503 && got.body.checks.chains['btc']?.failedBlock ? got : undefined;
    }, 20_000);
    const check = r.body.checks.chains['btc'];
    expect(check?.failedBlock).toMatchObject({ number: '2', hash: served.hash, queue: 'cordon-extract' });
    expect(check?.error).toContain(`block #2 ${served.hash} failed in cordon-extract after 1 attempt(s)`);
    expect(check?.error).toMatch(/txindex/);

    const [page] = await eventually('the block_failed page', async () => {
      const p = pages(e2e, 'block_failed');
      return p.length > 0 ? p : undefined;
    });
    expect(page?.payload.custom_details).toMatchObject({ chain: 'btc', block: '2', blockHash: served.hash, queue: 'cordon-extract', attempts: 1 });
    expect(String(page?.payload.custom_details['fix'])).toMatch(/-txindex=1.*Core ≥ 25/);
  });
});
