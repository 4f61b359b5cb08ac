/**
 * `cordon replay` and `cordon run` with a chain whose only endpoint serves another chain (the
 * issue: a config saying Polygon replayed an Ethereum mainnet node and raised holds): both
 * stop within seconds with exit 3, naming the configured and the actual chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort, startAnvil, type Anvil } from '../helpers/anvil.js';
import { runCli, writeConfig } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis-server.js';

let mainnet: Anvil;
let redis: RedisServer;
let config: string;
const dataDir = mkdtempSync(join(tmpdir(), 'cordon-chain-id-'));

beforeAll(async () => {
  // A Redis of the test's own: before the fix the replay ran, against the wrong chain.
  [mainnet, redis] = await Promise.all([startAnvil({ chainId: 1, accounts: 1 }), freePort().then((p) => new RedisServer(p))]);
  await redis.start();
  await mainnet.rpc('anvil_mine', ['0x3']);
  config = writeConfig(
    `store:\n  driver: pglite\n  dataDir: ${dataDir}\nredis:\n  url: ${redis.url()}\nhttp:\n  port: 0\nlog:\n  level: error\n` +
      `chains:\n  - id: polygon\n    family: evm\n    network: 137\n    endpoints:\n      - url: ${mainnet.url}\n`,
  );
});
afterAll(async () => {
  await mainnet?.stop();
  await redis?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const NAMED = `chain id 1 (Ethereum mainnet), but chain \`polygon\` is configured with network 137 (Polygon PoS)`;

describe('a chain whose endpoints all serve another chain', () => {
  it('cordon replay exits 3 within seconds, naming the configured and the actual chain', async () => {
    const started = Date.now();
    const r = await runCli(['--config', config, 'replay', '--chain', 'polygon', '--from', '1', '--to', '3', '--dry-run']);
    expect(r.stderr).toContain(NAMED);
    expect(r.stderr).toContain(`endpoint 127.0.0.1:${mainnet.port}#0`);
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('cordon run exits 3 at start, naming both chains', async () => {
    const started = Date.now();
    const r = await runCli(['--config', config, 'run']);
    expect(r.stderr).toContain(NAMED);
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});
