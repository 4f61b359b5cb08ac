/**
 * The issue: with `cordon run` on PGlite, `cordon accounts withdrawal` from a second process
 * wrote its row into the directory the service had open, and the running pipeline never saw it
 * (the withdrawal was alerted as unattributed instead of held). While `cordon run` holds the
 * embedded store, writing commands go through its API; the others are refused naming it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseHold } from '../../src/holds/index.js';
import { openStore, readDataDirLock } from '../../src/store/index.js';
import { freePort } from '../helpers/anvil.js';
import { CLI, runCli, writeConfig } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
import { addr, depositMatch, freshTx, seedSdn } from '../holds/helpers.js';

const TOKEN = 'embedded-store-lock-test-token';
const REDIS_URL = 'redis://127.0.0.1:6379/4';
const DESTINATION = '0x2222222222222222222222222222222222222222';

const root = mkdtempSync(join(tmpdir(), 'cordon-cli-lock-'));
const dataDir = join(root, 'data');
// A chain for the commands to name; its node is never asked (no follow or extract stage runs).
const config = writeConfig(
  `store: { driver: pglite, dataDir: ${dataDir} }\nredis: { url: "${REDIS_URL}" }\nhttp: { host: 127.0.0.1, port: 0 }\nlists: []\nlog: { level: info }\n` +
    `chains:\n  - id: eth\n    family: evm\n    network: 1\n    endpoints: [{ url: "http://127.0.0.1:9" }]\n`,
);
const env = { CORDON_API_TOKEN: TOKEN };

let service: ChildProcessWithoutNullStreams | undefined;
let serviceLog = '';
let api = '';
let holdId = 0;

beforeAll(async () => {
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
  // A hold to release, written before the service starts (when the store is free).
  const store = await openStore({ driver: 'pglite', dataDir }, { command: 'test setup' });
  const entry = await seedSdn(store);
  holdId = (await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx() }), 1)).hold.id;
  await store.close();

  service = spawn(process.execPath, [CLI, '--config', config, 'run', '--only', 'screen,act,http'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
  });
  service.stderr.on('data', (d: Buffer) => {
    serviceLog += d.toString();
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const holder = await readDataDirLock(dataDir);
    if (holder?.api !== undefined && holder.pid === service.pid) {
      api = holder.api;
      break;
    }
    if (service.exitCode !== null || Date.now() > deadline) throw new Error(`cordon run did not announce its API:\n${serviceLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  if (service && service.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((r) => service?.once('exit', r));
  }
  rmSync(root, { recursive: true, force: true });
});

async function getHold(id: number): Promise<{ hold: { state: string }; events: { actor: string; reason: string | null }[] }> {
  const res = await fetch(`${api}/v1/holds/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { hold: { state: string }; events: { actor: string; reason: string | null }[] };
}

describe('while `cordon run` holds the embedded store', () => {
  it('records its API URL in the store lock', async () => {
    expect(await readDataDirLock(dataDir)).toMatchObject({ pid: service?.pid, hostname: hostname(), command: 'cordon run' });
    expect(api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('cordon accounts withdrawal goes through the running service and says so', async () => {
    const r = await runCli(['--config', config, 'accounts', 'withdrawal', '--id', 'w-1', '--chain', 'eth', '--account', 'acct-7', '--destination', DESTINATION], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`withdrawal w-1 registered for account acct-7 through the running service at ${api} (\`cordon run\` (pid ${service?.pid}, since ${(await readDataDirLock(dataDir))?.startedAt}))\n`);
  }, 60_000);

  it('cordon holds release goes through the running service, which sees the hold released', async () => {
    const r = await runCli(['--config', config, 'holds', 'release', String(holdId), '--reason', 'false positive: name match only', '--actor', 'analyst-1'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`hold #${holdId} released through the running service at ${api}`);
    const shown = await getHold(holdId);
    expect(shown.hold.state).toBe('released');
    expect(shown.events.at(-1)).toMatchObject({ actor: 'analyst-1', reason: 'false positive: name match only' });
  }, 60_000);

  it('cordon holds list reads through the running service, never the copy from before it started', async () => {
    // The set-up closed the store with the hold open, which wrote the copy `holds list` reads
    // when no process holds the store; the service removed it as it opened the store.
    expect(existsSync(join(dataDir, 'cordon-holds.json'))).toBe(false);
    const listed = await runCli(['--config', config, 'holds', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: holdId, state: 'released', amount: '100000000000000000000' })]);
    const text = await runCli(['--config', config, 'holds', 'list', '--state', 'open'], { env });
    expect(text.stdout).toBe('no holds\n');
    // Without the token it cannot read through the API: refused, naming the holder and its API.
    const refused = await runCli(['--config', config, 'holds', 'list']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`its API at ${api} answers (GET /v1/holds`);
  }, 60_000);

  it('cordon accounts import sends each address to the running service', async () => {
    const csv = join(root, 'accounts.csv');
    writeFileSync(csv, `chain,address,account_id,kind\neth,0x3333333333333333333333333333333333333333,acct-8,deposit\neth,0x4444444444444444444444444444444444444444,acct-9,deposit\n`);
    const r = await runCli(['--config', config, 'accounts', 'import', csv], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`2 addresses read: 2 stored through the running service at ${api}`);
  }, 60_000);

  it('without CORDON_API_TOKEN a writing command exits 2, saying to set it, and writes nothing', async () => {
    const r = await runCli(['--config', config, 'accounts', 'withdrawal', '--id', 'w-2', '--chain', 'eth', '--account', 'acct-7', '--destination', DESTINATION], {
      env: { CORDON_API_TOKEN: '' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is in use by \`cordon run\` (pid ${service?.pid}`);
    expect(r.stderr).toContain(`must go through its API at ${api}, and CORDON_API_TOKEN is not set: set it to the token the service was started with`);
    expect(r.stdout).toBe('');
  }, 60_000);

  it('a reading command is refused with exit 3, naming the holder and its API', async () => {
    const r = await runCli(['--config', config, 'accounts', 'list'], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cordon: the embedded store ${dataDir} is in use by \`cordon run\` (pid ${service?.pid}, since `);
    expect(r.stderr).toContain(`its API at ${api} answers (GET /v1/holds`);
  }, 60_000);

  it('cordon lists import (no API route) is refused with exit 3, saying how to proceed', async () => {
    const list = join(root, 'list.txt');
    writeFileSync(list, `${DESTINATION}\n`);
    const r = await runCli(['--config', config, 'lists', 'import', 'own', list, '--format', 'plain', '--ticker', 'ETH'], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is in use by `cordon run`');
    expect(r.stderr).toContain('stop it, run this command, then start it again');
  }, 60_000);

  it('after the service stops, what the commands sent is in the store and the lock is gone', async () => {
    service?.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => service?.once('exit', r));
    expect(code).toBe(0);
    expect(await readDataDirLock(dataDir)).toBeNull();
    // The service wrote the copy of the holds as it closed the store: the release is in it.
    expect(existsSync(join(dataDir, 'cordon-holds.json'))).toBe(true);
    const listed = await runCli(['--config', config, 'holds', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: holdId, state: 'released' })]);
    const store = await openStore({ driver: 'pglite', dataDir });
    try {
      expect(await store.accounts.findWithdrawalByDestination('eth', addr(DESTINATION))).toEqual([
        expect.objectContaining({ id: 'w-1', accountId: 'acct-7' }),
      ]);
      expect((await store.accounts.listWatchedAddresses('eth')).map((a) => a.accountId).sort()).toEqual(['acct-8', 'acct-9']);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('when the holder of the embedded store does not answer', () => {
  it('a writing command exits 3 naming the holder and what to do', async () => {
    const deadDir = join(root, 'unanswered');
    const port = await freePort();
    const cfg = writeConfig(
      `store: { driver: pglite, dataDir: ${deadDir} }\nlists: []\nchains:\n  - id: eth\n    family: evm\n    network: 1\n    endpoints: [{ url: "http://127.0.0.1:9" }]\n`,
    );
    // This test process is alive: a lock in its name stands for a service whose API is down.
    mkdirSync(deadDir, { recursive: true });
    writeFileSync(
      join(deadDir, 'cordon.lock'),
      JSON.stringify({ pid: process.pid, hostname: hostname(), command: 'cordon run', startedAt: '2025-11-20T10:00:00.000Z', api: `http://127.0.0.1:${port}`, id: 'x' }),
    );
    const r = await runCli(['--config', cfg, 'holds', 'confirm', '1'], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`\`cordon run\` (pid ${process.pid}, since 2025-11-20T10:00:00.000Z) holds the embedded store ${deadDir}`);
    expect(r.stderr).toContain(`its API at http://127.0.0.1:${port} did not answer (ECONNREFUSED)`);
    expect(r.stderr).toContain('Check that the service is running');
  }, 60_000);
});
