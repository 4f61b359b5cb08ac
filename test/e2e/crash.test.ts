import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseForFamily } from '../../src/domain/address.js';
import { enqueueReplay, waitForReplay } from '../../src/pipeline/replay.js';
import { DEV_ACCOUNTS, minedReceipt } from '../helpers/anvil.js';
import { CLI } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
import { eventually, LISTED_ETH, LISTED_ETH_2, sendEth, setUpE2e, type E2e } from './harness.js';

const HEAD = 500;
const DEPOSITS = [
  { address: DEV_ACCOUNTS[1], accountId: 'acct-a' },
  { address: DEV_ACCOUNTS[2], accountId: 'acct-b' },
  { address: DEV_ACCOUNTS[3], accountId: 'acct-c' },
] as const;
/** Unlisted senders (dev accounts, unlocked). */
const UNLISTED = [DEV_ACCOUNTS[5], DEV_ACCOUNTS[6], DEV_ACCOUNTS[7]] as const;

interface Expected {
  readonly tx: string;
  readonly block: number;
  readonly accountId: string;
  readonly counterparty: string;
}

/** A `cordon run` worker process (the built CLI, as deployed), killable with SIGKILL. */
function startWorkerProcess(configFile: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [CLI, '--config', configFile, 'run', '--only', 'extract,screen,act'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CORDON_HTTP__PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    if (output.length < 20_000) output += d.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('a worker process killed (-9) in the middle of a replay', () => {
  let e2e: E2e;
  const expected: Expected[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    e2e = await setUpE2e('postgres', 15);
    for (const d of DEPOSITS) {
      await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(d.address, 'evm'), accountId: d.accountId, kind: 'deposit' });
    }
    // 500 blocks: 20 deposits from listed addresses spread over the range to 3 deposit
    // accounts, unlisted deposits and transfers between them, empty blocks in between.
    const depositAt = new Map<number, number>();
    for (let i = 0; i < 20; i++) depositAt.set(12 + i * 24, i);
    const { anvil } = e2e;
    let empty = 0;
    const flush = async () => {
      if (empty > 0) await anvil.rpc('anvil_mine', [`0x${empty.toString(16)}`]);
      empty = 0;
    };
    for (let n = 1; n <= HEAD; n++) {
      const i = depositAt.get(n);
      const traffic = n % 9 === 0;
      if (i === undefined && !traffic) {
        empty++;
        continue;
      }
      await flush();
      let tx: string;
      if (i !== undefined) {
        const d = DEPOSITS[i % DEPOSITS.length] ?? DEPOSITS[0];
        const counterparty = i % 2 === 0 ? LISTED_ETH : LISTED_ETH_2;
        tx = await sendEth(anvil, counterparty, d.address, BigInt(i + 1) * 10n ** 16n);
        expected.push({ tx, block: n, accountId: d.accountId, counterparty });
      } else {
        const from = UNLISTED[n % UNLISTED.length] ?? UNLISTED[0];
        const to = n % 2 === 0 ? (DEPOSITS[n % DEPOSITS.length] ?? DEPOSITS[0]).address : DEV_ACCOUNTS[8];
        tx = await anvil.rpc<string>('eth_sendTransaction', [{ from, to, value: '0x2386f26fc10000' }]);
      }
      const receipt = await minedReceipt(anvil, tx);
      if (Number(receipt.blockNumber) !== n) throw new Error(`tx ${tx} mined in #${Number(receipt.blockNumber)}, expected #${n}`);
    }
    await flush();
    expect(Number(await anvil.rpc<string>('eth_blockNumber'))).toBe(HEAD);
    expect(expected).toHaveLength(20);
    // This process only queues and watches; the workers are child processes.
    await e2e.start([]);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await e2e?.close();
  });

  it('a second process takes over: every block done once, every hold raised exactly once on the right block', { timeout: 150_000 }, async () => {
    const pipeline = e2e.pipeline;
    if (!pipeline) throw new Error('pipeline not started');
    const { ctx } = pipeline;

    const first = startWorkerProcess(e2e.configFile);
    children.push(first.child);
    const runId = await enqueueReplay(ctx, { chain: 'anvil', from: 0n, to: BigInt(HEAD), dryRun: false });

    // Kill the worker once a good part, but not all, of the range is done, preferably while it
    // is acting on a match (raising a hold, paging on-call): an effect in flight.
    const doneAtKill = await eventually(
      'the first worker process to get part of the way',
      async () => {
        if (first.child.exitCode !== null) throw new Error(`worker exited early (${first.child.exitCode}):\n${first.output()}`);
        const done = await ctx.progress.doneCount(runId);
        if (done < 60) return undefined;
        return done >= 400 || (await ctx.queues.act.getActiveCount()) > 0 ? done : undefined;
      },
      60_000,
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed by the signal, no clean exit
    const doneAfterKill = await ctx.progress.doneCount(runId);
    expect(doneAfterKill).toBeGreaterThanOrEqual(doneAtKill);
    expect(doneAfterKill).toBeLessThan(HEAD + 1); // the kill landed mid-run

    // A new process; the dead one's jobs are taken over once their locks expire (5 s here).
    const second = startWorkerProcess(e2e.configFile);
    children.push(second.child);
    await waitForReplay(ctx, runId, () => undefined, 200);

    expect(await ctx.progress.doneCount(runId)).toBe(HEAD + 1); // blocks 0..500, none skipped
    const holds = await e2e.store.holds.listHolds({ limit: 1000 });
    expect(new Set(holds.map((h) => h.holdKey)).size).toBe(holds.length);
    expect(holds).toHaveLength(expected.length);
    for (const want of expected) {
      const mine = holds.filter((h) => h.txid === want.tx);
      expect(mine, `hold of ${want.tx} (block #${want.block})`).toHaveLength(1);
      expect(mine[0]).toMatchObject({ accountId: want.accountId, counterparty: want.counterparty, blockNumber: BigInt(want.block), state: 'open' });
    }
    expect(Object.values(await pipeline.failedCounts()).every((n) => n === 0)).toBe(true);

    // Alerts are jobs of their own: let the second process send them before it stops.
    await eventually(
      'the alert jobs to drain',
      async () => ((await ctx.queues.alerts.getJobCountByTypes('waiting', 'active', 'delayed')) === 0 ? true : undefined),
      60_000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0); // a clean shutdown
  });

  it('every hold paged on-call on every channel despite the crash', () => {
    // Alerts are jobs of their own, queued once the hold is committed, and drained before the
    // second process stopped. A send the killed process had claimed is free again when its
    // claim's lease (15 s) runs out, and the retried job sends it then. At least once: a crash
    // between a send and its record may repeat one, which PagerDuty folds by dedup_key.
    const missing = () => {
      const paged = new Set(e2e.receivers.on('/pd').map((r) => (JSON.parse(r.body) as { dedup_key: string }).dedup_key));
      const slack = e2e.receivers.on('/slack').map((r) => r.body);
      const webhook = e2e.receivers.on('/webhook').map((r) => r.body);
      return expected.flatMap((want) => {
        const hold = `hold of ${want.tx} (block #${want.block})`;
        return [
          ...(slack.some((b) => b.includes(want.tx)) ? [] : [`${hold} on Slack`]),
          ...(webhook.some((b) => b.includes(want.tx)) ? [] : [`${hold} on the webhook`]),
          ...([...paged].some((k) => k.includes(want.tx)) ? [] : [`${hold} on PagerDuty`]),
        ];
      });
    };
        expect(missing()).toEqual([]);
  });
});
