/**
 * How fast lists parse and load, how much memory a loaded list takes, and what a lookup costs.
 * Prints numbers; asserts nothing.
 *
 *   npm run bench:lists                         # 100k and 1M entries, PostgreSQL (if up) and PGlite
 *   npm run bench:lists -- --sizes 1000000 --driver pglite
 *
 * Each list is stored first (synthetic EVM and Bitcoin addresses, test/helpers/synthetic-list.ts),
 * then loaded by a child process the way a screen worker loads it (nine jobs asking at once), so
 * that its RSS is the load's alone: peak (the kernel's high-water mark, reset after the store is
 * opened) and what stays after a GC. PostgreSQL: $CORDON_BENCH_PG_URL, else the tests' database.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';

import { loadConfig } from '../src/config/load.js';
import { readAddress, type ParsedAddress } from '../src/domain/address.js';
import { listId, type ListId } from '../src/domain/sanction-entry.js';
import { ListIndexCache } from '../src/pipeline/list-index-cache.js';
import { loadList } from '../src/sanctions/load-list.js';
import { parseOfacCsv } from '../src/sanctions/ofac-csv.js';
import { screenAddress } from '../src/sanctions/screen-address.js';
import type { SnapshotStore } from '../src/sanctions/snapshot-store.js';
import { openStore, type Store, type StoreConfig } from '../src/store/index.js';
import { dropSchema, freshSchema, PG_URL } from '../test/helpers/pg-schema.js';
import { insertSyntheticSnapshot, syntheticEntries, syntheticEntry } from '../test/helpers/synthetic-list.js';
import { stringFlag } from './flags.js';

const LIST = listId('bench-list');
/** How a version is loaded: its index image (as stored by a refresh), or its rows a page at a time (versions stored before images). */
type LoadFrom = 'image' | 'rows';
const PROBES = 2_000;

interface ChildResult {
  readonly entries: number;
  readonly loadMs: number;
  readonly storeReads: number;
  readonly rssBeforeMb: number;
  readonly peakRssMb: number;
  readonly rssAfterGcMb: number;
  readonly heapAfterGcMb: number;
  readonly lookupListedNs: number;
  readonly lookupUnlistedNs: number;
  readonly screenUs: number;
}

const mb = (bytes: number): number => Math.round(bytes / 1e6);

/** VmHWM, the process's peak RSS, in bytes (0 where /proc is missing). */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false where it cannot. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function nsPer(runs: number, fn: () => void): number {
  fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  return Number(process.hrtime.bigint() - t0) / runs;
}

/** In the child: load the stored list as nine screen jobs would, and measure. */
async function child(config: StoreConfig, entries: number, from: LoadFrom): Promise<ChildResult> {
  const store = await openStore(config);
  let storeReads = 0;
  const { indexImage, saveIndexImage, ...withoutImages } = store.lists;
  const lists: SnapshotStore = {
    ...withoutImages,
    ...(from === 'image'
      ? {
          indexImage: (id: ListId, version: number) => {
            storeReads++;
            return indexImage(id, version);
          },
          saveIndexImage,
        }
      : {}),
    snapshotEntriesPage: (id, version, page) => {
      if (page.after === undefined && from === 'rows') storeReads++;
      return store.lists.snapshotEntriesPage(id, version, page);
    },
  };
  gc();
  const rssBefore = process.memoryUsage().rss;
  const resettable = resetPeakRss();
  let sampled = rssBefore;
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 5);

  const cache = new ListIndexCache(lists, loadConfig({ env: {} }).config, pino({ level: 'silent' }));
  const t0 = performance.now();
  const loaded = await Promise.all(Array.from({ length: 9 }, () => cache.current()));
  const loadMs = performance.now() - t0;
  clearInterval(sampler);
  const peak = Math.max(sampled, resettable ? peakRss() : 0, process.memoryUsage().rss);
  const index = loaded[0]?.index;
  if (index === undefined || loaded[0]?.entryCount !== entries) throw new Error(`loaded ${loaded[0]?.entryCount} entries, stored ${entries}`);

  const step = Math.max(1, Math.floor(entries / PROBES));
  const listed: ParsedAddress[] = [];
  for (let n = 0; n < entries && listed.length < PROBES; n += step) listed.push(syntheticEntry(n));
  const unlisted: ParsedAddress[] = Array.from({ length: PROBES }, (_, n) => syntheticEntry(n, 'unlisted'));
  const raw = listed.slice(0, 500).map((p) => p.address as string).concat(unlisted.slice(0, 500).map((p) => p.address));
  let hits = 0;
  const rounds = 200;
  const lookupListedNs = nsPer(rounds, () => { for (const p of listed) hits += index.lookup(p).length; }) / listed.length;
  const lookupUnlistedNs = nsPer(rounds, () => { for (const p of unlisted) hits += index.lookup(p).length; }) / unlisted.length;
  const screenUs = nsPer(10, () => { for (const r of raw) hits += screenAddress(index, r).matches.length; }) / raw.length / 1000;
  if (hits === 0) throw new Error('no probe was found listed');

  gc();
  const after = process.memoryUsage();
  await store.close();
  return {
    entries,
    loadMs,
    storeReads,
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(peak),
    rssAfterGcMb: mb(after.rss),
    heapAfterGcMb: mb(after.heapUsed),
    lookupListedNs,
    lookupUnlistedNs,
    screenUs,
  };
}

