/**
 * The follower against a real node (anvil) with the real EVM chain source and a real store.
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEvmChainSource } from '../../src/chains/evm/index.js';
import type { FollowEvent } from '../../src/follow/events.js';
import { createFollower, type Follower, type FollowerOptions } from '../../src/follow/follower.js';
import { openStore, type Store } from '../../src/store/index.js';
import { DEV_ACCOUNTS, minedReceipt, startAnvil, type Anvil } from '../helpers/anvil.js';
import { until } from './fake-chain.js';

const log = pino({ level: 'silent' });

let node: Anvil;
let store: Store;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [node, store] = await Promise.all([startAnvil(), openStore({ driver: 'pglite', dataDir: 'memory://' })]);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await Promise.all([node?.stop(), store?.close()]);
});

interface RpcBlock {
  readonly number: string;
  readonly hash: string;
  readonly transactions: readonly string[];
}

async function headNumber(): Promise<bigint> {
  return BigInt(await node.rpc<string>('eth_blockNumber'));
}

async function blockAt(n: bigint): Promise<RpcBlock> {
  return node.rpc<RpcBlock>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
}

/** A plain ETH transfer from the first dev account, mined into its own block (automine); resolves once mined. */
async function sendEth(to: string, wei: bigint): Promise<string> {
  const tx = await node.rpc<string>('eth_sendTransaction', [{ from: DEV_ACCOUNTS[0], to, value: `0x${wei.toString(16)}` }]);
  await minedReceipt(node, tx);
  return tx;
}

function follow(
  chain: string,
  opts: Partial<FollowerOptions> = {},
  endpoint: { ws?: boolean } = {},
): { follower: Follower; events: FollowEvent[]; running: Promise<void> } {
  const source = createEvmChainSource({
    chain,
    chainId: 31337, // anvil's default
    endpoints: [{ url: node.url, ...(endpoint.ws === true ? { ws: node.url.replace(/^http/, 'ws') } : {}) }],
    traces: false,
    log,
    backoffBaseMs: 5,
    maxAttempts: 2,
  });
  const events: FollowEvent[] = [];
  const follower = createFollower({
    source,
    cursors: store.cursors,
    log,
    onEvent: async (e) => {
      events.push(e);
    },
    pollIntervalMs: 20,
    backoff: { initialMs: 5, maxMs: 50 },
    ...opts,
  });
  const running = follower.run();
  running.catch(() => undefined);
  cleanups.push(async () => {
    await follower.stop();
    await source.close();
  });
  return { follower, events, running };
}

const blockNumbers = (events: readonly FollowEvent[]): bigint[] =>
  events.flatMap((e) => (e.type === 'block' ? [e.block.number] : []));
const contiguous = (from: bigint, to: bigint): bigint[] => {
  const out: bigint[] = [];
  for (let n = from; n <= to; n++) out.push(n);
  return out;
};

