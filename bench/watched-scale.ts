/**
 * Watched addresses at scale: import N addresses (as `cordon accounts import` does, through
 * importAccounts: batches of 1,000, statistics refreshed at the end), then load the daemon's
 * watched-address index from the store in a fresh process, as `cordon run` does at start.
 *
 *   npx tsx bench/watched-scale.ts [--sizes 1000000,10000000] [--driver postgres|pglite|both]
 *
 * Prints per size and driver: import time and the importer's peak RSS, index load time, the
 * loader's RSS and peak RSS, its longest event-loop stall, and the load average. Goal (issue
 * 18): index load ≤ 30 s and ≤ 1.5 GB RSS for 10 M on PostgreSQL. Prints numbers; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { importAccounts } from '../src/accounts/index.js';
import type { NormalisedAddress } from '../src/domain/address.js';
import { openStore, type NewWatchedAddress, type StoreConfig } from '../src/store/index.js';
import { dropSchema, freshSchema, PG_URL } from '../test/helpers/pg-schema.js';
import { DAEMON_NODE_FLAGS } from './daemon-node-flags.js';
import { stringFlag } from './flags.js';

const SIZES = stringFlag('sizes', '1000000,10000000').split(',').map(Number);
const DRIVER = stringFlag('driver', 'postgres');
const CHAIN = 'ethereum';
/** Rows generated and imported at a time, so the importer's memory does not grow with N. */
const SLICE = 500_000;

const say = (s: string): void => void process.stdout.write(`${s}\n`);
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function slice(from: number, count: number): NewWatchedAddress[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { chain: CHAIN, address: `0x${createHash('sha1').update(String(i)).digest('hex')}` as NormalisedAddress, accountId: `acct-${i}`, kind: 'deposit' as const };
  });
}

async function loadInChild(config: StoreConfig): Promise<{ ms: number; addresses: number; rssBytes: number; peakRssBytes: number; longestStallMs: number }> {
  const file = fileURLToPath(new URL('./watched-scale/load-index.ts', import.meta.url));
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, '--import', 'tsx', file, JSON.stringify(config), CHAIN], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`index loader exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Awaited<ReturnType<typeof loadInChild>>;
}

async function run(driver: 'postgres' | 'pglite', size: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-bench-scale-'));
  const schema = freshSchema('bench_scale');
  const config: StoreConfig = driver === 'pglite' ? { driver, dataDir: join(dir, 'data') } : { driver, url: PG_URL, schema };
  try {
    const store = await openStore(config);
    const start = performance.now();
    for (let i = 0; i < size; i += SLICE) {
      // importAccounts refreshes the statistics after each slice it writes; the last one counts.
      await importAccounts(store.accounts, slice(i, Math.min(SLICE, size - i)));
    }
    const importMs = performance.now() - start;
    await store.close();
    const importPeak = process.resourceUsage().maxRSS * 1024;
    const load = await loadInChild(config);
    say(`${driver.padEnd(8)} ${String(size).padStart(9)} addresses: import ${(importMs / 1000).toFixed(1)} s (importer peak RSS ${mb(importPeak)}); ` +
      `index load ${(load.ms / 1000).toFixed(1)} s, ${load.addresses} addresses, RSS ${mb(load.rssBytes)} (peak ${mb(load.peakRssBytes)}), ` +
      `longest event-loop stall ${load.longestStallMs.toFixed(0)} ms  (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores)`);
  } finally {
    if (driver === 'postgres') await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

const drivers = DRIVER === 'both' ? (['postgres', 'pglite'] as const) : [DRIVER as 'postgres' | 'pglite'];
for (const size of SIZES) for (const d of drivers) await run(d, size);
process.exit(0);
