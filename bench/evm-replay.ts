/**
 * EVM replay benchmark: how fast Cordon turns a range of mainnet-like blocks into transfers,
 * against the naive ethers loop and the floor (only fetching and parsing the data).
 *
 *   npx tsx bench/evm-replay.ts [--blocks 1000] [--txs 150] [--naive-blocks 20]
 *                               [--live-blocks 100] [--live-naive-blocks 5]
 *                               [--chunk 10] [--concurrency 4] [--window 100] [--jobs 4] [--runs 3]
 *                               [--rebuild]
 *
 * 1. Builds a chain on anvil (automine off; per block `--txs` transactions, half ETH, half
 *    ERC-20 transfers, sent as one JSON-RPC batch, then evm_mine) and records the node's
 *    answers (full-tx blocks, receipts by block, Transfer logs by range) plus the node state
 *    under bench/.cache/ (reruns skip building; --rebuild forces it).
 * 2. Serves the recording from memory (bench/evm-replay/serve.ts, a child process) so the
 *    node's own speed drops out, and times in one run: Cordon's transfersInRange scoped to
 *    the exchange's addresses as the extract stage calls it (build-chain.ts: a hot wallet and
 *    deposit addresses among 100,000 idle ones, in an embedded PGlite store, tested through
 *    the pipeline's watched-address index, which catches up with the store per chunk), the naive loop
 *    (getBlock(n, true) + getTransactionReceipt per tx, over --naive-blocks since it is slow),
 *    and the floor (full-tx blocks + Transfer logs by range, batched, JSON.parse only). Also
 *    printed: Cordon unscoped (every transfer of every block, which needs every receipt) and
 *    the floor with block receipts instead of logs.
 * 3. The same three against live anvil (the recorded chain reloaded), over fewer blocks, and
 *    the per-call costs on anvil that decide Cordon's call set.
 * Cordon is called the way replay runs it: extract jobs of --window blocks (replay's default
 * blocksPerJob), --jobs of them at once (the default pipeline.concurrency.extract), on one
 * source whose --concurrency chunk requests are shared by all of them (one call for all 1,000
 * blocks is printed too; it holds every transfer at once, which costs GC). Each timing is the
 * best of --runs interleaved runs (the machine may be shared). Prints numbers; asserts nothing.
 */
import { cpus, loadavg } from 'node:os';

import { pino } from 'pino';

import { createWatchedAddressIndex } from '../src/accounts/index.js';
import type { TransferScope } from '../src/chains/chain-source.js';
import { normaliseForFamily, type NormalisedAddress } from '../src/domain/address.js';
import { openStore } from '../src/store/index.js';
import { DEV_ACCOUNTS } from '../test/helpers/anvil.js';
import { benchExchange } from './evm-replay/build-chain.js';
import { prepareRecording, ROOT, serveRecording } from './evm-replay/prepare.js';
import { cacheDir } from './evm-replay/recording.js';
import { runCordon, runFloor, runNaive, timeCall, type Jobs, type RunResult, type Tuning } from './evm-replay/runners.js';
import { DEFAULT_BLOCKS_PER_JOB } from '../src/pipeline/replay.js';
import { intFlag } from './flags.js';

const BLOCKS = intFlag('blocks', 1000);
const TXS = intFlag('txs', 150);
const NAIVE_BLOCKS = Math.min(intFlag('naive-blocks', 20), BLOCKS);
const LIVE_BLOCKS = Math.min(intFlag('live-blocks', 100), BLOCKS);
const LIVE_NAIVE_BLOCKS = Math.min(intFlag('live-naive-blocks', 5), BLOCKS);
const TUNING: Tuning = { chunk: intFlag('chunk', 10), concurrency: intFlag('concurrency', 4) };
const RUNS = intFlag('runs', 3);
const JOBS: Jobs = { window: intFlag('window', DEFAULT_BLOCKS_PER_JOB), jobs: intFlag('jobs', 4) };
const REBUILD = process.argv.includes('--rebuild');

const say = (s: string): void => void process.stdout.write(`${s}\n`);
const hex = (n: bigint): string => `0x${n.toString(16)}`;

const rate = (r: RunResult): number => r.blocks / (r.ms / 1000);
const line = (label: string, r: RunResult, what = 'transfers'): string =>
  `${label.padEnd(44)} ${rate(r).toFixed(1).padStart(9)} blocks/s  (${r.blocks} blocks in ${(r.ms / 1000).toFixed(2)} s, ${r.items} ${what})`;

/** Best (fastest) of RUNS runs. */
async function best(run: () => Promise<RunResult>, runs = RUNS): Promise<RunResult> {
  let top: RunResult | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await run();
    if (top === undefined || r.ms < top.ms) top = r;
  }
  return top as RunResult;
}

/** transfersInRange per extract job, JOBS.jobs jobs at once on one source, as replay runs. */
function cordonAsReplay(url: string, first: bigint, last: bigint, scope?: TransferScope): Promise<RunResult> {
  return runCordon(url, first, last, TUNING, scope, JOBS);
}