describe('follower on anvil', () => {
  it('hands on new blocks in order, each with its ETH transfers', async () => {
    const start = (await headNumber()) + 1n;
    const { events } = follow('anvil-order', { startBlock: start });
    const recipients = [DEV_ACCOUNTS[1], DEV_ACCOUNTS[2], DEV_ACCOUNTS[3]];
    const txs: string[] = [];
    for (const [i, to] of recipients.entries()) txs.push(await sendEth(to, 1_000n + BigInt(i)));
    const last = await headNumber();
    await until(() => blockNumbers(events).includes(last), 15_000, `block ${last}`);

    expect(blockNumbers(events)).toEqual(contiguous(start, last));
    const blocks = events.flatMap((e) => (e.type === 'block' ? [e] : []));
    for (const [i, e] of blocks.entries()) {
      expect(e.block.hash).toBe((await blockAt(e.block.number)).hash);
      expect(e.transfers.map((t) => ({ tx: t.txHash, from: t.from, to: t.to, amount: t.amount, kind: t.kind }))).toEqual([
        { tx: txs[i], from: DEV_ACCOUNTS[0], to: recipients[i], amount: 1_000n + BigInt(i), kind: 'native' },
      ]);
    }
    expect((await store.cursors.getCursor('anvil-order'))?.number).toBe(last);
  });

  it('anvil_reorg of depth 2 yields a reorg naming exactly the orphaned blocks, then the replacements with their transfers', async () => {
    await node.rpc('anvil_mine', ['0x3']);
    const start = await headNumber();
    const { events } = follow('anvil-reorg', { startBlock: start - 2n });
    await until(() => blockNumbers(events).includes(start), 15_000, `block ${start}`);
    const before = new Map(events.flatMap((e) => (e.type === 'block' ? [[e.block.number, e.block] as const] : [])));

    const replacementTx = { from: DEV_ACCOUNTS[0], to: DEV_ACCOUNTS[4], value: '0x2a' };
    await node.rpc('anvil_reorg', [2, [[replacementTx, 1]]]);
    const [newParent, newTip] = await Promise.all([blockAt(start - 1n), blockAt(start)]);
    await until(() => events.some((e) => e.type === 'block' && e.block.hash === newTip.hash), 15_000, 'the replacement tip');

    const reorgAt = events.findIndex((e) => e.type === 'reorg');
    const reorg = events[reorgAt];
    if (reorg?.type !== 'reorg') throw new Error('no reorg event');
    expect(events.filter((e) => e.type === 'reorg')).toHaveLength(1);
    expect(reorg.orphaned).toEqual([before.get(start - 1n), before.get(start)]);
    expect(reorg.forkPoint).toEqual(before.get(start - 2n));

    const after = events.slice(reorgAt + 1).flatMap((e) => (e.type === 'block' ? [e] : []));
    expect(after.map((e) => e.block.hash)).toEqual([newParent.hash, newTip.hash]);
    expect(after[0]?.transfers).toEqual([]);
    expect(after[1]?.transfers.map((t) => ({ tx: t.txHash, to: t.to, amount: t.amount }))).toEqual([
      { tx: newTip.transactions[0], to: DEV_ACCOUNTS[4], amount: 42n },
    ]);
    expect((await store.cursors.getCursor('anvil-reorg'))?.hash).toBe(newTip.hash);
  });

  it('with a WebSocket URL, a new head wakes the follower long before its next poll', async () => {
    const start = (await headNumber()) + 1n;
    const { events } = follow('anvil-ws', { startBlock: start, pollIntervalMs: 600_000 }, { ws: true });
    // Let the first round pass (nothing to follow yet); from then on only a pushed head can wake it.
    await new Promise((r) => setTimeout(r, 300));
    const before = blockNumbers(events).length;
    let mined = 0n;
    for (let i = 0; i < 20 && blockNumbers(events).length === before; i++) {
      await node.rpc('evm_mine', []);
      mined = await headNumber();
      await new Promise((r) => setTimeout(r, 250));
    }
    await until(() => blockNumbers(events).includes(mined), 5_000, `block ${mined} without a poll`);
    expect(blockNumbers(events)).toEqual(contiguous(start, mined));
  });

  it('a follower stopped and restarted on the same store resumes from its cursor without skipping or repeating a block', async () => {
    const start = (await headNumber()) + 1n;
    const handed: bigint[] = [];
    const onEvent = async (e: FollowEvent): Promise<void> => {
      if (e.type === 'block') handed.push(e.block.number);
    };
    const first = follow('anvil-restart', { startBlock: start, onEvent, batchSize: 2 });
    await node.rpc('anvil_mine', ['0x6']);
    await until(() => handed.length >= 3, 15_000, 'three blocks from the first follower');
    await first.follower.stop();
    const firstRun = handed.length;

    await node.rpc('anvil_mine', ['0x4']);
    const last = await headNumber();
    // startBlock 'latest' is ignored: the cursor decides where a restart resumes.
    follow('anvil-restart', { startBlock: 'latest', onEvent, batchSize: 2 });
    await until(() => handed.includes(last), 15_000, `block ${last}`);

    expect(firstRun).toBeLessThan(handed.length);
    expect(handed).toEqual(contiguous(start, last));
  });

  it('a handler that throws does not move the cursor, and the block is offered again', async () => {
    const start = (await headNumber()) + 1n;
    const failing = start + 1n;
    const attempts = new Map<bigint, number>();
    const cursorWhenRetried: (bigint | undefined)[] = [];
    const handed: bigint[] = [];
    follow('anvil-retry', {
      startBlock: start,
      onEvent: async (e) => {
        if (e.type !== 'block') return;
        const n = e.block.number;
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (n === failing) {
          cursorWhenRetried.push((await store.cursors.getCursor('anvil-retry'))?.number);
          if (attempts.get(n) === 1) throw new Error('screening queue unavailable');
        }
        handed.push(n);
      },
    });
    await node.rpc('anvil_mine', ['0x3']);
    const last = await headNumber();
    await until(() => handed.includes(last), 15_000, `block ${last}`);

    expect(attempts.get(failing)).toBe(2);
    expect(cursorWhenRetried).toEqual([start, start]);
    expect(handed).toEqual(contiguous(start, last));
    expect((await store.cursors.getCursor('anvil-retry'))?.number).toBe(last);
  });
});
