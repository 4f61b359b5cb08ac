/**
 * `cordon accounts seed-utxos` as an operator runs it when adding a Bitcoin chain: the
 * exchange's addresses imported, then their unspent outputs recorded from the node (a
 * stand-in Bitcoin Core over the regtest story's blocks #0-#2), once.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildScenario, DEPOSIT_1, HOT } from '../chains/bitcoin/regtest-chain.js';
import { startBitcoinCoreServer, type BitcoinCoreServer } from '../helpers/bitcoin-core-server.js';
import { runCli, writeConfig } from '../helpers/cli.js';
import { dropSchema, PG_URL } from '../helpers/pg-schema.js';

const schema = `cordon_cli_seed_${process.pid}_${Date.now() % 100000}`;
let core: BitcoinCoreServer;
let cordon: (...args: string[]) => ReturnType<typeof runCli>;
let csv: string;

beforeAll(async () => {
  core = await startBitcoinCoreServer({ network: 'regtest' });
  const { b0, b1, b2 } = buildScenario().blocks;
  for (const b of [b0, b1, b2]) core.addBlock(b);
  const config = writeConfig(
    `store:\n  driver: postgres\n  url: ${PG_URL}\n  schema: ${schema}\nlists: []\nlog:\n  level: warn\n` +
      `chains:\n  - id: btc\n    family: bitcoin\n    network: regtest\n    endpoints:\n      - url: ${core.authUrl}\n` +
      `  - id: eth\n    family: evm\n    network: 1\n    endpoints:\n      - url: http://127.0.0.1:1\n`,
  );
  csv = join(dirname(config), 'accounts.csv');
  writeFileSync(csv, `chain,address,account_id,kind\nbtc,${HOT.address},hot,hot_wallet\nbtc,${DEPOSIT_1.address},acct-1,deposit\n`);
  cordon = (...args) => runCli(['--config', config, ...args]);
});
afterAll(async () => {
  await core?.close();
  await dropSchema(schema);
});

describe('cordon accounts seed-utxos', () => {
  it('records the outputs the watched addresses hold, and nothing twice when run again', async () => {
    expect((await cordon('accounts', 'import', csv)).code).toBe(0);
    const first = await cordon('accounts', 'seed-utxos', '--chain', 'btc');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('2 watched addresses on btc: 2 unspent outputs found, 2 newly recorded\n');
    const again = await cordon('accounts', 'seed-utxos', '--chain', 'btc', '--batch', '1');
    expect(again.stdout).toBe('2 watched addresses on btc: 2 unspent outputs found, 0 newly recorded\n');
  });

  it('refuses a chain that is not configured, an EVM chain, and a bad batch size, with exit 2', async () => {
    for (const [args, message] of [
      [['--chain', 'ltc'], '--chain ltc: not a configured chain'],
      [['--chain', 'eth'], '--chain eth: only Bitcoin-family chains have outputs to seed (this one is evm)'],
      [['--chain', 'btc', '--batch', '0'], '--batch 0: not a positive whole number'],
    ] as const) {
      const r = await cordon('accounts', 'seed-utxos', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});