interface Contest {
  readonly cordon: RunResult;
  readonly naive: RunResult;
  readonly floor: RunResult;
  /** Cordon's time ÷ the floor's, per interleaved round (a slow spell of the machine hits both). */
  readonly roundRatios: number[];
  readonly extra: [string, RunResult, string][];
}

async function contest(url: string, first: bigint, blocks: number, naiveBlocks: number, where: string, scope: TransferScope): Promise<Contest> {
  const last = first + BigInt(blocks) - 1n;
  // Warm up the JIT on every path before timing.
  const warm = first + BigInt(Math.min(blocks, 20)) - 1n;
  await runCordon(url, first, warm, TUNING, scope);
  await runCordon(url, first, warm, TUNING);
  await runFloor(url, first, warm, TUNING);
  await runFloor(url, first, warm, TUNING, true);
  await runNaive(url, first, first + 1n, true);

  // Interleaved rounds, best of each: load from other processes hits all contenders alike.
  const fastest = (a: RunResult | undefined, b: RunResult): RunResult => (a === undefined || b.ms < a.ms ? b : a);
  let cordon: RunResult | undefined;
  let unscoped: RunResult | undefined;
  let floor: RunResult | undefined;
  let floorReceipts: RunResult | undefined;
  const cordonMs: number[] = [];
  const floorMs: number[] = [];
  const rounds: (() => Promise<void>)[] = [
    async () => {
      const r = await cordonAsReplay(url, first, last, scope);
      cordonMs.push(r.ms);
      cordon = fastest(cordon, r);
    },
    async () => void (unscoped = fastest(unscoped, await cordonAsReplay(url, first, last))),
    async () => {
      const r = await runFloor(url, first, last, TUNING);
      floorMs.push(r.ms);
      floor = fastest(floor, r);
    },
    async () => void (floorReceipts = fastest(floorReceipts, await runFloor(url, first, last, TUNING, true))),
  ];
  for (let i = 0; i < RUNS; i++) {
    // Rotate the order so that no contender always runs after the same one.
    for (let j = 0; j < rounds.length; j++) await (rounds[(i + j) % rounds.length] as () => Promise<void>)();
  }
  if (cordon === undefined || unscoped === undefined || floor === undefined || floorReceipts === undefined) throw new Error('--runs must be at least 1');
  const cordonWhole = await runCordon(url, first, last, TUNING, scope);
  const naive = await best(() => runNaive(url, first, first + BigInt(naiveBlocks) - 1n), 1);
  const naiveParallel = await best(() => runNaive(url, first, first + BigInt(naiveBlocks) - 1n, true));
  say('');
  say(`── ${where} ── (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores)`);
  say(line(`Cordon, replay's ${JOBS.jobs} × ${JOBS.window}-block jobs`, cordon, 'transfers touching the exchange'));
  say(`  (of which ${((cordon.lookupMs ?? 0) / 1000).toFixed(2)} s waiting on the scope: the watched-address index catching up with the store, once per chunk)`);
  say(line('naive ethers loop (receipt per tx)', naive));
  say(line('floor: blocks + Transfer logs, JSON.parse', floor, 'txs'));
  return {
    cordon,
    naive,
    floor,
    roundRatios: cordonMs.map((ms, i) => ms / (floorMs[i] as number)),
    extra: [
      ['  (extra) floor: blocks + block receipts', floorReceipts, 'txs'],
      ['  (extra) Cordon unscoped (every transfer)', unscoped, 'transfers'],
      ['  (extra) naive, a block’s receipts at once', naiveParallel, 'transfers'],
      [`  (extra) Cordon, one call for all ${blocks} blocks`, cordonWhole, 'transfers touching the exchange'],
    ],
  };
}

function ratios(r: Contest): void {
  for (const [label, res, what] of r.extra) say(line(label, res, what));
  const c = rate(r.cordon);
  say(`  floor ÷ Cordon (time ratio)      ${(rate(r.floor) / c).toFixed(2)}×   (target ≤ 1.5; best run of each)`);
  const sorted = [...r.roundRatios].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
  say(`    per interleaved round            median ${median.toFixed(2)}×, ${sorted.map((x) => x.toFixed(2)).join(' ')}`);
  const own = r.cordon.ms - (r.cordon.lookupMs ?? 0);
  say(`  floor ÷ Cordon without lookups   ${(own / r.floor.ms).toFixed(2)}×`);
  say(`  Cordon ÷ naive                   ${(c / rate(r.naive)).toFixed(1)}×   (target ≥ 20)`);
  const fr = r.extra[0]?.[1];
  const un = r.extra[1]?.[1];
  if (fr !== undefined && un !== undefined) say(`  floor-with-receipts ÷ Cordon unscoped  ${(rate(fr) / rate(un)).toFixed(2)}×`);
  const np = r.extra[2]?.[1];
  if (np !== undefined) say(`  Cordon ÷ naive-parallel          ${(c / rate(np)).toFixed(1)}×`);
}

