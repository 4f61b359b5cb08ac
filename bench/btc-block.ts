/**
 * Bitcoin block benchmark on mainnet block 413567 (999,887 bytes, 1,557 transactions, 3,581
 * outputs; test/fixtures/real/bitcoin/block413567.raw): what Cordon's extractor costs next to
 * bitcoinjs-lib.
 *
 *   npx tsx bench/btc-block.ts [--runs 40] [--naive-runs 12]
 *
 * Timed in one process, interleaved round by round so machine load hits all alike:
 * - floor:   bitcoinjs-lib `Block.fromBuffer` alone (parse, no addresses, no txids);
 * - naive:   `Block.fromBuffer` + `address.fromOutputScript` per output + `getId()` per tx;
 * - cordon:  `parseBlock` (src/chains/bitcoin/parse-block.ts): every txid, every output's
 *            address and value, every outpoint spent, and the merkle root checked against the
 *            header (which the naive path does not do);
 * - cordon without the merkle check, for comparison with the naive path's work.
 * A full GC runs before every timed call, so each is charged its own garbage rather than its
 * predecessor's. Prints median and best per path and the ratios; checks once that Cordon's txids
 * and addresses equal bitcoinjs-lib's. Asserts nothing else.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

import * as bitcoin from 'bitcoinjs-lib';

import { utxoNetwork } from '../src/chains/bitcoin/networks.js';
import { parseBlock } from '../src/chains/bitcoin/parse-block.js';
import { intFlag } from './flags.js';

const RUNS = intFlag('runs', 40);
const NAIVE_RUNS = Math.min(intFlag('naive-runs', 12), RUNS);
const FIXTURE = fileURLToPath(new URL('../test/fixtures/real/bitcoin/block413567.raw', import.meta.url));
const raw = readFileSync(FIXTURE);
const mainnet = utxoNetwork('bitcoin', 'mainnet');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const say = (s: string): void => void process.stdout.write(`${s}\n`);

function naive(): { ids: string[]; addresses: (string | null)[] } {
  const block = bitcoin.Block.fromBuffer(raw);
  const ids: string[] = [];
  const addresses: (string | null)[] = [];
  for (const tx of block.transactions ?? []) {
    ids.push(tx.getId());
    for (const o of tx.outs) {
      try {
        addresses.push(bitcoin.address.fromOutputScript(o.script, bitcoin.networks.bitcoin));
      } catch {
        addresses.push(null);
      }
    }
  }
  return { ids, addresses };
}

const paths: Record<string, { runs: number; fn: () => unknown; times: number[] }> = {
  floor: { runs: RUNS, fn: () => bitcoin.Block.fromBuffer(raw), times: [] },
  naive: { runs: NAIVE_RUNS, fn: naive, times: [] },
  cordon: { runs: RUNS, fn: () => parseBlock(raw, mainnet), times: [] },
  'cordon, no merkle check': { runs: RUNS, fn: () => parseBlock(raw, mainnet, { verifyMerkleRoot: false }), times: [] },
};

// Same answers first.
const ref = naive();
const mine = parseBlock(raw, mainnet);
const mineIds = mine.txs.map((t) => t.txid);
const mineAddresses = mine.txs.flatMap((t) => t.outputs.map((o) => o.address));
const same = mineIds.length === ref.ids.length && mineIds.every((id, i) => id === ref.ids[i]) && mineAddresses.length === ref.addresses.length && mineAddresses.every((a, i) => a === ref.addresses[i]);
say(`block 413567: ${raw.length} bytes, ${mine.txs.length} txs, ${mineAddresses.length} outputs (${mineAddresses.filter((a) => a === null).length} without address)`);
say(`cordon's txids and addresses equal bitcoinjs-lib's: ${same ? 'yes' : 'NO'}`);
if (!same) process.exitCode = 1;

// Warm up every path (JIT), then interleave.
for (let i = 0; i < 5; i++) for (const p of Object.values(paths)) p.fn();
for (let round = 0; round < RUNS; round++) {
  for (const p of Object.values(paths)) {
    if (round >= p.runs) continue;
    gc();
    const t = performance.now();
    p.fn();
    p.times.push(performance.now() - t);
  }
}

const stats = (xs: number[]): { median: number; best: number } => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { median: s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2, best: s[0] as number };
};
const results = Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, stats(p.times)]));
const floor = results['floor'] as { median: number; best: number };
say('');
say(`${'path'.padEnd(26)}${'median ms'.padStart(11)}${'best ms'.padStart(10)}${'× floor (median)'.padStart(18)}${'× floor (best)'.padStart(16)}  runs`);
for (const [name, r] of Object.entries(results)) {
  say(
    `${name.padEnd(26)}${r.median.toFixed(2).padStart(11)}${r.best.toFixed(2).padStart(10)}${(r.median / floor.median).toFixed(2).padStart(18)}${(r.best / floor.best).toFixed(2).padStart(16)}  ${paths[name]?.times.length}`,
  );
}
const cordon = results['cordon'] as { median: number; best: number };
const naiveR = results['naive'] as { median: number; best: number };
say('');
say(`cordon vs floor: ${(cordon.median / floor.median).toFixed(2)}× (target ≤ 2×); cordon vs naive: ${(naiveR.median / cordon.median).toFixed(1)}× faster`);
