/**
 * The recorded chain both replay benches read: built on anvil once and cached under
 * bench/.cache/ (recording.ts), then served from memory by a child process (serve.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { startAnvil, type Anvil } from '../../test/helpers/anvil.js';
import { buildChain } from './build-chain.js';
import type { ReceiverCounts } from './alert-receiver.js';
import { hasRecording, record, type RecordingMeta } from './recording.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

const say = (s: string): void => void process.stdout.write(`${s}\n`);

/**
 * A live anvil holding the recorded chain (reloaded from the cache, or built now and recorded).
 * `blocks`, `txs`: the chain to build when there is no recording yet.
 */
export async function prepareRecording(dir: string, opts: { blocks: number; txs: number; rebuild: boolean }): Promise<{ node: Anvil; meta: RecordingMeta }> {
  if (!opts.rebuild && hasRecording(dir)) {
    const t = performance.now();
    const node = await startAnvil({ automine: false, accounts: 20, startTimeoutMs: 300_000, args: ['--load-state', `${dir}/anvil-state.json`] });
    const meta = JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as RecordingMeta;
    say(`recording: ${dir} (cached; anvil reloaded its state in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    return { node, meta };
  }
  const node = await startAnvil({ automine: false, accounts: 20, startTimeoutMs: 30_000 });
  say(`building ${opts.blocks} blocks × ${opts.txs} txs on anvil (cached afterwards in ${dir})…`);
  const t = performance.now();
  const { first, last } = await buildChain(node, {
    blocks: opts.blocks,
    txsPerBlock: opts.txs,
    onProgress: (done) => {
      if (done % 100 === 0) say(`  ${done} blocks, ${((performance.now() - t) / 1000).toFixed(0)} s`);
    },
  });
  say(`built in ${((performance.now() - t) / 1000).toFixed(0)} s; recording…`);
  await record(node, dir, { first, last, txsPerBlock: opts.txs });
  const meta = JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as RecordingMeta;
  return { node, meta };
}

/** The bench's on-call receiver (alert-receiver.ts) in a child process. */
export async function startAlertReceiver(secret: string): Promise<{ url: string; counts: () => Promise<ReceiverCounts>; close: () => void }> {
  const { child, port } = await spawnListening('./alert-receiver.ts', [secret], 'alert receiver');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    counts: async () => (await (await fetch(`${url}/counts`)).json()) as ReceiverCounts,
    close: () => void child.kill(),
  };
}

/** Starts a bench script of this folder in a child process and waits for its `listening <port>` line. */
async function spawnListening(script: string, args: readonly string[], what: string): Promise<{ child: ChildProcess; port: number }> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code})`)));
  });
  return { child, port };
}

/** Serves the recording in `dir` from memory, in a child process (its own core). */
export async function serveRecording(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const { child, port } = await spawnListening('./serve.ts', [dir], 'memory server');
  return { url: `http://127.0.0.1:${port}`, child };
}
