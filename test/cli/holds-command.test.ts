/**
 * `cordon holds list` and `holds show` as an analyst reads them: the legal basis (entity,
 * programs, list authority) and the amount in the asset's units next to the base units.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseHold } from '../../src/holds/index.js';
import type { SanctionEntry } from '../../src/domain/sanction-entry.js';
import { dropSchema, freshSchema, PG_URL } from '../helpers/pg-schema.js';
import { openStore, type Store } from '../../src/store/index.js';
import { depositMatch, freshTx, seedSdn, USDT } from '../holds/helpers.js';
import { runCli, writeConfig } from '../helpers/cli.js';

describe('cordon holds list / show', () => {
  const schema = freshSchema('cli_holds');
  let store: Store;
  let entry: SanctionEntry;
  let config: string;
  let usdtHold: number;

  beforeAll(async () => {
    store = await openStore({ driver: 'postgres', url: PG_URL, schema });
    entry = await seedSdn(store);
    await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx(), amount: 2_500_000_000_000_000_000n, units: { symbol: 'ETH', decimals: 18 } }), 3);
    const { hold } = await raiseHold(
      store.holds,
      depositMatch({ entry, txHash: freshTx(), asset: { kind: 'token', contract: USDT }, amount: 1_285_000_000n, units: { symbol: 'USDT', decimals: 6 } }),
      1,
    );
    usdtHold = hold.id;
    config = writeConfig(`store: { driver: postgres, url: "${PG_URL}", schema: ${schema} }\n`);
  });
  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  it('lists each hold with its amount in units, entity, programs and authority', async () => {
    const { code, stdout } = await runCli(['--config', config, 'holds', 'list']);
    expect(code).toBe(0);
    expect(stdout).toContain(`1285 USDT (1285000000 base units, token ${USDT})`);
    expect(stdout).toContain('2.5 ETH (2500000000000000000 base units)');
    expect(stdout).toContain('TORNADO CASH [CYBER2, DPRK3]');
    expect(stdout).toContain('(OFAC)');
  });

  it('shows one hold with the same, and --json carries amountInUnits', async () => {
    const shown = await runCli(['--config', config, 'holds', 'show', String(usdtHold)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/transfer: +1285 USDT \(1285000000 base units, token 0x/);
    expect(shown.stdout).toMatch(/authority OFAC/);
    const json = await runCli(['--config', config, 'holds', 'show', String(usdtHold), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ hold: { amount: '1285000000', amountInUnits: '1285', units: { symbol: 'USDT', decimals: 6 }, authority: 'OFAC' } });
  });
});
