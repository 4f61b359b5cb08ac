/** `cordon queues`: failed jobs listed with why they failed, also when they are retried. */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE } from '../../src/pipeline/queue-names.js';
import { runCli, writeConfig } from '../helpers/cli.js';

const REDIS_URL = 'redis://127.0.0.1:6379/2';

describe('cordon queues', () => {
  let config: string;

  beforeAll(async () => {
    const flush = new Redis(REDIS_URL);
    await flush.flushdb();
    flush.disconnect();
    const connection = { host: '127.0.0.1', port: 6379, db: 2 };
    const queue = new Queue(QUEUE.screen, { connection });
    const worker = new Worker(
      QUEUE.screen,
      async () => {
        throw new Error('store unreachable: connect ECONNREFUSED 127.0.0.1:5432');
      },
      { connection },
    );
    const failed = new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await queue.add('block', { chain: 'ethereum' }, { jobId: 'screen-test-1', attempts: 1 });
    await failed;
    await worker.close();
    await queue.close();
    config = writeConfig(`store: { driver: pglite, dataDir: memory:// }\nredis: { url: "${REDIS_URL}" }\n`);
  });
  afterAll(async () => {
    const flush = new Redis(REDIS_URL);
    await flush.flushdb();
    flush.disconnect();
  });

  it('lists a failed job with its reason, exit 1', async () => {
    const { code, stdout } = await runCli(['--config', config, 'queues']);
    expect(code).toBe(1);
    expect(stdout).toContain('failed screen-test-1 (block) after 1 attempts: store unreachable: connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('--retry-failed prints each job it moves back with the reason it had failed for', async () => {
    const { code, stdout } = await runCli(['--config', config, 'queues', '--retry-failed', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { queue: string; failed: { id: string; reason: string | null }[] }[];
    const screen = report.find((q) => q.queue === QUEUE.screen);
    expect(screen?.failed).toEqual([expect.objectContaining({ id: 'screen-test-1', reason: 'store unreachable: connect ECONNREFUSED 127.0.0.1:5432' })]);
  });
});
