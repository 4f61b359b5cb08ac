/**
 * `cordon run --only act` in a process of its own, as an operator scales out the act stage
 * (holds and alerts) next to a process that extracts and screens: the bench's `--act-process`.
 * The same configuration file, so the same store (PostgreSQL: shared by both processes; the
 * embedded store belongs to one process and cannot be) and the same Redis. It logs errors only
 * (to stderr, shown): each hold raised is a warning line, 1,500 a run.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import type { Queue } from 'bullmq';

import { ROOT } from './prepare.js';
import { DAEMON_NODE_FLAGS } from '../daemon-node-flags.js';

export interface ActProcess {
  /** SIGTERM, then waits for the process to exit (its jobs end cleanly). */
  stop(): Promise<void>;
}

/** Starts it and waits until its act worker is registered on the queue (at most `timeoutMs`). */
export async function startActProcess(configFile: string, actQueue: Queue, timeoutMs = 60_000): Promise<ActProcess> {
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'src/cli.ts'), '--config', configFile, '--log-level', 'error', 'run', '--only', 'act'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => resolve(void (exited = code))));
  const stop = async (): Promise<void> => {
    if (exited === undefined) child.kill('SIGTERM');
    await exit;
  };
  const deadline = Date.now() + timeoutMs;
  while ((await actQueue.getWorkersCount()) === 0) {
    if (exited !== undefined) throw new Error(`cordon run --only act exited (${exited}) before its worker started`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`cordon run --only act: no act worker after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { stop };
}
