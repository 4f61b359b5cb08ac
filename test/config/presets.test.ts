/**
 * `preset:` on a chain: every preset loads into a complete chain (family, chain id, depths,
 * native coin, USDT/USDC), keys set explicitly win, and the chain id it fills in is the one
 * every endpoint is checked against: a node answering that id is used, one answering another
 * is refused with both ids named.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NoEndpointOnChain } from '../../src/chains/rpc/chain-identity.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { CHAIN_PRESETS, PRESET_NAMES, type PresetName } from '../../src/config/presets.js';
import type { ChainConfig } from '../../src/config/schema.js';
import { createChainSources, identifyChainSources } from '../../src/pipeline/chain-sources.js';

/** A node that only answers eth_chainId, with whatever id the test sets. */
let answeredChainId = 1;
let node: Server;
let nodeUrl: string;

beforeAll(async () => {
  node = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: unknown; method: string } | { id: unknown; method: string }[];
      const answer = (c: { id: unknown; method: string }) =>
        c.method === 'eth_chainId' ? { jsonrpc: '2.0', id: c.id, result: `0x${answeredChainId.toString(16)}` } : { jsonrpc: '2.0', id: c.id, error: { code: -32601, message: 'not here' } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body)));
    });
  });
  await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
  nodeUrl = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => node.close(() => resolve())));

function load(chainYaml: string): ChainConfig {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-preset-'));
  const file = join(dir, 'cordon.yaml');
  writeFileSync(file, `chains:\n${chainYaml}\n`);
  const chain = loadConfig({ file, env: {} }).config.chains[0];
  if (chain === undefined) throw new Error('no chain loaded');
  return chain;
}

const presetChain = (name: PresetName, extra = ''): string => `  - id: ${name}-main\n    preset: ${name}\n    endpoints: [{ url: "${nodeUrl}" }]\n${extra}`;

async function identify(chain: ChainConfig): Promise<void> {
  const sources = createChainSources([chain], pino({ level: 'silent' }));
  try {
    await identifyChainSources(sources);
  } finally {
    await Promise.all([...sources.values()].map((s) => s.close()));
  }
}

describe.each(PRESET_NAMES.map((n) => [n]))('preset %s', (name) => {
  const preset = CHAIN_PRESETS[name];

  it('loads into a chain with its family, chain id, depths, native coin and USDT/USDC', () => {
    const chain = load(presetChain(name));
    expect(chain).toMatchObject({ preset: name, family: preset.family, network: preset.network, finality: preset.finality, reorgDepth: preset.reorgDepth, native: preset.native });
    expect(chain.tokens?.map((t) => t.symbol)).toEqual(['USDT', 'USDC']);
    for (const t of chain.tokens ?? []) expect(t.address).toMatch(preset.family === 'tron' ? /^T[1-9A-HJ-NP-Za-km-z]{33}$/ : /^0x[0-9a-f]{40}$/);
  });

  it('the chain id check uses it: a node on that chain is used, one on another is refused', async () => {
    const chain = load(presetChain(name));
    answeredChainId = preset.network;
    await expect(identify(chain)).resolves.toBeUndefined();
    answeredChainId = preset.network === 1 ? 137 : 1;
    const refused = identify(chain);
    await expect(refused).rejects.toBeInstanceOf(NoEndpointOnChain);
    await expect(refused).rejects.toThrow(`network ${preset.network}`);
  });
});

describe('explicit settings override a preset', () => {
  it('top-level keys replace, native merges key by key, a tokens list replaces the preset list', () => {
    const chain = load(
      presetChain(
        'polygon',
        '    finality: 12\n    network: 80002\n    native: { minHold: "0.5" }\n    tokens: [{ address: "0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582", symbol: USDC, decimals: 6 }]',
      ),
    );
    expect(chain).toMatchObject({ family: 'evm', network: 80002, finality: 12, reorgDepth: 256, native: { symbol: 'POL', decimals: 18, minHold: '0.5' } });
    expect(chain.tokens).toEqual([{ address: '0x41e94eb019c0762f9bfcf9fb1e58725bfb0e7582', symbol: 'USDC', decimals: 6 }]);
  });

  it('Tron tokens are stored as T…, written as T… or as 0x hex; an EVM chain refuses a T… token', () => {
    const chain = load(presetChain('tron', '    tokens: ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c"]'));
    expect(chain.tokens?.map((t) => t.address)).toEqual(['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t']);
    expect(() => load(presetChain('ethereum', '    tokens: ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"]'))).toThrow(ConfigError);
    expect(() => load(presetChain('ethereum', '    tokens: ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"]'))).toThrow(/chains\[0\]\.tokens\[0\]\.address: an evm chain's token contract is 0x/);
  });

  it('an unknown preset is refused, naming the ones there are', () => {
    expect(() => load(presetChain('solana' as PresetName))).toThrow(/chains\[0\]\.preset/);
  });
});
