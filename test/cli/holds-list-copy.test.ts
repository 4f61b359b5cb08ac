/**
 * `cordon holds list` on an embedded store answers from the copy of the holds the last process
 * to close the store wrote (store/holds-copy.ts), without starting PGlite: the same output as
 * from the store, and every change made since seen at once.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmHold, raiseHold } from '../../src/holds/index.js';
import { acquireDataDirLock } from '../../src/store/data-dir-lock.js';
import { holdsCopyPath } from '../../src/store/holds-copy.js';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { depositMatch, freshTx, seedSdn, USDT } from '../holds/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cordon-holds-list-copy-'));
const dataDir = join(dir, 'store');
const config = join(dir, 'cordon.yaml');
writeFileSync(config, `store:\n  driver: pglite\n  dataDir: ${JSON.stringify(dataDir)}\nlists: []\nlog:\n  level: warn\n`);
const cordon = (...args: string[]) => runCli(['--config', config, ...args]);

const QUERIES: readonly (readonly string[])[] = [
  [],
  ['--json'],
  ['--limit', '2'],
  ['--state', 'open'],
  ['--state', 'confirmed', '--json'],
  ['--state', 'released'],
  ['--account', 'acct-2'],
  ['--account', 'nobody'],
];

let openHold = 0;

beforeAll(async () => {
  const store = await openStore({ driver: 'pglite', dataDir }, { command: 'test setup' });
  try {
    const entry = await seedSdn(store);
    openHold = (await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx(), amount: 2_500_000_000_000_000_000n, units: { symbol: 'ETH', decimals: 18 } }), 3)).hold.id;
    const usdt = await raiseHold(
      store.holds,
      depositMatch({ entry, txHash: freshTx(), accountId: 'acct-2', asset: { kind: 'token', contract: USDT }, amount: 1_285_000_000n, units: { symbol: 'USDT', decimals: 6 } }),
      1,
    );
    await confirmHold(store.holds, usdt.hold.id, 'ana', 'true match');
    await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx(), accountId: 'acct-3' }), 6, { retroactive: true });
  } finally {
    await store.close();
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cordon holds list from the copy of the holds', () => {
  it('prints exactly what it prints from the store, for every filter', async () => {
    expect(existsSync(holdsCopyPath(dataDir))).toBe(true);
    const fromCopy = [];
    for (const q of QUERIES) fromCopy.push(await cordon('holds', 'list', ...q));
    // Without the copy the command opens the store (and writes the copy again as it closes).
    const fromStore = [];
    for (const q of QUERIES) {
      renameSync(holdsCopyPath(dataDir), join(dir, 'set-aside.json'));
      fromStore.push(await cordon('holds', 'list', ...q));
      expect(existsSync(holdsCopyPath(dataDir))).toBe(true);
    }
    for (const [i, q] of QUERIES.entries()) {
      expect(fromCopy[i]!.stderr, q.join(' ')).toBe('');
      expect(fromCopy[i]!.code, q.join(' ')).toBe(0);
      expect(fromCopy[i]!.stdout, q.join(' ')).toBe(fromStore[i]!.stdout);
    }
    expect(fromCopy[0]!.stdout).toContain('1285 USDT (1285000000 base units, token');
    expect(fromCopy[7]!.stdout).toBe('no holds\n');
  }, 120_000);

  it('does not start the store to answer', async () => {
    // A live holder of the lock refuses any open: only the copy can answer.
    const lock = await acquireDataDirLock(dataDir, { command: 'test holder' });
    try {
      const listed = await cordon('holds', 'list', '--state', 'open', '--account', 'acct-7731', '--json');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: openHold, state: 'open' })]);
    } finally {
      await lock.release();
    }
  }, 60_000);

  it('refuses a --limit that is no whole number of 1 or more, saying so (exit 2)', async () => {
    for (const bad of ['abc', '0', '-3', '2.5']) {
      const r = await cordon('holds', 'list', '--limit', bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toBe(`cordon: --limit must be a whole number of 1 or more, got "${bad}"\n`);
    }
  }, 60_000);

  it('sees a hold released by the command before it', async () => {
    const released = await cordon('holds', 'release', String(openHold), '--reason', 'refund confirmed', '--actor', 'ana');
    expect(released.code).toBe(0);
    expect(existsSync(holdsCopyPath(dataDir))).toBe(true);
    const listed = await cordon('holds', 'list', '--state', 'open', '--account', 'acct-7731');
    expect(listed.stdout).toBe('no holds\n');
    expect((await cordon('holds', 'list', '--state', 'released', '--json')).stdout).toContain(`"id": ${openHold}`);
  }, 60_000);
});
