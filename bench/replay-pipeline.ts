/**
 * Whole-pipeline replay benchmark: `cordon replay` over the recorded chain of bench/evm-replay.ts
 * (1,000 blocks × 150 transactions, served from memory), through extract, screen and act with
 * holds written and alerts delivered, on PostgreSQL and on PGlite, next to extract alone in the
 * same run and on the same store.
 *
 *   npm run bench:replay [-- --driver postgres|pglite|both] [--idle 100000] [--runs 1] [--window 100] [--act N]
 *                            [--act-process] [--extract-passes 4] [--warm-chains 3] [--profile]
 *
 * The exchange (bench/evm-replay/exchange-setup.ts): 104,001 watched addresses, every hot-wallet
 * withdrawal registered; a hold list giving 1,500 holds a run (1% of the chain's transfers). Each
 * driver gets a fresh store (a PostgreSQL schema, or a PGlite data directory on disk) and a Redis
 * of its own (a redis-server started here); the alerts go to a signature-checking receiver in a
 * process of its own (bench/evm-replay/alert-receiver.ts), as a SIEM is in a deployment, and
 * warmed up before it takes them, as a long-running SIEM is.
 * Printed: extract-only blocks/s (replay's 4 jobs at once, of --window blocks, on the store's
 * watched-address index; the median of --extract-passes timed passes, 4 by default, half
 * before the end-to-end run and half after it), end-to-end blocks/s (enqueue → every block done and every alert
 * delivered), their ratio (goal ≤ 2 on PostgreSQL, ≤ 3 on PGlite), holds and alerts, and the
 * load average, and (Linux) the CPU each process used during both timed runs, as a share of the
 * machine's cores: whether a run was bound by the daemon's thread or by the whole machine,
 * and the daemon's garbage-collection pauses in each (young and full collections).
 * Both rates are timed warm, as a replay of a month runs after its first minutes, over the same
 * blocks (the last 980 of the default 1,000): extract alone after one untimed pass over the
 * whole recording; the whole pipeline after the whole recording went through every stage, holds
 * and alerts included, on --warm-chains twin chains (3: the same blocks under other chain ids,
 * each with an exchange of its own), then the timed chain's first 20 blocks. Code that runs once
 * per job (20 jobs a stage per pass) is only optimised after a few passes: timed after 20 warm
 * blocks, a fifth of the daemon's CPU in the timed run went to the optimising compiler (a tenth
 * in extract alone's; perf), 166 functions compiled in it after one twin, 107 after three. The
 * daemon's watched-address index is loaded first (its load is printed), as extract alone runs
 * on an index loaded beforehand. Holds, alerts and matches printed are the timed chain's (its
 * first 20 blocks and the timed run).
 * `--runs N`: N runs from nothing per driver, the drivers taking turns, then each driver's
 * median (the machine's other load moves single runs by ±25%). `--profile`: every store
 * statement and Redis command of the end-to-end run, by total time. `--act-process` (PostgreSQL only): the act stage (holds,
 * alerts) runs in a second process, `cordon run --only act`, as an operator scales it out, and
 * this one extracts and screens; PGlite runs stay in one process (its store belongs to one).
 * Prints numbers; asserts only that the answers are complete.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import { pino } from 'pino';

import { createWatchedAddressIndex } from '../src/accounts/index.js';
import type { TransferScope } from '../src/chains/chain-source.js';
import { refreshRequestFor } from '../src/cli/list-requests.js';
import { loadConfig } from '../src/config/load.js';
import { createMetrics } from '../src/pipeline/metrics.js';
import { DEFAULT_BLOCKS_PER_JOB, enqueueReplay, waitForReplay, waitForRunAlerts } from '../src/pipeline/replay.js';
import { startPipeline } from '../src/pipeline/service.js';
import { refreshList } from '../src/sanctions/refresh-list.js';
import type { Store, StoreConfig } from '../src/store/index.js';
import { DEV_ACCOUNTS, freePort } from '../test/helpers/anvil.js';
import { dropSchema, freshSchema, PG_URL } from '../test/helpers/pg-schema.js';
import { RedisServer } from '../test/helpers/redis-server.js';
import { daemonFlagsLine } from './daemon-node-flags.js';
import { BENCH_TOKEN } from './evm-replay/build-chain.js';
import { BENCH_CHAIN, benchListed, benchWarmChain, importExchange, writeCustomList } from './evm-replay/exchange-setup.js';
import { prepareRecording, ROOT, serveRecording, startAlertReceiver } from './evm-replay/prepare.js';
import { cacheDir, loadRecordedBlocks, type Recording } from './evm-replay/recording.js';
import { runCordon, type RunResult } from './evm-replay/runners.js';
import { startActProcess, type ActProcess } from './evm-replay/act-process.js';
import { cpuBetween, cpuSnapshot } from './evm-replay/process-cpu.js';
import { gcLine, watchGcPauses, type GcPauses } from './evm-replay/gc-pauses.js';
import { openTimedStore, type StatementTime } from './evm-replay/timed-store.js';
import { intFlag, stringFlag } from './flags.js';

const BLOCKS = intFlag('blocks', 1000);
const TXS = intFlag('txs', 150);
const IDLE = intFlag('idle', 100_000, 0);
const RUNS = intFlag('runs', 1);
const DRIVER = stringFlag('driver', 'both');
const PROFILE = process.argv.includes('--profile');
const WINDOW = intFlag('window', DEFAULT_BLOCKS_PER_JOB);
/** pipeline.concurrency.act (default: the config's default). */
const ACT = intFlag('act', 0, 0);
const ACT_PROCESS = process.argv.includes('--act-process');
/**
 * Timed passes of extract alone per run, half before the end-to-end run and half after it; the
 * run's extract rate is their median. One pass of ~1.5 s moved by ±25% from pass to pass here
 * (its full collections, the machine's other tenants), and a pass timed only before the
 * end-to-end run missed whatever the machine's speed did while it ran.
 */
