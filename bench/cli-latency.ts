/**
 * How long the built `cordon` CLI takes to answer, as a user runs it: each command several
 * times, its median wall time as a multiple of `node -e 0` (the floor: starting Node at all)
 * and its peak RSS (GNU time's maximum resident set size). Prints numbers; asserts nothing.
 *
 *   npm run build && npm run bench:cli
 *   npm run bench:cli -- --runs 7
 *
 * Every command runs against an embedded store in a fresh temp folder with the default lists
 * (config/default.yaml) and `--holds` holds (default 1,000). "first command" is `screen` on a
 * new data directory each run (the store is created and the default list loaded); the others
 * run once the lists are loaded. `holds list` is timed twice: as it runs after a process closed
 * the store (from the copy of the holds, store/holds-copy.ts), and with that copy removed
 * before each run (it then starts the store, as the first `holds list` after a crash does).
 * The goals (issue 15) are printed beside the figures; the load average is printed before and
 * after, since the machine is shared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { normaliseForFamily } from '../src/domain/address.js';
import { blockHash } from '../src/domain/block.js';
import type { NewHold } from '../src/domain/hold.js';
import { holdKey } from '../src/domain/match.js';
import { holdsCopyPath } from '../src/store/holds-copy.js';
import { openStore } from '../src/store/index.js';
import { intFlag } from './flags.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const TIME = '/usr/bin/time';
const BATCH = 10_000;

interface Sample {
  readonly seconds: number;
  readonly peakMb: number;
  readonly code: number;
}

interface Case {
  readonly name: string;
  readonly args: () => readonly string[];
  /** Exit code the command must end with; a run that ends otherwise stops the bench. */
  readonly code: number;
  /** Goals from the issue: at most this many multiples of the floor, or seconds. */
  readonly goal?: { readonly floorTimes?: number; readonly seconds?: number };
  /** Runs before each sample that are not timed (e.g. a fresh data directory). */
  readonly before?: () => void;
}

/**
 * One run under GNU time: wall seconds (measured here, finer than time's 10 ms; GNU time's own
 * start adds about a millisecond to every row alike) and the child's peak RSS.
 */
