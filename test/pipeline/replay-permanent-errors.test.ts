/**
 * A job that retrying cannot fix fails at once, so a replay ends within seconds with the
 * reason instead of backing off through every attempt. The workers meet these errors when a
 * process did not load the lists itself (`cordon replay --no-workers` feeding a `cordon run`
 * elsewhere, a store emptied under a running service). Redis database 8 on 127.0.0.1:6379 is
 * this file's own (see test/cli/lists-not-loaded.test.ts for the others in use).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { normaliseForFamily } from '../../src/domain/address.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { enqueueReplay, ReplayFailed, waitForReplay } from '../../src/pipeline/replay.js';
import { startPipeline, type Pipeline } from '../../src/pipeline/service.js';
import { openStore, type Store } from '../../src/store/index.js';
import { DEV_ACCOUNTS, startAnvil, type Anvil } from '../helpers/anvil.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
import { sendEth } from '../e2e/harness.js';

const REDIS_URL = 'redis://127.0.0.1:6379/8';
/** In OFAC's SDN list as kept in lists/ofac-sdn-2024-09. */
const LISTED_ETH = '0x8589427373D6D84E98730D7795D8f6f8731FDA16';
const DEPOSIT = DEV_ACCOUNTS[1];

let anvil: Anvil;
let store: Store;
let pipeline: Pipeline;
let head: bigint;

beforeAll(async () => {
  anvil = await startAnvil();
  await sendEth(anvil, LISTED_ETH, DEPOSIT, 10n ** 18n);
  head = BigInt(await anvil.rpc<string>('eth_blockNumber'));
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
  const dir = mkdtempSync(join(tmpdir(), 'cordon-permanent-'));
  const file = join(dir, 'cordon.yaml');
  // The default attempts and backoff: before permanent errors failed at once, each job here
  // backed off for 8.5 minutes.
  writeFileSync(
    file,
    `
redis: { url: "${REDIS_URL}" }
lists:
  - { id: ofac-sdn, format: plain, source: ${join(PROJECT_ROOT, 'lists/ofac-sdn-2024-09')}, policy: hold, authority: OFAC }
chains:
  - { id: anvil, family: evm, network: 31337, endpoints: [{ url: "${anvil.url}" }], startBlock: 0 }
`,
  );
  const { config } = loadConfig({ file, env: {} });
  // The lists are configured but never loaded into this store.
  store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
  await store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(DEPOSIT, 'evm'), accountId: 'acct-1', kind: 'deposit' });
  pipeline = await startPipeline({
    config,
    store,
    log: pino({ level: process.env['CORDON_TEST_LOG'] ?? 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
    stages: ['extract', 'screen', 'act'],
  });
});

afterAll(async () => {
  await pipeline?.stop();
  await store?.close();
  await anvil?.stop();
});

async function replayError(listVersions?: Record<string, number>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const runId = await enqueueReplay(pipeline.ctx, { chain: 'anvil', from: 0n, to: head, dryRun: false, ...(listVersions ? { listVersions } : {}) });
  const error = await waitForReplay(pipeline.ctx, runId, () => undefined, 100).then(
    () => undefined,
    (err: unknown) => err,
  );
  return { error, ms: Date.now() - started };
}

describe('a replay whose screen job cannot succeed by retrying', () => {
  it('fails within seconds when no list is loaded, saying what to do', async () => {
    const { error, ms } = await replayError();
    expect(error).toBeInstanceOf(ReplayFailed);
    expect((error as ReplayFailed).reason).toMatch(/^cordon-screen job \S+ failed: no sanctions list is loaded, so this block cannot be screened: .*`cordon lists refresh`/);
    expect(ms).toBeLessThan(10_000);
    const [failed] = await pipeline.ctx.queues.screen.getFailed(0, 10);
    expect(failed?.attemptsMade).toBe(1);
  }, 30_000);

  it('fails within seconds when a pinned list version is not stored', async () => {
    const { error, ms } = await replayError({ 'ofac-sdn': 3 });
    expect(error).toBeInstanceOf(ReplayFailed);
    expect((error as ReplayFailed).reason).toContain('list ofac-sdn has no version 3 (stored: none)');
    expect(ms).toBeLessThan(10_000);
  }, 30_000);
});