const EXTRACT_PASSES = intFlag('extract-passes', 4);
/** Twin chains the whole pipeline is warmed on before its timed run (see above). */
const WARM_CHAINS = Array.from({ length: intFlag('warm-chains', 3, 0) }, (_, i) => benchWarmChain(i + 1));
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

const say = (s: string): void => void process.stdout.write(`${s}\n`);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

interface DriverResult {
  readonly driver: 'postgres' | 'pglite';
  /** The act stage ran in a second process (`cordon run --only act`). */
  readonly actProcess: boolean;
  /** The median pass of extract alone (the middle two's mean when the passes are even). */
  readonly extract: RunResult;
  /** Every timed pass of extract alone, in the order they ran (blocks/s). */
  readonly extractPasses: readonly number[];
  readonly endToEnd: { blocks: number; ms: number };
  readonly holds: number;
  readonly alerts: number;
  readonly matches: number;
  /** The daemon's watched-address index, loaded before the timed run. */
  readonly indexLoadMs: number;
  /** This process's (the daemon's) garbage-collection pauses during each timed run. */
  readonly gc: { readonly extract: GcPauses; readonly endToEnd: GcPauses | null };
  /** CPU by process during each timed run, and each run's share of the machine's cores; null without /proc. */
  readonly cpu: { readonly extract: string; readonly endToEnd: string; readonly extractShare: number; readonly endToEndShare: number } | null;
}

function configYaml(store: StoreConfig, redisUrl: string, nodeUrl: string, chainId: number, listFile: string, receiverUrl: string): string {
  const storeYaml = store.driver === 'pglite' ? `{ driver: pglite, dataDir: ${store.dataDir} }` : `{ driver: postgres, url: "${store.url}", schema: ${store.schema ?? 'public'} }`;
  return `log: { level: warn }
store: ${storeYaml}
redis: { url: "${redisUrl}" }
lists:
  - id: bench-list
    format: custom-json
    source: ${listFile}
    policy: hold
    authority: Bench compliance list
chains:
${[BENCH_CHAIN, ...WARM_CHAINS]
  .map(
    (id) => `  - id: ${id}
    family: evm
    network: ${chainId}
    endpoints: [{ url: "${nodeUrl}" }]
    startBlock: 0
    tokens: [{ address: "${BENCH_TOKEN}", symbol: BOB, decimals: 18 }]
`,
  )
  .join('')}${ACT > 0 ? `pipeline: { concurrency: { act: ${ACT} } }\n` : ''}alerts:
  rateLimitPerMinute: 10000000
  burst: 100000
  channels:
    - { type: webhook, name: siem, url: "${receiverUrl}/webhook", secret: ${WEBHOOK_SECRET} }
`;
}

