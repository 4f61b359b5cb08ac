import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from '../e2e/harness.js';

/**
 * A redis-server of a test's own on a port of its own (the shared one on 6379 must not be
 * killed, and has only 16 databases), with its data in a temp folder. `extraArgs` adds e.g.
 * AOF persistence (`--appendonly yes --appendfsync always`, so a SIGKILL loses no acknowledged
 * write) or more databases (`--databases 19`).
 */
export class RedisServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  readonly dir = mkdtempSync(join(tmpdir(), 'cordon-redis-'));
  constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  url(db = 0): string {
    return `redis://127.0.0.1:${this.port}/${db}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', ...this.extraArgs];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const probe = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused until the server listens: expected
    try {
      await eventually('redis-server to answer', async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        try {
          if (probe.status !== 'ready') await probe.connect();
          // Ready only once the AOF is loaded (a loading server answers -LOADING).
          return (await probe.ping()) === 'PONG' ? true : undefined;
        } catch {
          probe.disconnect();
          return undefined;
        }
      }, 15_000);
    } finally {
      probe.disconnect();
    }
  }

  /** Started and not killed since. */
  get running(): boolean {
    return this.child !== null;
  }

  /** SIGKILL: a crash, not a clean shutdown. */
  async kill(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
