/**
 * `cordon replay` exits only when every job of its run is done, on-call alerts included, and
 * says what it leaves to the service: holds the exchange has not been told of yet (only
 * `cordon run`'s hook stage delivers them). Real anvil, a Redis of its own, PGlite, the default
 * OFAC list (Lazarus Group, SDN 27307), a slow local on-call receiver.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEV_ACCOUNTS, freePort, startAnvil, type Anvil } from '../helpers/anvil.js';
import { runCli } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis-server.js';
import { sendEth } from './harness.js';
import { startReceivers, type Receivers } from './receivers.js';

const LAZARUS = '0x098b716b8aaf21512996dc57eb0615e2383e2f96';
const DEPOSIT = DEV_ACCOUNTS[1];
const ETHER = 10n ** 18n;

describe('cordon replay drains its alerts and says what it leaves to the service', () => {
  let anvil: Anvil;
  let redis: RedisServer;
  let receivers: Receivers;
  let config: string;
  let head: bigint;
  const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-drain-'));

  beforeAll(async () => {
    [anvil, receivers] = await Promise.all([startAnvil({ accounts: 3 }), startReceivers()]);
    redis = new RedisServer(await freePort());
    await redis.start();
    // A slow on-call channel: each alert takes it a while.
    receivers.delayMs['/pd'] = 1_500;
    // More alerts than the act stage works on at once (2), so some wait in the queue.
    for (const n of [2n, 3n, 4n, 5n]) await sendEth(anvil, LAZARUS, DEPOSIT, n * ETHER);
    head = BigInt(await anvil.rpc<string>('eth_blockNumber'));
    config = join(dir, 'cordon.yaml');
    writeFileSync(
      config,
      `log: { level: warn }
store: { driver: pglite, dataDir: ${join(dir, 'data')} }
redis: { url: "${redis.url()}" }
chains:
  - { id: anvil, family: evm, network: 31337, endpoints: [{ url: "${anvil.url}" }], startBlock: 0 }
alerts:
  channels:
    - { type: pagerduty, name: oncall, routingKey: test-routing-key, eventsUrl: "${receivers.url}/pd" }
exchangeHook: { url: "${receivers.url}/hook", secret: exchange-hook-secret-for-tests }
`,
    );
    writeFileSync(join(dir, 'accounts.csv'), `chain,address,account_id,kind\nanvil,${DEPOSIT},acct-drain,deposit\n`);
    const imported = await runCli(['--config', config, 'accounts', 'import', join(dir, 'accounts.csv')]);
    expect(imported.code).toBe(0);
  });
  afterAll(async () => {
    await receivers?.close();
    await redis?.close();
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns only after every hold has paged on-call, and says the holds await delivery by cordon run', async () => {
    const r = await runCli(['--config', config, 'replay', '--chain', 'anvil', '--from', '0', '--to', String(head)]);
    expect(r.code).toBe(1);
    // Every alert of the run was taken by the channel before the command returned.
    expect(receivers.on('/pd')).toHaveLength(4);
    expect(r.stdout).toContain('4 alerts sent to on-call');
    expect(r.stdout).toContain('4 holds await delivery to the exchange by `cordon run`');
    // The replay itself delivers nothing to the exchange.
    expect(receivers.on('/hook')).toHaveLength(0);
    // Its completed jobs left Redis with their data: kept a day, a month's replay filled it
    // with gigabytes of them.
    const client = new Redis(redis.url());
    try {
      const jobs = (await client.keys('bull:cordon-*')).filter((k) => /^bull:cordon-[a-z]+:(extract|screen|acts|alerts)-[0-9a-f]+$/.test(k));
      expect(jobs).toEqual([]);
    } finally {
      client.disconnect();
    }
  }, 120_000);
});