function printProfile(times: Map<string, StatementTime>, redisStats: string): void {
  say('  store statements by total time (ms summed over concurrent calls):');
  const rows = [...times.values()].sort((a, b) => b.ms - a.ms).slice(0, 14);
  for (const r of rows) say(`    ${r.ms.toFixed(0).padStart(8)} ms ${String(r.calls).padStart(7)} calls  ${r.statement}`);
  say('  Redis commands (server side):');
  const cmds = redisStats
    .split('\n')
    .map((l) => /^cmdstat_(\w+):calls=(\d+),usec=(\d+)/.exec(l.trim()))
    .flatMap((m) => (m ? [{ cmd: m[1] as string, calls: Number(m[2]), usec: Number(m[3]) }] : []))
    .sort((a, b) => b.calls - a.calls)
    .slice(0, 12);
  for (const c of cmds) say(`    ${String(c.calls).padStart(8)} calls ${(c.usec / 1000).toFixed(0).padStart(7)} ms  ${c.cmd}`);
}

/** Blocks each timed run is warmed up on first (the same for both), then left out of its timing. */
const WARM_BLOCKS = 20n;

async function runDriver(driver: 'postgres' | 'pglite', rec: Pick<Recording, 'meta' | 'blocks'>, nodeUrl: string, redis: RedisServer, db: number): Promise<DriverResult> {
  const dir = mkdtempSync(join(tmpdir(), `cordon-bench-replay-${driver}-`));
  const schema = freshSchema('bench_replay');
  const storeConfig: StoreConfig = driver === 'pglite' ? { driver, dataDir: join(dir, 'data') } : { driver, url: PG_URL, schema };
  const { store, times } = await openTimedStore(storeConfig, PROFILE);
  const receiver = await startAlertReceiver(WEBHOOK_SECRET);
  const first = BigInt(rec.meta.first);
  const last = BigInt(rec.meta.last);
  const timedFrom = first + WARM_BLOCKS;
  try {
    const t = performance.now();
    const imported = await importExchange(store, rec.blocks, rec.meta.txsPerBlock, DEV_ACCOUNTS[0], IDLE);
    for (const chain of WARM_CHAINS) await importExchange(store, rec.blocks, rec.meta.txsPerBlock, DEV_ACCOUNTS[0], IDLE, chain);
    const listed = benchListed(rec.blocks.length, DEV_ACCOUNTS[2]);
    const list = { file: writeCustomList('bench', listed), listed: listed.length };
    const configFile = join(dir, 'cordon.yaml');
    writeFileSync(configFile, configYaml(storeConfig, redis.url(db), nodeUrl, Number(rec.meta.chainId), list.file, receiver.url));
    const { config } = loadConfig({ file: configFile, env: {} });
    const silent = pino({ level: 'silent' });
    for (const l of config.lists) await refreshList(store.lists, silent, refreshRequestFor(l));
    say(
      `${driver}: ${imported.addresses} watched addresses, ${imported.withdrawals} withdrawals (as many again for each of ${WARM_CHAINS.length} twin chains), ${list.listed} listed addresses, set up in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    // Extract alone: replay's jobs (4 at once, --window blocks each) on the store's watched-address index.
    const index = createWatchedAddressIndex(store.accounts, silent);
    const scope: TransferScope = {
      among: async (some) => new Set((await store.accounts.findWatchedAddresses(BENCH_CHAIN, some)).map((w) => w.address)),
      evmAddresses: () => index.current(BENCH_CHAIN),
    };
    const extractFrom = (from: bigint): Promise<RunResult> => runCordon(nodeUrl, from, last, { chunk: 10, concurrency: 4 }, scope, { window: WINDOW, jobs: 4 });
    // Warm: the whole recording once, untimed, as the end-to-end run is warmed on its twins.
    await extractFrom(first);
    const passes: ExtractPass[] = [];
    const extractPass = async (): Promise<void> => {
      const gc = watchGcPauses();
      const cpuBefore = cpuSnapshot();
      const run = await extractFrom(timedFrom);
      passes.push({ run, cpu: cpuBetween(cpuBefore, cpuSnapshot()), gc: gc.stop() });
    };
    for (let i = 0; i < Math.ceil(EXTRACT_PASSES / 2); i++) await extractPass();

    const control = new Redis(redis.url(db));
    await control.flushdb();
    await control.config('RESETSTAT');
    times.clear();
    const scaledOut = ACT_PROCESS && driver === 'postgres';
    const pipeline = await startPipeline({
      config,
      store,
      log: silent,
      metrics: createMetrics({ defaultMetrics: false }),
      stages: scaledOut ? ['extract', 'screen'] : ['extract', 'screen', 'act'],
    });
    let actProcess: ActProcess | null = null;
    let matches = 0;
    let warmHolds = 0;
    let warmAlerts = 0;
    let ms = 0;
    let indexLoadMs = 0;
    let e2eCpu: ReturnType<typeof cpuBetween> = null;
    let e2eGc: GcPauses | null = null;
    try {
      // Timed warm, as extract alone is: the daemon loads its watched-address index once per
      // start, not per block; the load is printed on its own.
      const warm = performance.now();
      await pipeline.ctx.watched.current(BENCH_CHAIN);
      indexLoadMs = performance.now() - warm;
      if (scaledOut) actProcess = await startActProcess(configFile, pipeline.ctx.queues.act);
      // Warm, as extract alone is: the whole recording goes through every stage on each twin
      // chain (its own exchange, so its holds are its own), then the timed chain's first blocks
      // (a long-running daemon's code is compiled and its connections are open).
      const warmUp = async (chain: string, to: bigint): Promise<string> => {
        const run = await enqueueReplay(pipeline.ctx, { chain, from: first, to, dryRun: false, blocksPerJob: WINDOW });
        await waitForReplay(pipeline.ctx, run, () => undefined, 50);
        const left = await waitForRunAlerts(pipeline.ctx, run, 600_000, 50);
        if (left.pending > 0 || left.failed > 0) throw new Error(`${driver}: ${left.pending} alerts pending and ${left.failed} failed after the warm-up on ${chain}`);
        return run;
      };
      for (const chain of WARM_CHAINS) {
        await pipeline.ctx.watched.current(chain);
        await warmUp(chain, last);
      }
      warmHolds = await holdCount(store);
      warmAlerts = (await receiver.counts()).posts['/webhook'] ?? 0;
      const warmRun = await warmUp(BENCH_CHAIN, timedFrom - 1n);
      matches = (await pipeline.ctx.progress.matches(warmRun)).length;
      // --profile: the timed run's statements only.
      times.clear();
      const gcWatch = watchGcPauses();
      const cpuStart = cpuSnapshot();
      const start = performance.now();
      // --profile: when each stage's queue had taken and finished its jobs (250 ms samples).
      const timeline: string[] = [];
      const sampler = PROFILE
        ? setInterval(() => {
            void Promise.all(pipeline.ctx.queues.all.map((q) => q.getJobCounts('waiting', 'active', 'completed'))).then((counts) => {
              const at = ((performance.now() - start) / 1000).toFixed(2);
              timeline.push(`${at.padStart(6)} s  ${counts.map((c, i) => `${pipeline.ctx.queues.all[i]?.name}: ${c['waiting']} waiting ${c['active']} active ${c['completed']} done`).join(' | ')}`);
            });
          }, 250)
        : undefined;
      const runId = await enqueueReplay(pipeline.ctx, { chain: BENCH_CHAIN, from: timedFrom, to: last, dryRun: false, blocksPerJob: WINDOW });
      await waitForReplay(pipeline.ctx, runId, () => undefined, 50);
      const left = await waitForRunAlerts(pipeline.ctx, runId, 600_000, 50);
      ms = performance.now() - start;
      e2eCpu = cpuBetween(cpuStart, cpuSnapshot());
      e2eGc = gcWatch.stop();
      clearInterval(sampler);
      if (PROFILE) for (const t of timeline) say(`  ${t}`);
      if (left.pending > 0 || left.failed > 0) throw new Error(`${driver}: ${left.pending} alerts pending and ${left.failed} failed after the replay`);
      matches += (await pipeline.ctx.progress.matches(runId)).length;
    } finally {
      await pipeline.stop();
      await actProcess?.stop();
    }
    for (let i = 0; i < Math.floor(EXTRACT_PASSES / 2); i++) await extractPass();
    const { extract, extractCpu, extractCpuMs, extractGc } = medianPass(passes);
    const redisStats = String(await control.info('commandstats'));
    control.disconnect();
    const holds = (await holdCount(store)) - warmHolds;
    const counts = await receiver.counts();
    if (counts.badSignatures > 0) throw new Error(`${driver}: the receiver refused ${counts.badSignatures} alerts whose signature did not check`);
    const delivered = counts.posts['/webhook'] ?? 0;
    if (counts.distinctKeys !== delivered) throw new Error(`${driver}: ${delivered} alerts delivered for ${counts.distinctKeys} distinct alerts`);
    const alerts = delivered - warmAlerts;
    const result: DriverResult = {
      driver,
      actProcess: scaledOut,
      extract,
      extractPasses: passes.map((p) => p.run.blocks / (p.run.ms / 1000)),
      endToEnd: { blocks: Number(last - timedFrom + 1n), ms },
      holds,
      alerts,
      matches,
      indexLoadMs,
      gc: { extract: extractGc, endToEnd: e2eGc },
      cpu:
        extractCpu === null || e2eCpu === null
          ? null
          : {
              extract: extractCpu.line,
              endToEnd: e2eCpu.line,
              extractShare: extractCpu.totalMs / (extractCpuMs * cpus().length),
              endToEndShare: e2eCpu.totalMs / (ms * cpus().length),
            },
    };
    printResult(result);
    if (PROFILE) printProfile(times, redisStats);
    return result;
  } finally {
    receiver.close();
    await store.close();
    if (driver === 'postgres') await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

function printResult(r: DriverResult): void {
  const { extract: extractRate, endToEnd: e2eRate } = rates(r);
  const goal = r.driver === 'postgres' ? 2 : 3;
  say(`── ${r.driver}${r.actProcess ? ', act stage in a second process' : ''} ── (load average ${load()} on ${cpus().length} cores)`);
  say(`  extract only                ${extractRate.toFixed(1).padStart(8)} blocks/s  (${r.extract.blocks} blocks in ${(r.extract.ms / 1000).toFixed(2)} s, ${r.extract.items} transfers touching the exchange)`);
  say(`    median of ${r.extractPasses.length} passes, half before the end-to-end run and half after it: ${r.extractPasses.map((x) => x.toFixed(0)).join(', ')} blocks/s`);
  say(`  end to end (replay)         ${e2eRate.toFixed(1).padStart(8)} blocks/s  (${r.endToEnd.blocks} blocks in ${(r.endToEnd.ms / 1000).toFixed(2)} s; ${r.holds} holds, ${r.alerts} alerts delivered, ${r.matches} matches)`);
  say(`  extract ÷ end to end        ${(extractRate / e2eRate).toFixed(2)}×   (goal ≤ ${goal}; both timed with the daemon's watched-address index loaded, which took ${(r.indexLoadMs / 1000).toFixed(2)} s)`);
  if (r.cpu !== null) {
    say(`  CPU, extract only (its median pass): ${percent(r.cpu.extractShare)} of ${cpus().length} cores (${r.cpu.extract})`);
    say(`  CPU, end to end:   ${percent(r.cpu.endToEndShare)} of ${cpus().length} cores (${r.cpu.endToEnd})`);
  }
  say(`  GC pauses of the daemon's thread: extract only ${gcLine(r.gc.extract)}; end to end ${r.gc.endToEnd === null ? '-' : gcLine(r.gc.endToEnd)}`);
  say(`  a month of Ethereum (216,000 blocks) end to end: ${(216_000 / e2eRate / 60).toFixed(1)} min`);
}

const holdCount = async (store: Store): Promise<number> => Object.values(await store.holds.countHoldsByState()).reduce((a, b) => a + b, 0);

interface ExtractPass {
  readonly run: RunResult;
  readonly cpu: ReturnType<typeof cpuBetween>;
  readonly gc: GcPauses;
}

/**
 * The passes' median as one pass: its time is the median time (the middle two's mean when the
 * passes are even); its CPU and GC lines are those of the pass nearest that time.
 */
function medianPass(passes: readonly ExtractPass[]): { extract: RunResult; extractCpu: ReturnType<typeof cpuBetween>; extractCpuMs: number; extractGc: GcPauses } {
  const ms = median(passes.map((p) => p.run.ms));
  const nearest = passes.reduce((a, b) => (Math.abs(b.run.ms - ms) < Math.abs(a.run.ms - ms) ? b : a));
  return { extract: { ...nearest.run, ms }, extractCpu: nearest.cpu, extractCpuMs: nearest.run.ms, extractGc: nearest.gc };
}

const rates = (r: DriverResult): { extract: number; endToEnd: number; ratio: number } => {
  const extract = r.extract.blocks / (r.extract.ms / 1000);
  const endToEnd = r.endToEnd.blocks / (r.endToEnd.ms / 1000);
  return { extract, endToEnd, ratio: extract / endToEnd };
};

const percent = (share: number): string => `${Math.round(share * 100)}%`;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function printMedian(runs: readonly DriverResult[]): void {
  const all = runs.map(rates);
  const goal = runs[0]?.driver === 'postgres' ? 2 : 3;
  say(`── ${runs[0]?.driver}${runs[0]?.actProcess ? ', act stage in a second process' : ''}: median of ${runs.length} runs ── (load average ${load()} on ${cpus().length} cores)`);
  say(`  extract only ${median(all.map((r) => r.extract)).toFixed(1)} blocks/s, end to end ${median(all.map((r) => r.endToEnd)).toFixed(1)} blocks/s`);
  say(`  extract ÷ end to end        ${median(all.map((r) => r.ratio)).toFixed(2)}×   (goal ≤ ${goal}; each run: ${all.map((r) => r.ratio.toFixed(2)).join(', ')})`);
  const cpu = runs.flatMap((r) => (r.cpu === null ? [] : [r.cpu]));
  if (cpu.length > 0) {
    say(`  CPU used of ${cpus().length} cores (median): extract only ${percent(median(cpu.map((c) => c.extractShare)))}, end to end ${percent(median(cpu.map((c) => c.endToEndShare)))}`);
  }
}

async function main(): Promise<void> {
  const dir = cacheDir(ROOT, BLOCKS, TXS);
  const { node, meta } = await prepareRecording(dir, { blocks: BLOCKS, txs: TXS, rebuild: false });
  // The memory server answers every read; the live node only had to exist to build the recording.
  await node.stop();
  // The blocks only, for the exchange's set-up: the served recording lives in its server's process.
  const rec = await loadRecordedBlocks(dir);
  const server = await serveRecording(dir);
  const redis = new RedisServer(await freePort());
  await redis.start();
  try {
    say(`chain: ${rec.blocks.length} blocks × ${meta.txsPerBlock} txs, served from memory; load average ${load()} on ${cpus().length} cores; ${daemonFlagsLine()}`);
    const drivers = DRIVER === 'both' ? (['postgres', 'pglite'] as const) : [DRIVER as 'postgres' | 'pglite'];
    const results: DriverResult[] = [];
    // Each run from nothing (a fresh store, Redis database and receiver), drivers taking turns,
    // so that a busy moment of the machine does not fall on one driver's runs only.
    for (let run = 0; run < RUNS; run++) for (const [i, d] of drivers.entries()) results.push(await runDriver(d, rec, server.url, redis, i));
    if (RUNS > 1) for (const d of drivers) printMedian(results.filter((r) => r.driver === d));
    const holds = new Set(results.map((r) => `${r.holds}/${r.alerts}`));
    if (holds.size > 1) throw new Error(`the drivers disagree on holds/alerts: ${[...holds].join(' vs ')}`);
  } finally {
    server.child.kill();
    await redis.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
