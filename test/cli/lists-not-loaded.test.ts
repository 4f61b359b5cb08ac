import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNTS, startAnvil, type Anvil } from '../helpers/anvil.js';
import { runCli } from '../helpers/cli.js';
import { OFAC_LISTS_2024 } from '../helpers/fixtures.js';
import { sendEth } from '../e2e/harness.js';

/**
 * `cordon replay` and `cordon run` on a store whose lists were never loaded. Redis database 7 on 127.0.0.1:6379
 * is this file's own (db 0 is used by unit tests, 9-10 by the demo, 11-16 by the e2e suites,
 * 8 by test/pipeline/replay-permanent-errors.test.ts); each test has its own PGlite folder.
 */
const REDIS_URL = 'redis://127.0.0.1:6379/7';
/** In OFAC's SDN list of 2024-09-27 (test/fixtures/real/ofac/lists-2024-09, sanctioned_addresses_ETH.txt). */
const LISTED_ETH = '0x8589427373D6D84E98730D7795D8f6f8731FDA16';
const DEPOSIT = DEV_ACCOUNTS[1];
const ETHER = 10n ** 18n;

let anvil: Anvil;
let head: bigint;

/** A config of its own (fresh PGlite store) whose one list, ofac-sdn, reads `listSource`. */
function configWith(listSource: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-lists-'));
  const file = join(dir, 'cordon.yaml');
  writeFileSync(
    file,
    `
log: { level: warn }
store: { driver: pglite, dataDir: ${join(dir, 'data')} }
redis: { url: "${REDIS_URL}" }
lists:
  - id: ofac-sdn
    format: plain
    source: ${listSource}
    policy: hold
    authority: US Treasury OFAC, SDN List
chains:
  - id: anvil
    family: evm
    network: 31337
    endpoints: [{ url: "${anvil.url}" }]
    startBlock: 0
`,
  );
  writeFileSync(join(dir, 'accounts.csv'), `chain,address,account_id,kind\nanvil,${DEPOSIT},acct-replay,deposit\n`);
  return file;
}

async function flushRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
}

describe('cordon replay on a store whose lists were never loaded (anvil, Redis, PGlite)', () => {
  beforeAll(async () => {
    anvil = await startAnvil();
    await sendEth(anvil, LISTED_ETH, DEPOSIT, 2n * ETHER);
    head = BigInt(await anvil.rpc<string>('eth_blockNumber'));
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it('loads the configured list first and raises the hold', async () => {
    await flushRedis();
    const config = configWith(OFAC_LISTS_2024);
    const accounts = join(config, '../accounts.csv');
    expect((await runCli(['--config', config, 'accounts', 'import', accounts])).code).toBe(0);

    const r = await runCli(['--config', config, 'replay', '--chain', 'anvil', '--from', '0', '--to', head.toString()]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`${Number(head) + 1} blocks, 1 matches`);
    expect(r.stdout).toMatch(new RegExp(`account acct-replay .* counterparty ${LISTED_ETH.toLowerCase()} list ofac-sdn v1`));

    const holds = await runCli(['--config', config, 'holds', 'list', '--json']);
    const rows = JSON.parse(holds.stdout) as { accountId: string; counterparty: string; listId: string; state: string }[];
    expect(rows).toEqual([expect.objectContaining({ accountId: 'acct-replay', counterparty: LISTED_ETH.toLowerCase(), listId: 'ofac-sdn', state: 'open' })]);
  }, 90_000);

  it('exits 3 within seconds, saying what to do, when the list source is missing', async () => {
    await flushRedis();
    const missing = join(mkdtempSync(join(tmpdir(), 'cordon-no-list-')), 'ofac-sdn');
    const config = configWith(missing);
    const started = Date.now();
    const r = await runCli(['--config', config, 'replay', '--chain', 'anvil', '--from', '0', '--to', head.toString()]);
    expect(r.code, r.stderr).toBe(3);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stderr).toContain(`no sanctions list is loaded and list ofac-sdn could not be loaded: list source ${missing} refused: cannot read: ENOENT`);
    expect(r.stderr).toContain('run `cordon lists refresh ofac-sdn`');
  }, 60_000);

  it('cordon run exits 3 at start, saying what to do, when no list is loaded and its source is missing', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'cordon-no-list-')), 'ofac-sdn');
    const r = await runCli(['--config', configWith(missing), 'run', '--only', 'extract,screen,act']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('no sanctions list is loaded and list ofac-sdn could not be loaded');
    expect(r.stderr).toContain('run `cordon lists refresh ofac-sdn`');
  }, 60_000);

  it('refuses at once a pinned list version that is not stored (exit 2)', async () => {
    await flushRedis();
    const config = configWith(OFAC_LISTS_2024);
    expect((await runCli(['--config', config, 'lists', 'refresh'])).code).toBe(0);
    const r = await runCli(['--config', config, 'replay', '--chain', 'anvil', '--from', '0', '--to', head.toString(), '--lists', 'ofac-sdn@7']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--lists ofac-sdn@7: list ofac-sdn has no version 7 (stored: v1)');
  }, 60_000);
});
