/**
 * `cordon run` as an operator starts and stops it, with real anvil, Redis and PostgreSQL:
 * a start that cannot work exits within seconds, saying why, and holds no lock that would keep
 * a healthy instance standing by; SIGTERM stops it cleanly within its bound, a second signal at
 * once; a command whose Redis is down exits 3 instead of waiting forever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { freePort, startAnvil, type Anvil } from '../helpers/anvil.js';
import { CLI, runCli, writeConfig } from '../helpers/cli.js';
import { dropSchema, freshSchema, PG_URL } from '../helpers/pg-schema.js';
import { RedisServer } from '../helpers/redis-server.js';

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

const children: ChildProcess[] = [];

function startRun(config: string, env: NodeJS.ProcessEnv = {}): Running {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, '--config', config, 'run'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started })),
  );
  return { child, output: () => text, exited };
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const TOKEN = 'a-long-enough-api-token-for-tests';

describe('cordon run starting and stopping', () => {
  let anvil: Anvil;
  let redis: RedisServer;
  let keys: Redis;
  const schema = freshSchema('start_stop');
  const config = (extra = '', port = 0): string =>
    writeConfig(
      `store: { driver: postgres, url: "${PG_URL}", schema: ${schema} }\nredis: { url: "${redis.url()}" }\nhttp: { port: ${port} }\nlog: { level: info, pretty: false }\n` +
        `chains:\n  - { id: anvil, family: evm, network: 31337, endpoints: [{ url: "${anvil.url}" }], pollInterval: 100ms }\n${extra}`,
    );

  beforeAll(async () => {
    anvil = await startAnvil({ accounts: 1 });
    redis = new RedisServer(await freePort());
    await redis.start();
    keys = new Redis(redis.url());
  });
  afterEach(() => {
    // A test that failed must not leave a service holding the lock for the next one.
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  afterAll(async () => {
    keys?.disconnect();
    await redis?.close();
    await anvil?.stop();
    await dropSchema(schema);
  });

  it('with an API token too short to be a secret: exit 2 at once, nothing started', async () => {
    const run = startRun(config(), { CORDON_API_TOKEN: 'short' });
    const { code, ms } = await run.exited;
    expect(code).toBe(2);
    expect(ms).toBeLessThan(15_000);
    expect(run.output()).toContain('CORDON_API_TOKEN is 5 characters; use at least 16');
    expect(await keys.keys('cordon:leader:*')).toEqual([]);
  });

  it('with its HTTP port taken: exit 3 within seconds naming the port, and the follower lock released', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    try {
      const run = startRun(config('', port), { CORDON_API_TOKEN: TOKEN });
      const { code, ms } = await run.exited;
      expect(code).toBe(3);
      expect(ms).toBeLessThan(20_000);
      expect(run.output()).toContain(`cannot serve HTTP on 127.0.0.1:${port}`);
      expect(await keys.keys('cordon:leader:*')).toEqual([]);
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });

  it('SIGTERM stops a running service cleanly (exit 0) and frees its lock; a second instance then leads', async () => {
    const first = startRun(config(), { CORDON_API_TOKEN: TOKEN });
    await until('the first instance to lead', () => first.output().includes('leader lock acquired'));
    first.child.kill('SIGTERM');
    const { code, ms } = await first.exited;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(60_000);
    expect(first.output()).toContain('shutting down: finishing work in flight');
    expect(await keys.keys('cordon:leader:*')).toEqual([]);

    const second = startRun(config(), { CORDON_API_TOKEN: TOKEN });
    await until('the second instance to lead', () => second.output().includes('leader lock acquired'));
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('a second signal exits at once, without waiting for the drain', async () => {
    const run = startRun(config(), { CORDON_API_TOKEN: TOKEN });
    await until('the service to lead', () => run.output().includes('leader lock acquired'));
    run.child.kill('SIGTERM');
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect([0, 143]).toContain(code);
    if (code === 143) expect(run.output()).toContain('second signal: exiting now');
  });

  it('SIGTERM during start-up ends it within its bound too', async () => {
    const run = startRun(config('pipeline: { shutdownTimeout: 5s }'), { CORDON_API_TOKEN: TOKEN });
    await until('the process to start logging', () => run.output().length > 0, 30_000);
    run.child.kill('SIGTERM');
    const { code, ms } = await run.exited;
    expect(code === 0 || code === 3).toBe(true);
    expect(ms).toBeLessThan(30_000);
  });

  it('with Redis unreachable, run and queues exit 3 within seconds naming Redis', async () => {
    const nothing = `redis://127.0.0.1:${await freePort()}`;
    const cfg = writeConfig(`store: { driver: postgres, url: "${PG_URL}", schema: ${schema} }\nredis: { url: "${nothing}" }\nhttp: { port: 0 }\nlog: { level: error }\n`);
    const started = Date.now();
    const run = await runCli(['--config', cfg, 'run'], { env: { CORDON_API_TOKEN: TOKEN } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`Redis is not answering at ${nothing}`);
    const queues = await runCli(['--config', cfg, 'queues']);
    expect(queues.code).toBe(3);
    expect(queues.stderr).toContain('Redis is not answering');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
