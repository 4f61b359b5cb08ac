/**
 * Tip latency: how long from a block being mined to its hold row existing and to its alert
 * reaching on-call, through the real pipeline. Prints numbers; asserts nothing.
 *
 *   npm run bench:tip-latency -- [--n 60] [--warmup 5] [--poll 50] [--store postgres|pglite]
 *                                [--pace 2100] [--hold-poll 5] [--redis-db 8] [--ws]
 *
 * anvil with automine off; every deposit comes from a different address on OFAC's list (the
 * repository's copy), is sent, then mined alone with `anvil_mine`; t0 is when `anvil_mine`
 * returns (the block exists). Then, in this process: startPipeline with every stage (follow,
 * extract, screen, act, hook), the follower polling every --poll ms (and woken by newHeads
 * from anvil's WebSocket with --ws), BullMQ on Redis (database --redis-db, flushed), the store on
 * PostgreSQL (a fresh schema in $CORDON_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test,
 * dropped afterwards) or PGlite in memory, and a generic webhook alert channel to a local receiver.
 *
 * Measured per deposit, one at a time (the next is mined only once the previous alert
 * arrived and --pace ms after the previous block, plus a random pause so blocks land at every
 * phase of the follower's poll):
 *   hold row:   t0 → the hold row is visible (the holds table polled every --hold-poll ms)
 *   alert:      t0 → the webhook POST arrives at the receiver
 * and where the time goes, from the BullMQ jobs' own timestamps (enqueued, started, finished).
 */
import { cpus, loadavg } from 'node:os';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import pg from 'pg';
import { refreshRequestFor } from '../src/cli/list-requests.js';
import { loadConfig } from '../src/config/load.js';
import { checkedConfigSchema } from '../src/config/schema.js';
import { normaliseForFamily } from '../src/domain/address.js';
import { DEMO_ALERT_SECRET, DEMO_HOOK_SECRET } from '../src/demo/demo-config.js';
import { startReceiver } from '../src/demo/receiver.js';
import { createMetrics } from '../src/pipeline/metrics.js';
import { jobId } from '../src/pipeline/jobs.js';
import { startPipeline } from '../src/pipeline/service.js';
import { refreshList } from '../src/sanctions/refresh-list.js';
import { openStore, type Store } from '../src/store/index.js';
import { DEV_ACCOUNTS, startAnvil } from '../test/helpers/anvil.js';
import { intFlag, stringFlag } from './flags.js';


const N = intFlag('n', 60, 0);
const WARMUP = intFlag('warmup', 5, 0);
const POLL_MS = intFlag('poll', 50, 0);
const WS = process.argv.includes('--ws');
const HOLD_POLL_MS = intFlag('hold-poll', 5, 0);
/**
 * Least time between two mined blocks. Every alert channel is rate limited to 30 sends a
 * minute (burst 10; src/alerts/dispatcher.ts, not configurable): faster than one alert every
 * 2 s, alerts queue behind the limiter and that wait is all one measures. --pace 0 shows it.
 */