async function callCosts(url: string, first: bigint, sample: number, traces: boolean): Promise<void> {
  const ns = Array.from({ length: sample }, (_, i) => first + BigInt(i));
  const txs = (JSON.parse(JSON.stringify(await fetchJson(url, 'eth_getBlockByNumber', [hex(first), false]))) as { transactions: string[] }).transactions;
  const rows: [string, { ms: number; bytes: number }][] = [
    ['eth_getBlockByNumber (full txs)', await timeCall(url, 'eth_getBlockByNumber', ns.map((n) => [hex(n), true]))],
    ['eth_getBlockByNumber (hashes only)', await timeCall(url, 'eth_getBlockByNumber', ns.map((n) => [hex(n), false]))],
    ['eth_getBlockReceipts', await timeCall(url, 'eth_getBlockReceipts', ns.map((n) => [hex(n)]))],
    ['eth_getLogs Transfer, 1 block', await timeCall(url, 'eth_getLogs', ns.map((n) => [{ fromBlock: hex(n), toBlock: hex(n), topics: ['0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'] }]))],
    ['eth_getTransactionReceipt (one tx)', await timeCall(url, 'eth_getTransactionReceipt', txs.slice(0, 20).map((h) => [h]))],
  ];
  const span = { ms: 0, bytes: 0 };
  const r = await timeCall(url, 'eth_getLogs', [[{ fromBlock: hex(first), toBlock: hex(first + BigInt(sample) - 1n), topics: ['0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'] }]]);
  span.ms = r.ms / sample;
  span.bytes = r.bytes / sample;
  rows.push([`eth_getLogs Transfer, ${sample}-block range (per block)`, span]);
  if (traces) {
    rows.push(['trace_block', await timeCall(url, 'trace_block', ns.slice(0, 3).map((n) => [hex(n)]))]);
    rows.push(['debug_traceBlockByNumber callTracer', await timeCall(url, 'debug_traceBlockByNumber', [[hex(first), { tracer: 'callTracer' }]])]);
  }
  for (const [label, { ms, bytes }] of rows) say(`  ${label.padEnd(46)} ${ms.toFixed(2).padStart(8)} ms  ${(bytes / 1024).toFixed(0).padStart(6)} KiB`);
}

async function fetchJson(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

/**
 * The extract stage's scope on an EVM chain (pipeline/extract-stage.ts): the watched-address
 * index over the store, which catches up with it once per chunk read. The store here is the
 * embedded default, PGlite, holding the bench exchange's addresses.
 */
async function exchangeScope(addresses: NormalisedAddress[]): Promise<{ scope: TransferScope; size: number; loadMs: number }> {
  const store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
  for (let i = 0; i < addresses.length; i += 10_000) {
    await store.accounts.upsertWatchedAddresses(addresses.slice(i, i + 10_000).map((address, j) => ({ chain: 'bench', address, accountId: `acct-${i + j}`, kind: i + j === 0 ? 'hot_wallet' : 'deposit' })));
  }
  const index = createWatchedAddressIndex(store.accounts, pino({ level: 'silent' }));
  const t = performance.now();
  await index.current('bench');
  const loadMs = performance.now() - t;
  const scope: TransferScope = {
    among: async (some) => new Set((await store.accounts.findWatchedAddresses('bench', some)).map((w) => w.address)),
    evmAddresses: () => index.current('bench'),
  };
  return { scope, size: new Set(addresses).size, loadMs };
}

async function main(): Promise<void> {
  const dir = cacheDir(ROOT, BLOCKS, TXS);
  const { node, meta } = await prepareRecording(dir, { blocks: BLOCKS, txs: TXS, rebuild: REBUILD });
  const first = BigInt(meta.first);
  const count = Number(BigInt(meta.last) - first) + 1;
  const server = await serveRecording(dir);
  try {
    say(`chain: ${count} blocks × ${meta.txsPerBlock} txs (#${meta.first}-#${meta.last}); chunk ${TUNING.chunk} blocks/request, ${TUNING.concurrency} in flight`);
    const { scope, size, loadMs } = await exchangeScope(benchExchange(DEV_ACCOUNTS[0] as string, count, meta.txsPerBlock).map((a) => normaliseForFamily(a, 'evm')));
    say(`exchange: ${size} watched addresses in an embedded PGlite store (a hot wallet and deposit addresses; 8 of each block’s transactions touch one); index loaded in ${(loadMs / 1000).toFixed(2)} s`);
    const memory = await contest(server.url, first, count, NAIVE_BLOCKS, `recorded answers served from memory (${count} blocks; naive over ${NAIVE_BLOCKS})`, scope);
    ratios(memory);
    const live = await contest(node.url, first, LIVE_BLOCKS, LIVE_NAIVE_BLOCKS, `live anvil (${LIVE_BLOCKS} blocks; naive over ${LIVE_NAIVE_BLOCKS})`, scope);
    ratios(live);
    say('');
    say('── per-call cost, live anvil (sequential, one call per request, mean) ──');
    await callCosts(node.url, first, 10, true);
    say('── per-call cost, memory server ──');
    await callCosts(server.url, first, 10, false);
  } finally {
    server.child.kill();
    await node.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