function timed(argv: readonly string[], out: string): Sample {
  const start = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-f', '%M', '-o', out, ...argv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const m = /^(\d+)$/m.exec(existsSync(out) ? readFileSync(out, 'utf8') : '');
  if (!m) throw new Error(`cannot read GNU time's output for ${argv.join(' ')}: ${r.stderr.slice(-500)}`);
  return { seconds, peakMb: Math.round(Number(m[1]) / 1024), code: r.status ?? -1 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A listed EVM address of the shipped list, and a batch of addresses, a tenth of them listed. */
function addresses(): { listed: string; clean: string; batch: string } {
  const text = readFileSync(join(ROOT, 'lists/ofac-sdn-digital-currency.json'), 'utf8');
  const listed = [...text.matchAll(/"address":"(0x[0-9a-fA-F]{40})"/g)].map((m) => m[1] as string);
  if (listed.length === 0) throw new Error('lists/ofac-sdn-digital-currency.json holds no EVM address');
  const clean = '0x000000000000000000000000000000000000dEaD';
  const lines: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    lines.push(i % 10 === 0 ? (listed[i % listed.length] as string) : `0x${i.toString(16).padStart(8, '0')}${'ab'.repeat(16)}`);
  }
  return { listed: listed[0] as string, clean, batch: `${lines.join('\n')}\n` };
}

/** `n` holds on the shared store, a tenth of them released, as an exchange's store has them after months. */
async function seedHolds(dataDir: string, n: number): Promise<void> {
  const store = await openStore({ driver: 'pglite', dataDir }, { command: 'bench:cli seed' });
  try {
    // Each hold cites an entry of the loaded list (the store checks that it exists).
    const [entry] = await store.db.query<{ list_id: string; version: number; entry_uid: string; address: string; entity_name: string | null; programs: string[] }>(
      `SELECT list_id, version, entry_uid, address, entity_name, programs FROM list_entries WHERE family = 'evm' ORDER BY version DESC LIMIT 1`,
    );
    if (entry === undefined) throw new Error('the warm-up loaded no list with an EVM address');
    const counterparty = normaliseForFamily(entry.address, 'evm');
    const drafts: NewHold[] = Array.from({ length: n }, (_, i) => {
      const txid = `0x${i.toString(16).padStart(64, '0')}`;
      const transferId = `${txid}:tx`;
      return {
        holdKey: holdKey(`acct-${i % 97}`, transferId, entry.entry_uid),
        accountId: `acct-${i % 97}`,
        chain: 'ethereum',
        txid,
        transferId,
        direction: 'deposit',
        counterparty,
        listId: entry.list_id as NewHold['listId'],
        listVersion: entry.version,
        entryUid: entry.entry_uid,
        entityName: entry.entity_name,
        programs: entry.programs,
        authority: 'OFAC',
        amount: 10n ** 18n * BigInt(i + 1),
        asset: 'native',
        units: { symbol: 'ETH', decimals: 18 },
        blockNumber: 19_000_000n + BigInt(i),
        blockHash: blockHash(`0x${(i + 1).toString(16).padStart(64, '0')}`),
        confirmations: 3,
      };
    });
    for (let i = 0; i < drafts.length; i += 500) await store.holds.insertHoldsIfAbsent(drafts.slice(i, i + 500));
    for (let id = 1; id <= n; id += 10) await store.holds.transitionHold(id, { to: 'released', expectedFrom: 'open', actor: 'bench', reason: 'refunded' });
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is missing: it measures each command's peak RSS (apt-get install time)`);
  const runs = intFlag('runs', 5);
  const holds = intFlag('holds', 1_000);
  const work = mkdtempSync(join(tmpdir(), 'cordon-bench-cli-'));
  const { listed, clean, batch } = addresses();
  const batchFile = join(work, 'batch.txt');
  writeFileSync(batchFile, batch);
  const configFor = (dataDir: string): string => {
    const file = join(work, `${dataDir.replace(/\W/g, '_')}.yaml`);
    writeFileSync(file, `store:\n  driver: pglite\n  dataDir: ${JSON.stringify(join(work, dataDir))}\n`);
    return file;
  };
  const config = configFor('store');
  const timeOut = join(work, 'time.txt');
  let fresh = 0;
  let freshConfig = '';
  const cordon = (cfg: () => string, ...args: string[]) => () => [process.execPath, CLI, '--config', cfg(), ...args];

  const cases: Case[] = [
    { name: 'node -e 0 (floor)', args: () => [process.execPath, '-e', '0'], code: 0 },
    { name: 'cordon --version', args: () => [process.execPath, CLI, '--version'], code: 0 },
    {
      name: 'first command, new data dir',
      args: cordon(() => freshConfig, 'screen', listed),
      code: 1,
      goal: { seconds: 5 },
      before: () => {
        freshConfig = configFor(`fresh-${fresh++}`);
      },
    },
    { name: 'screen <listed>', args: cordon(() => config, 'screen', listed), code: 1, goal: { floorTimes: 5 } },
    { name: 'screen <clean>', args: cordon(() => config, 'screen', clean), code: 0, goal: { floorTimes: 5 } },
    { name: `screen --file (${BATCH} addresses)`, args: cordon(() => config, 'screen', '--file', batchFile), code: 1 },
    { name: 'holds list', args: cordon(() => config, 'holds', 'list'), code: 0, goal: { seconds: 1 } },
    {
      name: 'holds list, no copy (starts the store)',
      args: cordon(() => config, 'holds', 'list'),
      code: 0,
      before: () => rmSync(holdsCopyPath(join(work, 'store')), { force: true }),
    },
  ];

  const before = loadavg();
  const rows: { c: Case; s: readonly Sample[] }[] = [];
  try {
    // Loads the lists into the shared store, so the timed `screen` runs find them loaded.
    const warm = timed(cordon(() => config, 'screen', listed)(), timeOut);
    if (warm.code !== 1) throw new Error(`warm-up screen of ${listed} ended with exit ${warm.code}, expected 1 (listed)`);
    await seedHolds(join(work, 'store'), holds);

    for (const c of cases) {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        c.before?.();
        const s = timed(c.args(), timeOut);
        if (s.code !== c.code) throw new Error(`${c.name}: exit ${s.code}, expected ${c.code}`);
        samples.push(s);
      }
      rows.push({ c, s: samples });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const after = loadavg();

  const floor = median(rows[0]?.s.map((x) => x.seconds) ?? [1]);
  const fmt = (n: number) => n.toFixed(3);
  const cols = ['command', 'median s', 'min s', 'x floor', 'peak RSS MB', 'goal', 'met'];
  const table = rows.map(({ c, s }) => {
    const med = median(s.map((x) => x.seconds));
    const peak = Math.max(...s.map((x) => x.peakMb));
    const times = med / floor;
    const goals: string[] = [];
    let met = peak <= 250;
    if (c.goal?.floorTimes !== undefined) {
      goals.push(`<= ${c.goal.floorTimes}x`);
      met &&= times <= c.goal.floorTimes;
    }
    if (c.goal?.seconds !== undefined) {
      goals.push(`<= ${c.goal.seconds} s`);
      met &&= med <= c.goal.seconds;
    }
    goals.push('<= 250 MB');
    return [c.name, fmt(med), fmt(Math.min(...s.map((x) => x.seconds))), `${times.toFixed(1)}x`, String(peak), goals.join(', '), met ? 'yes' : 'NO'];
  });
  const widths = cols.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] as string).length)));
  const line = (r: readonly string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  process.stdout.write(`cordon CLI latency, ${runs} runs each, ${holds} holds in the store (node ${process.version}; floor = median of node -e 0)\n`);
  process.stdout.write(`load average before: ${before.map((x) => x.toFixed(2)).join(' ')}  after: ${after.map((x) => x.toFixed(2)).join(' ')}\n\n`);
  process.stdout.write(`${line(cols)}\n${table.map(line).join('\n')}\n`);
}

await main();