const PACE_MS = intFlag('pace', 2_100, 0);
const REDIS_DB = intFlag('redis-db', 8, 0);
const BACKEND = stringFlag('store', 'postgres');
if (BACKEND !== 'postgres' && BACKEND !== 'pglite') throw new Error('--store is postgres or pglite');
const PG_URL = process.env['CORDON_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = `redis://127.0.0.1:6379/${REDIS_DB}`;
const CHAIN = 'anvil';
const DEPOSIT = DEV_ACCOUNTS[1];
const HOT_WALLET = DEV_ACCOUNTS[2];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- set-up -------------------------------------------------------------------------------
const anvil = await startAnvil({ automine: false });
const flush = new Redis(REDIS_URL);
await flush.flushdb();
flush.disconnect();
const schema = `cordon_bench_tip_${process.pid}`;
const store: Store =
  BACKEND === 'postgres'
    ? await openStore({ driver: 'postgres', url: PG_URL, schema })
    : await openStore({ driver: 'pglite', dataDir: 'memory://' });
const receiver = await startReceiver({ alertSecret: DEMO_ALERT_SECRET, hookSecret: DEMO_HOOK_SECRET });

const defaults = loadConfig({ env: {} }).config;
const config = checkedConfigSchema.parse({
  log: { level: 'error', pretty: false },
  store: BACKEND === 'postgres' ? { driver: 'postgres', url: PG_URL, schema } : { driver: 'pglite', dataDir: 'memory://' },
  redis: { url: REDIS_URL },
  lists: defaults.lists,
  chains: [
    { id: CHAIN, family: 'evm', network: 31337, endpoints: [{ url: anvil.url, ...(WS ? { ws: anvil.url.replace(/^http/, 'ws') } : {}) }], startBlock: 0, pollInterval: POLL_MS, reorgDepth: 16, finality: 16 },
  ],
  alerts: { channels: [{ type: 'webhook', name: 'on-call', url: `${receiver.url}/alerts`, secret: DEMO_ALERT_SECRET }] },
  exchangeHook: { url: `${receiver.url}/hook`, secret: DEMO_HOOK_SECRET },
});
const log = pino({ level: 'error' });
const list = config.lists[0];
if (!list) throw new Error('no list in config/default.yaml');
const refreshed = await refreshList(store.lists, log, refreshRequestFor(list));
if (refreshed.outcome === 'rejected') throw new Error(refreshed.reason);
const senders = (await store.lists.snapshotEntries(refreshed.listId, refreshed.version))
  .filter((e) => e.family === 'evm')
  .map((e) => e.address as string);
await store.accounts.upsertWatchedAddresses([
  { chain: CHAIN, address: normaliseForFamily(DEPOSIT, 'evm'), accountId: 'acct-bench', kind: 'deposit' },
  { chain: CHAIN, address: normaliseForFamily(HOT_WALLET, 'evm'), accountId: 'exchange', kind: 'hot_wallet' },
]);
for (const s of senders.slice(0, N + WARMUP)) {
  await anvil.rpc('anvil_impersonateAccount', [s]);
  await anvil.rpc('anvil_setBalance', [s, '0x56bc75e2d63100000']);
}

const pipeline = await startPipeline({
  config,
  store,
  log,
  metrics: createMetrics({ defaultMetrics: false }),
  stages: ['follow', 'extract', 'screen', 'act', 'hook'],
});

// --- measurement --------------------------------------------------------------------------
interface Sample {
  readonly txid: string;
  readonly blockHash: string;
  readonly minedBefore: number;
  readonly mined: number;
  readonly holdSeen: number;
  readonly holdKey: string;
  readonly alert: number;
}

let lastMined = 0;
async function one(i: number): Promise<Sample> {
  const from = senders[i % senders.length] ?? senders[0] ?? '';
  await sleep(Math.max(0, lastMined + PACE_MS - Date.now()));
  await sleep(Math.random() * POLL_MS * 2); // land at a random phase of the follower's poll
  const txid = await anvil.rpc<string>('eth_sendTransaction', [{ from, to: DEPOSIT, value: '0xde0b6b3a7640000' }]);
  const minedBefore = Date.now();
  await anvil.rpc('anvil_mine', ['0x1']);
  const mined = Date.now();
  lastMined = mined;
  let holdSeen = 0;
  let holdKey = '';
  const deadline = mined + 15_000;
  while (holdSeen === 0 || !receiver.alerts().some((a) => a.txid === txid)) {
    if (Date.now() > deadline) throw new Error(`deposit ${i} (${txid}): no hold/alert within 15 s`);
    if (holdSeen === 0) {
      const [newest] = await store.holds.listHolds({ limit: 1 });
      if (newest?.txid === txid) {
        holdSeen = Date.now();
        holdKey = newest.holdKey;
      }
    }
    await sleep(holdSeen === 0 ? HOLD_POLL_MS : 1);
  }
  const alert = receiver.alerts().find((a) => a.txid === txid)?.receivedAt ?? 0;
  const receipt = await anvil.rpc<{ blockHash: string }>('eth_getTransactionReceipt', [txid]);
  return { txid, blockHash: receipt.blockHash, minedBefore, mined, holdSeen, holdKey, alert };
}

const rpcT0 = performance.now();
for (let i = 0; i < 20; i++) await anvil.rpc('eth_blockNumber');
const rpcMs = (performance.now() - rpcT0) / 20;

for (let i = 0; i < WARMUP; i++) await one(i);
const samples: Sample[] = [];
for (let i = 0; i < N; i++) samples.push(await one(WARMUP + i));
await sleep(2_500); // the exchange hook is a separate loop (woken by each new hold; polls every second too)
const hookAt = (txid: string) => receiver.hooks().find((h) => h.txid === txid)?.receivedAt ?? null;
const hookLatencies = samples.flatMap((s) => {
  const at = hookAt(s.txid);
  return at === null ? [] : [at - s.mined];
});

// Where the time went: each block's jobs, by their deterministic ids.
interface Times {
  readonly timestamp: number;
  readonly processedOn?: number | undefined;
  readonly finishedOn?: number | undefined;
}
const phases = new Map<string, number[]>();
const add = (name: string, v: number | undefined) => {
  if (v === undefined || Number.isNaN(v)) return;
  phases.set(name, [...(phases.get(name) ?? []), v]);
};
const { queues } = pipeline.ctx;
for (const s of samples) {
  const ex: Times | undefined = await queues.extract.getJob(jobId('extract', CHAIN, s.blockHash));
  const sc: Times | undefined = await queues.screen.getJob(jobId('screen', CHAIN, s.blockHash, 'live'));
  const ac: Times | undefined = await queues.act.getJob(jobId('act', s.holdKey, s.blockHash, 'live'));
  if (!ex || !sc || !ac) continue;
  add('follow: mined → extract job queued (poll wait + head/block RPC + markCanonical)', ex.timestamp - s.mined);
  add('extract: queued → started', (ex.processedOn ?? NaN) - ex.timestamp);
  add('extract: run until screen job queued (transfers RPC, account lookup, DB)', sc.timestamp - (ex.processedOn ?? NaN));
  add('screen: queued → started', (sc.processedOn ?? NaN) - sc.timestamp);
  add('screen: run until act job queued', ac.timestamp - (sc.processedOn ?? NaN));
  add('act: queued → started', (ac.processedOn ?? NaN) - ac.timestamp);
  add(`act: started → hold row seen (insert; seen within ${HOLD_POLL_MS} ms)`, s.holdSeen - (ac.processedOn ?? NaN));
  add('act: started → alert received (head RPC, dispatch, webhook POST)', s.alert - (ac.processedOn ?? NaN));
}

// --- report -------------------------------------------------------------------------------
function pct(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
const row = (label: string, values: readonly number[]) =>
  console.log(
    `${label.padEnd(84)} ${[50, 90, 99].map((p) => String(pct(values, p)).padStart(6)).join('')}${String(Math.max(...values)).padStart(6)}`,
  );

console.log(`tip latency, ${N} deposits from listed addresses, each alone in its own block (after ${WARMUP} warm-up)`);
console.log(
  `settings: store ${BACKEND === 'postgres' ? `PostgreSQL (${PG_URL}, fresh schema ${schema})` : 'PGlite in memory'}; ` +
    `Redis ${REDIS_URL}; follower pollInterval ${POLL_MS} ms${WS ? " + newHeads over WebSocket" : ""}, confirmations 0; ` +
    `concurrency extract ${config.pipeline.concurrency.extract} / screen ${config.pipeline.concurrency.screen} / act ${config.pipeline.concurrency.act}; ` +
    `all stages in one process; alert channel: generic webhook → local receiver; ` +
    `blocks at least ${PACE_MS} ms apart (alert channels are rate limited to 30/min, burst 10)`,
);
console.log(
  `machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}; ` +
    `anvil RPC round trip ${rpcMs.toFixed(2)} ms; anvil_mine call ${pct(samples.map((s) => s.mined - s.minedBefore), 50)} ms (p50)`,
);
console.log(`\n${'ms after anvil_mine returned'.padEnd(84)}    p50   p90   p99   max`);
row('hold row visible', samples.map((s) => s.holdSeen - s.mined));
row('alert delivered to the webhook receiver', samples.map((s) => s.alert - s.mined));
row(`hold delivered to the exchange hook (${hookLatencies.length} of ${N})`, hookLatencies);
console.log('\nwhere the time goes (BullMQ job timestamps)');
for (const [name, values] of phases) row(`  ${name}`, values);

await pipeline.stop();
await store.close();
await receiver.close();
await anvil.stop();
if (BACKEND === 'postgres') {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