async function runChild(config: StoreConfig, entries: number, from: LoadFrom): Promise<ChildResult> {
  const script = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, '--child', JSON.stringify({ config, entries, from })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  if (code !== 0) throw new Error(`the load of ${entries} entries (${config.driver}) exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildResult;
}

/** Stores `entries` synthetic entries; returns the config a child opens it with and how to clean up. */
async function prepare(driver: 'postgres' | 'pglite', entries: number): Promise<{ config: StoreConfig; storeMs: number; cleanup: () => Promise<void> }> {
  const config: StoreConfig =
    driver === 'postgres'
      ? { driver, url: process.env['CORDON_BENCH_PG_URL'] ?? PG_URL, schema: freshSchema('cordon_bench_lists') }
      : { driver, dataDir: mkdtempSync(join(tmpdir(), 'cordon-bench-lists-')) };
  const t0 = performance.now();
  const store: Store = await openStore(config);
  try {
    await insertSyntheticSnapshot(store, LIST, syntheticEntries(entries));
  } finally {
    await store.close();
  }
  const storeMs = performance.now() - t0;
  const cleanup = async (): Promise<void> => {
    if (config.driver === 'postgres') await dropSchema(config.schema as string, config.url);
    else rmSync(config.dataDir, { recursive: true, force: true });
  };
  return { config, storeMs, cleanup };
}

function postgresAnswers(): boolean {
  try {
    execFileSync('pg_isready', ['-q', '-d', process.env['CORDON_BENCH_PG_URL'] ?? PG_URL], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function parseNumbers(): Promise<void> {
  const fixtures = fileURLToPath(new URL('../test/fixtures/real/ofac/', import.meta.url));
  const sdnDir = `${fixtures}sdn-csv-2021`;
  const set = {
    sdn: { file: 'sdn.csv', text: readFileSync(`${sdnDir}/sdn.csv`, 'utf8') },
    comments: { file: 'sdn_comments.csv', text: readFileSync(`${sdnDir}/sdn_comments.csv`, 'utf8') },
  };
  parseOfacCsv(set);
  let t0 = performance.now();
  const csv = parseOfacCsv(set);
  console.log(`${'OFAC SDN CSV 2021 (2 MB) parse'.padEnd(44)} ${(performance.now() - t0).toFixed(1).padStart(8)} ms  (${csv.entries.length} entries)`);
  t0 = performance.now();
  const plain = await loadList({ format: 'plain', source: `${fixtures}lists-2024-09`, programs: [], timeout: 1000 });
  console.log(`${'lists-2024-09 (9 files) read + parse'.padEnd(44)} ${(performance.now() - t0).toFixed(1).padStart(8)} ms  (${plain.entries.length} entries)`);
  const probe = plain.entries[0]?.address ?? '';
  t0 = performance.now();
  for (let i = 0; i < 10_000; i++) readAddress(probe);
  console.log(`${'normalise one address'.padEnd(44)} ${((performance.now() - t0) * 100).toFixed(0).padStart(8)} ns`);
}

async function main(): Promise<void> {
  const sizes = stringFlag('sizes', '100000,1000000').split(',').map(Number);
  const wanted = stringFlag('driver', 'both');
  const drivers = (['postgres', 'pglite'] as const).filter((d) => wanted === 'both' || wanted === d);
  console.log(`load average at start: ${load()} (${process.env['CORDON_BENCH_PG_URL'] ?? PG_URL} for PostgreSQL)`);
  await parseNumbers();
  console.log('');
  console.log('driver    entries from   store   load  reads  RSS before  peak  after GC  heap | lookup listed  unlisted  screen (normalise+lookup)  load avg');
  for (const driver of drivers) {
    if (driver === 'postgres' && !postgresAnswers()) {
      console.log('postgres: not answering; skipped');
      continue;
    }
    for (const entries of sizes) {
      const { config, storeMs, cleanup } = await prepare(driver, entries);
      try {
        for (const from of ['image', 'rows'] as const) {
          const r = await runChild(config, entries, from);
          console.log(
            `${driver.padEnd(8)} ${entries.toLocaleString('en').padStart(9)} ${from.padEnd(5)} ${(storeMs / 1000).toFixed(1).padStart(5)}s ${(r.loadMs / 1000).toFixed(2).padStart(5)}s ${String(r.storeReads).padStart(6)}` +
              ` ${String(r.rssBeforeMb).padStart(8)} MB ${String(r.peakRssMb).padStart(5)} ${String(r.rssAfterGcMb).padStart(6)} MB ${String(r.heapAfterGcMb).padStart(4)} MB` +
              ` | ${r.lookupListedNs.toFixed(0).padStart(9)} ns ${r.lookupUnlistedNs.toFixed(0).padStart(6)} ns ${r.screenUs.toFixed(2).padStart(12)} µs              ${load()}`,
          );
        }
      } finally {
        await cleanup();
      }
    }
  }
  console.log('\nfrom: image = the index image stored with the version (what a refresh writes); rows = its rows a page at a time (versions stored before images);');
  console.log('store: writing the synthetic list with its image (not part of the load); load: nine screen jobs asking at once until all have the index;');
  console.log('reads: store reads of the list (1 = shared); peak: the load process\'s peak RSS; lookup: one index lookup of a normalised address.');
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  const { config, entries, from } = JSON.parse(process.argv[at + 1] ?? '') as { config: StoreConfig; entries: number; from: LoadFrom };
  process.stdout.write(`${JSON.stringify(await child(config, entries, from))}\n`);
} else {
  await main();
}
