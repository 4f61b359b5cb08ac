/**
 * New heads over WebSocket: from a real node (anvil serves WebSocket on its HTTP port), and from
 * a small fault server for what a real node will not do on demand (drop the socket, send
 * garbage, refuse subscriptions).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';

import { createEvmChainSource, type EvmChainSource } from '../../../src/chains/evm/index.js';
import { subscribeNewHeads } from '../../../src/chains/evm/new-heads.js';
import type { BlockRef } from '../../../src/domain/block.js';
import { startAnvil, type Anvil } from '../../helpers/anvil.js';
import { until } from '../../follow/fake-chain.js';
import { memoryLogger } from './memory-log.js';

let node: Anvil;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  node = await startAnvil();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await node?.stop();
});

const wsUrl = (httpUrl: string): string => httpUrl.replace(/^http/, 'ws');

describe('new heads from anvil', () => {
  it('each mined block arrives as a head equal to the block the node serves', async () => {
    const { log } = memoryLogger();
    const source: EvmChainSource = createEvmChainSource({ chain: 'anvil', chainId: 31337, endpoints: [{ url: node.url, ws: wsUrl(node.url) }], traces: false, log });
    cleanups.push(() => source.close());
    const heads: BlockRef[] = [];
    expect(source.subscribeHeads).toBeDefined();
    const unsubscribe = source.subscribeHeads!((h) => heads.push(h));
    cleanups.push(unsubscribe);
    // Mine until the subscription is live and delivering, then once more.
    const deadline = Date.now() + 5_000;
    while (heads.length === 0) {
      if (Date.now() > deadline) throw new Error('no head arrived');
      await node.rpc('evm_mine', []);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seen = heads.length;
    await node.rpc('evm_mine', []);
    await until(() => heads.length > seen, 5_000, 'the next head');
    const last = heads.at(-1)!;
    expect(await source.blockAt(last.number)).toEqual(last);
    expect(last.parentHash).toBe((await source.blockAt(last.number - 1n))!.hash);
  });

  it('a source without a WebSocket URL offers no subscription (the follower polls)', () => {
    const { log } = memoryLogger();
    const source = createEvmChainSource({ chain: 'anvil', chainId: 31337, endpoints: [{ url: node.url }], traces: false, log });
    cleanups.push(() => source.close());
    expect(source.subscribeHeads).toBeUndefined();
  });
});

/** A WebSocket server that answers eth_subscribe and lets the test push frames or drop clients. */
async function fakeNode(opts: { refuse?: boolean } = {}): Promise<{ url: string; clients: WebSocket[]; connections: () => number; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const clients: WebSocket[] = [];
  let connections = 0;
  server.on('connection', (ws) => {
    connections++;
    ws.on('message', (data) => {
      const req = JSON.parse(data.toString()) as { id: number; method: string };
      if (req.method !== 'eth_subscribe') return;
      ws.send(
        JSON.stringify(
          opts.refuse
            ? { jsonrpc: '2.0', id: req.id, error: { code: -32601, message: 'the method eth_subscribe does not exist/is not available' } }
            : { jsonrpc: '2.0', id: req.id, result: '0xfeed' },
        ),
      );
      clients.push(ws);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v3/SECRET-KEY`,
    clients,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const header = (n: number): unknown => ({
  number: `0x${n.toString(16)}`,
  hash: `0x${n.toString(16).padStart(64, '0')}`,
  parentHash: `0x${(n - 1).toString(16).padStart(64, '0')}`,
  timestamp: '0x6700',
  miner: '0x0000000000000000000000000000000000000000',
});
const notify = (n: unknown, subscription = '0xfeed'): string => JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result: n } });

describe('new heads from a misbehaving node', () => {
  it('a dropped socket is reconnected and resubscribed; garbage and foreign subscriptions are ignored; the URL never reaches a log', async () => {
    const fake = await fakeNode();
    cleanups.push(() => fake.close());
    const { log, lines } = memoryLogger();
    const heads: bigint[] = [];
    const unsubscribe = subscribeNewHeads({ chain: 'eth', url: fake.url, label: 'fake#0', log, reconnectMinMs: 20 }, (h) => heads.push(h.number));
    cleanups.push(unsubscribe);

    await until(() => fake.clients.length === 1, 5_000);
    fake.clients[0]!.send('not json');
    fake.clients[0]!.send(notify({ number: 'lots' }));
    fake.clients[0]!.send(notify(header(7), '0xother'));
    fake.clients[0]!.send(notify(header(5)));
    await until(() => heads.length === 1, 5_000);
    fake.clients[0]!.terminate();

    await until(() => fake.clients.length === 2, 5_000);
    fake.clients[1]!.send(notify(header(6)));
    await until(() => heads.length === 2, 5_000);
    expect(heads).toEqual([5n, 6n]);
    expect(fake.connections()).toBe(2);

    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('new heads: a message that is not JSON; ignored');
    expect(messages).toContain('new heads: a malformed head; ignored');
    expect(messages).toContain('new heads socket closed; reconnecting');
    expect(messages.filter((m) => m === 'subscribed to new heads')).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain('SECRET-KEY');
  });

  it('a node that refuses subscriptions is left alone: polling only, no reconnect loop', async () => {
    const fake = await fakeNode({ refuse: true });
    cleanups.push(() => fake.close());
    const { log, lines } = memoryLogger();
    const unsubscribe = subscribeNewHeads({ chain: 'eth', url: fake.url, label: 'fake#0', log, reconnectMinMs: 10 }, () => undefined);
    cleanups.push(unsubscribe);
    await until(() => lines.some((l) => l.msg === 'new heads subscription refused; following by polling only'), 5_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.connections()).toBe(1);
  });

  it('after unsubscribing, nothing reconnects', async () => {
    const fake = await fakeNode();
    cleanups.push(() => fake.close());
    const { log } = memoryLogger();
    const unsubscribe = subscribeNewHeads({ chain: 'eth', url: fake.url, label: 'fake#0', log, reconnectMinMs: 10 }, () => undefined);
    await until(() => fake.clients.length === 1, 5_000);
    unsubscribe();
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.connections()).toBe(1);
  });
});
