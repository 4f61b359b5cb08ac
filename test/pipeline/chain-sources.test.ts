/**
 * The chain sources `cordon run` builds from the config: a Bitcoin-family chain with
 * `api: esplora` is read over Esplora's HTTP API, and by default over Bitcoin Core's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ChainSource } from '../../src/chains/chain-source.js';
import { loadConfig } from '../../src/config/load.js';
import { NoEndpointOnChain } from '../../src/chains/rpc/chain-identity.js';
import { createChainSources, identifyChainSources } from '../../src/pipeline/chain-sources.js';
import { startEsploraServer, type EsploraServer } from '../chains/bitcoin/esplora-server.js';
import { buildScenario, idOf } from '../chains/bitcoin/regtest-chain.js';

const quiet = pino({ level: 'silent' });
const { b0, b1, b2 } = buildScenario().blocks;

let esplora: EsploraServer;
const opened: ChainSource[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  esplora = await startEsploraServer([b0, b1, b2]);
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await esplora?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function chainsOf(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-chains-'));
  dirs.push(dir);
  const file = join(dir, 'cordon.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {} }).config.chains;
}

describe('chain sources from the config', () => {
  it('a Bitcoin chain with `api: esplora` is read from Esplora: its head and blocks come from there', async () => {
    const chains = chainsOf(`
chains:
  - id: btc
    family: bitcoin
    network: regtest
    api: esplora
    endpoints:
      - url: ${esplora.url}
`);
    const src = createChainSources(chains, quiet).get('btc') as ChainSource;
    opened.push(src);
    const head = await src.head();
    expect(head.number).toBe(2n);
    expect(head.hash).toBe(idOf(b2));
    expect(esplora.count('blocks/tip/hash')).toBeGreaterThan(0);
  });

  it('the default is the chain’s own node API, and Esplora is refused for an EVM chain', () => {
    const [btc, eth] = chainsOf(`
chains:
  - id: btc
    family: bitcoin
    network: regtest
    endpoints:
      - url: http://127.0.0.1:18443
  - id: eth
    family: evm
    network: 1
    api: esplora
    endpoints:
      - url: http://127.0.0.1:8545
`);
    expect(btc?.api).toBe('node');
    expect(() => createChainSources([eth!], quiet)).toThrow(/chain eth: Esplora serves Bitcoin-family chains only/);
  });

  it('an EVM chain needs a numeric chain id as its network', () => {
    const [eth] = chainsOf(`
chains:
  - id: eth
    family: evm
    network: mainnet
    endpoints:
      - url: http://127.0.0.1:8545
`);
    expect(() => createChainSources([eth!], quiet)).toThrow(/chain eth: an evm chain needs its chain id as network/);
  });

  it('the start-up check fails for a chain whose endpoints serve another network, naming both', async () => {
    const chains = chainsOf(`
chains:
  - id: btc-ok
    family: bitcoin
    network: regtest
    api: esplora
    endpoints:
      - url: ${esplora.url}
  - id: btc-main
    family: bitcoin
    network: mainnet
    api: esplora
    endpoints:
      - url: ${esplora.url}
`);
    const sources = createChainSources(chains, quiet);
    opened.push(...sources.values());
    const err = await identifyChainSources(sources).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoEndpointOnChain);
    expect(err).toMatchObject({ chain: 'btc-main' });
    expect((err as Error).message).toContain(`genesis ${idOf(b0)} (not a known network), but chain \`btc-main\` is configured with network mainnet (bitcoin)`);
    await expect(identifyChainSources(new Map([['btc-ok', sources.get('btc-ok') as ChainSource]]))).resolves.toBeUndefined();
  });
});
