import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { assetPolicies } from '../../src/pipeline/asset-policy.js';

const USDT = '0xdac17f958d2ee523a2206206994597c13d831ec7' as NormalisedAddress;

function load(chains: string) {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-assets-'));
  const file = join(dir, 'cordon.yaml');
  writeFileSync(file, `chains:\n${chains}`);
  return loadConfig({ file, env: {} }).config;
}

const chain = (extra: string, id = 'eth', network: string | number = 1, family = 'evm') =>
  `  - id: ${id}\n    family: ${family}\n    network: ${network}\n    endpoints: [{ url: "http://127.0.0.1:8545" }]\n${extra}`;

describe("assets' units and hold thresholds from the chain configuration", () => {
  it('a token with symbol, decimals and minHold reads in its units and holds from the threshold up', async () => {
    const config = load(chain('    tokens:\n      - { address: "0xdAC17F958D2ee523a2206206994597C13D831ec7", symbol: USDT, decimals: 6, minHold: "10.5" }\n'));
    expect(config.chains[0]?.tokens).toEqual([{ address: USDT, symbol: 'USDT', decimals: 6, minHold: '10.5' }]);
    expect(await assetPolicies(config.chains).of('eth', { kind: 'token', contract: USDT })).toEqual({ units: { symbol: 'USDT', decimals: 6 }, minHold: 10_500_000n });
  });

  it('a bare token address still works: credited, amounts in base units, any value holds', async () => {
    const config = load(chain('    tokens: ["0xdAC17F958D2ee523a2206206994597C13D831ec7"]\n'));
    expect(await assetPolicies(config.chains).of('eth', { kind: 'token', contract: USDT })).toEqual({ units: null, minHold: 1n });
  });

  it("the native coin defaults to the family's and the chain id's (ETH, POL, BTC), and can be given a threshold", async () => {
    const config = load(
      chain('    native: { minHold: "0.01" }\n') + chain('', 'polygon', 137) + chain('', 'btc', 'mainnet', 'bitcoin'),
    );
    const p = assetPolicies(config.chains);
    expect(await p.of('eth', { kind: 'native' })).toEqual({ units: { symbol: 'ETH', decimals: 18 }, minHold: 10n ** 16n });
    expect((await p.of('polygon', { kind: 'native' })).units).toEqual({ symbol: 'POL', decimals: 18 });
    expect(await p.of('btc', { kind: 'native' })).toEqual({ units: { symbol: 'BTC', decimals: 8 }, minHold: 1n });
  });

  it("a bare token address reads as its contract says, asked once; a node that cannot say is asked again later", async () => {
    const config = load(chain('    tokens: ["0xdAC17F958D2ee523a2206206994597C13D831ec7"]\n'));
    let asked = 0;
    let fail = true;
    const p = assetPolicies(config.chains, async () => {
      asked++;
      if (fail) throw new Error('node down');
      return { symbol: 'USDT', decimals: 6 };
    });
    expect(await p.of('eth', { kind: 'token', contract: USDT })).toEqual({ units: null, minHold: 1n });
    fail = false;
    expect(await p.of('eth', { kind: 'token', contract: USDT })).toEqual({ units: { symbol: 'USDT', decimals: 6 }, minHold: 1n });
    expect(await p.of('eth', { kind: 'token', contract: USDT })).toEqual({ units: { symbol: 'USDT', decimals: 6 }, minHold: 1n });
    expect(asked).toBe(2);
  });

  it('refuses a threshold it cannot read, saying where', () => {
    const bad = (extra: string): string[] => {
      try {
        load(chain(extra));
      } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad('    tokens:\n      - { address: "0xdAC17F958D2ee523a2206206994597C13D831ec7", minHold: "1" }\n').join('\n')).toMatch(/chains\[0\]\.tokens\[0\]\.minHold: .*decimals/);
    expect(bad('    tokens:\n      - { address: "0xdAC17F958D2ee523a2206206994597C13D831ec7", symbol: USDT, decimals: 6, minHold: "0.0000001" }\n').join('\n')).toMatch(/7 decimal places; the asset has 6/);
    expect(bad('    tokens:\n      - { address: "0xdAC17F958D2ee523a2206206994597C13D831ec7", symbol: USDT, decimals: 6, minHold: 10 }\n').join('\n')).toMatch(/minHold/);
  });
});
