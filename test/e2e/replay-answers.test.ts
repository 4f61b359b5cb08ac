/**
 * The answers of a replay (which holds exist, which alerts went out) are fixed by the chain, the
 * exchange and the lists, not by how the pipeline batches its work: a replay of a fixed chain
 * gives the holds and alerts recorded in replay-answers.expected.json (recorded before the
 * pipeline batched its store and queue work), on PostgreSQL and on PGlite, and a second replay
 * of the same range adds none.
 *
 * The chain is the bench's (bench/evm-replay/build-chain.ts) on anvil, smaller: 16 blocks of 96
 * transactions, the exchange's hot wallet withdrawing (registered by txid or destination) and
 * its deposit addresses receiving. Lists: the bench's hold list (a dev account paying a deposit
 * address every block, the ETH withdrawal of every other block), a token withdrawal added, and
 * an alert list naming another payer. The native coin's minHold turns the smallest deposits
 * into alerts. Set CORDON_RECORD_REPLAY_ANSWERS=1 to write the expectations anew.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BENCH_TOKEN, buildChain, recipient } from '../../bench/evm-replay/build-chain.js';
import { BENCH_CHAIN, benchListed, importExchange, writeCustomList } from '../../bench/evm-replay/exchange-setup.js';
import { refreshRequestFor } from '../../src/cli/list-requests.js';
import { loadConfig } from '../../src/config/load.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { enqueueReplay, waitForReplay, waitForRunAlerts } from '../../src/pipeline/replay.js';
import { startPipeline } from '../../src/pipeline/service.js';
import { refreshList } from '../../src/sanctions/refresh-list.js';
import { openStore, type Store, type StoreConfig } from '../../src/store/index.js';
import { DEV_ACCOUNTS, freePort, startAnvil, type Anvil } from '../helpers/anvil.js';
import { dropSchema, freshSchema, PG_URL } from '../helpers/pg-schema.js';
import { RedisServer } from '../helpers/redis-server.js';
import { startReceivers, type Receivers } from './receivers.js';

const BLOCKS = 16;
const TXS = 96;
const EXPECTED = fileURLToPath(new URL('./replay-answers.expected.json', import.meta.url));
const RECORD = process.env['CORDON_RECORD_REPLAY_ANSWERS'] === '1';

interface Answers {
  readonly holds: unknown[];
  readonly alerts: { kind: string; dedupKey: string; severity: string }[];
  readonly matches: number;
}

describe('a replay gives the recorded holds and alerts', () => {
  let anvil: Anvil;
  let redis: RedisServer;
  let blocks: string[];
  let first: bigint;
  let last: bigint;
  let alertPayer: string;
  const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-answers-'));

  beforeAll(async () => {
    anvil = await startAnvil({ automine: false, accounts: 20 });
    redis = new RedisServer(await freePort());
    await redis.start();
    ({ first, last } = await buildChain(anvil, { blocks: BLOCKS, txsPerBlock: TXS }));
    blocks = [];
    for (let n = first; n <= last; n++) blocks.push(JSON.stringify(await anvil.rpc('eth_getBlockByNumber', [`0x${n.toString(16)}`, true])));
    // Pays the deposit address at slot 90 of every block (buildChain's sender rotation).
    alertPayer = ((await anvil.rpc<string[]>('eth_accounts', []))[1 + (90 % 19)] as string).toLowerCase();
  }, 120_000);
  afterAll(async () => {
    await redis?.close();
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function replayAnswers(backend: 'postgres' | 'pglite', db: number): Promise<Answers[]> {
    const schema = freshSchema('replay_answers');
    const storeConfig: StoreConfig = backend === 'pglite' ? { driver: 'pglite', dataDir: join(dir, `data-${db}`) } : { driver: 'postgres', url: PG_URL, schema };
    const store = await openStore(storeConfig);
    const receivers = await startReceivers();
    try {
      await importExchange(store, blocks, TXS, DEV_ACCOUNTS[0], 50);
      const holdList = writeCustomList('held', [...benchListed(BLOCKS, DEV_ACCOUNTS[2]), recipient(1, 11)]);
      const alertList = writeCustomList('watched', [alertPayer]);
      const file = join(dir, `cordon-${db}.yaml`);
      writeFileSync(file, configYaml(storeConfig, redis.url(db), anvil.url, holdList, alertList, receivers));
      const { config } = loadConfig({ file, env: {} });
      const silent = pino({ level: 'silent' });
      for (const l of config.lists) await refreshList(store.lists, silent, refreshRequestFor(l));
      const metrics = createMetrics({ defaultMetrics: false });
      const pipeline = await startPipeline({ config, store, log: silent, metrics, stages: ['extract', 'screen', 'act'] });
      const runs: Answers[] = [];
      try {
        for (let run = 0; run < 2; run++) {
          // Jobs of 5 blocks, then the default (the whole range in one job): the answers are the same.
          const runId = await enqueueReplay(pipeline.ctx, { chain: BENCH_CHAIN, from: first, to: last, dryRun: false, ...(run === 0 ? { blocksPerJob: 5 } : {}) });
          await waitForReplay(pipeline.ctx, runId, () => undefined, 50);
          const left = await waitForRunAlerts(pipeline.ctx, runId, 60_000, 50);
          expect(left).toMatchObject({ pending: 0, failed: 0 });
          runs.push(await answers(store, receivers, (await pipeline.ctx.progress.matches(runId)).length));
        }
        // Counted per extract job, not per block or transfer: every block and attributed transfer of both runs.
        const counted = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
        const extracted = (await counted('cordon_blocks_processed_total')).filter((v) => v.labels['stage'] === 'extract');
        expect(extracted.reduce((n, v) => n + v.value, 0)).toBe(2 * BLOCKS);
        const byKind = await store.db.query<{ kind: string; n: string }>(
          'SELECT kind, count(DISTINCT (txid, position, block_hash)) AS n FROM attributed_transfers GROUP BY kind ORDER BY kind',
        );
        const transfers = (await counted('cordon_transfers_total')).map((v) => ({ kind: String(v.labels['kind']), n: v.value })).sort((a, b) => (a.kind < b.kind ? -1 : 1));
        expect(transfers).toEqual(byKind.map((r) => ({ kind: r.kind, n: 2 * Number(r.n) })));
      } finally {
        await pipeline.stop();
      }
      return runs;
    } finally {
      await receivers.close();
      await store.close();
      if (backend === 'postgres') await dropSchema(schema);
    }
  }

  it.each([
    ['postgres', 1],
    ['pglite', 2],
  ] as const)('on %s: the recorded holds and alerts, and nothing new from a second replay', async (backend, db) => {
    const [once, again] = await replayAnswers(backend, db);
    if (RECORD && backend === 'postgres') writeFileSync(EXPECTED, `${JSON.stringify(once, null, 2)}\n`);
    if (!existsSync(EXPECTED)) throw new Error(`${EXPECTED} is missing: run with CORDON_RECORD_REPLAY_ANSWERS=1 on a known-good build`);
    const expected = JSON.parse(readFileSync(EXPECTED, 'utf8')) as Answers;
    expect(expected.holds.length).toBeGreaterThan(15);
    expect(once).toEqual(expected);
    // The second run matches the same transfers again and raises, and pages, nothing more.
    expect(again).toEqual(expected);
  }, 180_000);
});

function configYaml(store: StoreConfig, redisUrl: string, nodeUrl: string, holdList: string, alertList: string, receivers: Receivers): string {
  const storeYaml = store.driver === 'pglite' ? `{ driver: pglite, dataDir: ${store.dataDir} }` : `{ driver: postgres, url: "${store.url}", schema: ${store.schema ?? 'public'} }`;
  return `log: { level: warn }
store: ${storeYaml}
redis: { url: "${redisUrl}" }
lists:
  - { id: held, format: custom-json, source: ${holdList}, policy: hold, authority: Test hold list }
  - { id: watched, format: custom-json, source: ${alertList}, policy: alert, authority: Test alert list }
chains:
  - id: ${BENCH_CHAIN}
    family: evm
    network: 31337
    endpoints: [{ url: "${nodeUrl}" }]
    startBlock: 0
    native: { symbol: ETH, decimals: 18, minHold: "0.000001000000005" }
    tokens: [{ address: "${BENCH_TOKEN}", symbol: BOB, decimals: 18 }]
alerts:
  rateLimitPerMinute: 100000
  burst: 10000
  channels:
    - { type: webhook, name: siem, url: "${receivers.url}/webhook", secret: replay-answers-webhook-secret }
pipeline: { backoff: 200ms }
`;
}

/** Holds and delivered alerts, without what differs between two builds of the same chain (block hashes, times, ids). */
async function answers(store: Store, receivers: Receivers, matches: number): Promise<Answers> {
  const holds = (await store.holds.listHolds({ limit: 10_000 }))
    .map((h) => ({
      holdKey: h.holdKey,
      state: h.state,
      direction: h.direction,
      accountId: h.accountId,
      counterparty: h.counterparty,
      txid: h.txid,
      block: h.blockNumber.toString(),
      amount: h.amount.toString(),
      asset: h.asset,
      list: `${h.listId}@${h.listVersion}`,
      entryUid: h.entryUid,
      programs: h.programs,
    }))
    .sort((a, b) => (a.holdKey < b.holdKey ? -1 : 1));
  const alerts = receivers
    .on('/webhook')
    .map((r) => JSON.parse(r.body) as { kind: string; dedupKey: string; severity: string })
    .map(({ kind, dedupKey, severity }) => ({ kind, dedupKey, severity }))
    .sort((a, b) => (a.dedupKey < b.dedupKey ? -1 : 1));
  return { holds, alerts, matches };
}
