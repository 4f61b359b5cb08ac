/**
 * A Bitcoin-family endpoint is used only once its chain name and genesis are those of the
 * configured family and network. The genesis hashes are recomputed here from the genesis
 * blocks' chainparams inputs; the endpoints are the stand-in Core server and Esplora server
 * (no bitcoind or litecoind can run where these tests run), one of them serving the real
 * Litecoin regtest genesis block.
 */
import { pino, type Logger } from 'pino';
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, describe, expect, it } from 'vitest';

import { createBitcoinChainSource, createEsploraChainSource, type BitcoinChainSource, type UtxoFamily, type UtxoNetworkName } from '../../../src/chains/bitcoin/index.js';
import { BCH_SPLIT, compareNetwork, GENESIS } from '../../../src/chains/bitcoin/check-network.js';
import { NoEndpointOnChain } from '../../../src/chains/rpc/chain-identity.js';
import { blockHash } from '../../../src/domain/block.js';
import { startBitcoinCoreServer, type BitcoinCoreServer } from '../../helpers/bitcoin-core-server.js';
import { startEsploraServer, type EsploraServer } from './esplora-server.js';
import { buildScenario, idOf } from './regtest-chain.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}
function memoryLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) }), lines };
}
const refusals = (lines: readonly LogLine[]): LogLine[] => lines.filter((l) => l.level === 50 && l.msg === 'endpoint is on the wrong chain; refused');

// ------------------------------------------------------------------ genesis blocks

/** The genesis coinbase every Bitcoin-derived chainparams builds: 50 coins to a key, a newspaper headline in the scriptSig. */
function genesisCoinbase(headline: string, pubkey: string): bitcoin.Transaction {
  const text = Buffer.from(headline, 'utf8');
  const tx = new bitcoin.Transaction();
  tx.version = 1;
  // CScript() << 486604799 << CScriptNum(4) << headline, pushed as raw bytes (not minimal OP_4).
  tx.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, Buffer.concat([Buffer.from('04ffff001d0104', 'hex'), Buffer.from([text.length]), text]));
  tx.addOutput(Buffer.concat([Buffer.from([0x41]), Buffer.from(pubkey, 'hex'), Buffer.from([0xac])]), 50n * 100_000_000n);
  return tx;
}
const BITCOIN_COINBASE = genesisCoinbase(
  'The Times 03/Jan/2009 Chancellor on brink of second bailout for banks',
  '04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f',
);
const LITECOIN_COINBASE = genesisCoinbase(
  'NY Times 05/Oct/2011 Steve Jobs, Apple’s Visionary, Dies at 56',
  '040184710fa689ad5023690c80f3a49c8f13f8d45b8c857fbcbc8bc4a8e4d3eb4b10f4d4604fa08dce601aaf0f470216fe1b51850b4acf21b179c45070ac7b03a9',
);

function genesisBlock(coinbase: bitcoin.Transaction, time: number, bits: number, nonce: number): Buffer {
  const b = new bitcoin.Block();
  b.version = 1;
  b.prevHash = Buffer.alloc(32);
  b.transactions = [coinbase];
  b.merkleRoot = bitcoin.Block.calculateMerkleRoot([coinbase]);
  b.timestamp = time;
  b.bits = bits;
  b.nonce = nonce;
  return Buffer.from(b.toBuffer());
}

/** The hash of a genesis header given its merkle root (testnet4's coinbase is not rebuilt here). */
function headerHash(merkleRoot: string, time: number, bits: number, nonce: number): string {
  const b = new bitcoin.Block();
  b.version = 1;
  b.prevHash = Buffer.alloc(32);
  b.merkleRoot = Buffer.from(merkleRoot, 'hex').reverse();
  b.timestamp = time;
  b.bits = bits;
  b.nonce = nonce;
  return b.getId();
}

const LITECOIN_REGTEST_GENESIS = genesisBlock(LITECOIN_COINBASE, 1296688602, 0x207fffff, 0);

describe('the genesis hashes Cordon expects', () => {
  it('are the hashes of the genesis blocks built from each family’s chainparams inputs', () => {
    expect(BITCOIN_COINBASE.getId()).toBe('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
    expect(LITECOIN_COINBASE.getId()).toBe('97ddfbbae6be97fd6cdf3e7ca13232a3afff2353e29badfab7f73011edd4ced9');
    const id = (raw: Buffer) => idOf(raw);
    expect(id(genesisBlock(BITCOIN_COINBASE, 1231006505, 0x1d00ffff, 2083236893))).toBe(GENESIS.bitcoinMainnet);
    expect(id(genesisBlock(BITCOIN_COINBASE, 1296688602, 0x1d00ffff, 414098458))).toBe(GENESIS.bitcoinTestnet3);
    expect(id(genesisBlock(BITCOIN_COINBASE, 1598918400, 0x1e0377ae, 52613770))).toBe(GENESIS.bitcoinSignet);
    expect(id(genesisBlock(BITCOIN_COINBASE, 1296688602, 0x207fffff, 2))).toBe(GENESIS.bitcoinRegtest);
    expect(headerHash('7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e', 1714777860, 0x1d00ffff, 393743547)).toBe(GENESIS.bitcoinTestnet4);
    expect(id(genesisBlock(LITECOIN_COINBASE, 1317972665, 0x1e0ffff0, 2084524493))).toBe(GENESIS.litecoinMainnet);
    expect(id(genesisBlock(LITECOIN_COINBASE, 1486949366, 0x1e0ffff0, 293345))).toBe(GENESIS.litecoinTestnet4);
    expect(id(LITECOIN_REGTEST_GENESIS)).toBe(GENESIS.litecoinRegtest);
  });
});

// ------------------------------------------------------------------ comparing (no node)

describe('comparing what an endpoint says with the configured network (no node)', () => {
  const check = (family: UtxoFamily, network: UtxoNetworkName, seen: Parameters<typeof compareNetwork>[2]) => compareNetwork(family, network, seen);
  const OTHER = blockHash('ab'.repeat(32));

  it('the configured network’s chain name and genesis pass; Bitcoin testnet is testnet3 or testnet4', () => {
    expect(check('bitcoin', 'mainnet', { chainName: 'main', genesis: GENESIS.bitcoinMainnet })).toBeNull();
    expect(check('bitcoin', 'testnet', { chainName: 'test', genesis: GENESIS.bitcoinTestnet3 })).toBeNull();
    expect(check('bitcoin', 'testnet', { chainName: 'testnet4', genesis: GENESIS.bitcoinTestnet4 })).toBeNull();
    expect(check('litecoin', 'mainnet', { chainName: 'main', genesis: GENESIS.litecoinMainnet })).toBeNull();
    expect(check('litecoin', 'regtest', { chainName: 'regtest', genesis: GENESIS.litecoinRegtest })).toBeNull();
    expect(check('bitcoin-cash', 'regtest', { chainName: 'regtest', genesis: GENESIS.bitcoinRegtest })).toBeNull();
  });

  it('another chain name, or a genesis of another family or network, is refused and named', () => {
    expect(check('bitcoin', 'mainnet', { chainName: 'test', genesis: GENESIS.bitcoinTestnet3 })).toEqual({
      configured: 'network mainnet (bitcoin)',
      actual: `chain "test", genesis ${GENESIS.bitcoinTestnet3} (bitcoin testnet or bitcoin-cash testnet)`,
    });
    expect(check('bitcoin', 'mainnet', { chainName: 'main', genesis: GENESIS.litecoinMainnet })).toEqual({
      configured: 'network mainnet (bitcoin)',
      actual: `chain "main", genesis ${GENESIS.litecoinMainnet} (litecoin mainnet)`,
    });
    // Both report "regtest": only the genesis tells Bitcoin's regtest from Litecoin's.
    expect(check('bitcoin', 'regtest', { chainName: 'regtest', genesis: GENESIS.litecoinRegtest })?.actual).toBe(`chain "regtest", genesis ${GENESIS.litecoinRegtest} (litecoin regtest)`);
    expect(check('litecoin', 'regtest', { chainName: 'regtest', genesis: GENESIS.bitcoinRegtest })?.actual).toMatch(/\(bitcoin regtest or bitcoin-cash regtest\)$/);
    expect(check('bitcoin', 'mainnet', { chainName: 'main', genesis: OTHER })?.actual).toBe(`chain "main", genesis ${OTHER} (not a known network)`);
    expect(check('litecoin', 'testnet', { chainName: 'test', genesis: GENESIS.bitcoinTestnet3 })).not.toBeNull();
  });

  it('on regtest a genesis nobody knows passes (a private test chain); on Bitcoin Cash testnet4 only the chain name is checked', () => {
    expect(check('bitcoin', 'regtest', { chainName: 'regtest', genesis: OTHER })).toBeNull();
    expect(check('bitcoin-cash', 'testnet', { chainName: 'test4', genesis: OTHER })).toBeNull();
    expect(check('bitcoin-cash', 'testnet', { chainName: 'test4', genesis: GENESIS.litecoinTestnet4 })).not.toBeNull();
  });

  it('Bitcoin and Bitcoin Cash mainnet share the genesis: the block after the split tells them apart', () => {
    const btcBlock = blockHash('00000000000000000019f112ec0a9982926f1258cdcc558dd7c3b7e5dc7fa148');
    expect(check('bitcoin', 'mainnet', { chainName: 'main', genesis: GENESIS.bitcoinMainnet, splitBlock: btcBlock })).toBeNull();
    expect(check('bitcoin-cash', 'mainnet', { chainName: 'main', genesis: GENESIS.bitcoinMainnet, splitBlock: BCH_SPLIT.hash })).toBeNull();
    expect(check('bitcoin', 'mainnet', { chainName: 'main', genesis: GENESIS.bitcoinMainnet, splitBlock: BCH_SPLIT.hash })).toEqual({
      configured: 'network mainnet (bitcoin)',
      actual: `chain "main", block #478559 ${BCH_SPLIT.hash} (bitcoin-cash mainnet)`,
    });
    expect(check('bitcoin-cash', 'mainnet', { chainName: 'main', genesis: GENESIS.bitcoinMainnet, splitBlock: btcBlock })?.actual).toMatch(/not bitcoin-cash mainnet/);
    // A node still below the split cannot tell, and is not refused for it.
    expect(check('bitcoin-cash', 'mainnet', { chainName: 'main', genesis: GENESIS.bitcoinMainnet, splitBlock: null })).toBeNull();
  });

  it('Esplora names no chain: the genesis alone decides', () => {
    expect(check('bitcoin', 'mainnet', { genesis: GENESIS.bitcoinMainnet })).toBeNull();
    expect(check('bitcoin', 'testnet', { genesis: GENESIS.bitcoinTestnet4 })).toBeNull();
    expect(check('bitcoin', 'mainnet', { genesis: GENESIS.bitcoinTestnet3 })?.actual).toBe(`genesis ${GENESIS.bitcoinTestnet3} (bitcoin testnet or bitcoin-cash testnet)`);
  });
});

// ------------------------------------------------------------------ endpoints

const { b0, b1, b2, b3 } = buildScenario().blocks;
const servers: BitcoinCoreServer[] = [];
const esploras: EsploraServer[] = [];
const sources: BitcoinChainSource[] = [];

async function core(network: 'mainnet' | 'regtest', blocks: readonly Buffer[]): Promise<BitcoinCoreServer> {
  const s = await startBitcoinCoreServer({ network });
  for (const b of blocks) s.addBlock(b);
  servers.push(s);
  return s;
}

function source(family: UtxoFamily, network: UtxoNetworkName, urls: readonly string[], api: 'node' | 'esplora' = 'node'): { src: BitcoinChainSource; lines: LogLine[] } {
  const { log, lines } = memoryLogger();
  const opts = { chain: 'btc', family, network, endpoints: urls.map((url) => ({ url })), log, backoffBaseMs: 5, requestTimeoutMs: 5_000 };
  const src = api === 'node' ? createBitcoinChainSource({ ...opts, env: {} }) : createEsploraChainSource(opts);
  sources.push(src);
  return { src, lines };
}

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await Promise.all([...servers, ...esploras].map((s) => s.close()));
});

describe('Bitcoin-family endpoints on the wrong chain', () => {
  it('a Bitcoin mainnet chain pointed at a regtest node is refused, naming both chains', async () => {
    const node = await core('regtest', [b0, b1, b2, b3]);
    const { src, lines } = source('bitcoin', 'mainnet', [node.authUrl]);
    const err = await src.head().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoEndpointOnChain);
    const label = new URL(node.url).host + '#0';
    expect((err as Error).message).toContain(`endpoint ${label}: chain "regtest", genesis ${idOf(b0)} (not a known network), but chain \`btc\` is configured with network mainnet (bitcoin)`);
    expect((err as Error).message).not.toContain('secret'); // the URL's password
    expect(refusals(lines)).toEqual([expect.objectContaining({ chain: 'btc', endpoint: label, configured: 'network mainnet (bitcoin)' })]);
  });

  it('a Bitcoin regtest chain pointed at a Litecoin regtest node is refused; a Litecoin regtest chain reads it', async () => {
    const ltc = await core('regtest', [LITECOIN_REGTEST_GENESIS]);
    const { src } = source('bitcoin', 'regtest', [ltc.authUrl]);
    await expect(src.head()).rejects.toThrow(`genesis ${GENESIS.litecoinRegtest} (litecoin regtest), but chain \`btc\` is configured with network regtest (bitcoin)`);
    const { src: litecoin } = source('litecoin', 'regtest', [ltc.authUrl]);
    expect((await litecoin.head()).hash).toBe(GENESIS.litecoinRegtest);
  });

  it('a pool with one node on the wrong chain and one on the right uses only the right one, asking its chain once', async () => {
    const [ltc, btc] = await Promise.all([core('regtest', [LITECOIN_REGTEST_GENESIS]), core('regtest', [b0, b1, b2, b3])]);
    const { src, lines } = source('bitcoin', 'regtest', [ltc.authUrl, btc.authUrl]);
    await src.identifyEndpoints();
    for (let i = 0; i < 3; i++) {
      const head = await src.head();
      expect(head.hash).toBe(idOf(b3));
      expect((await src.readBlock(head)).txs.length).toBeGreaterThan(0);
    }
    const [wrong, right] = src.endpointStats();
    expect(wrong).toMatchObject({ successes: 0, requests: 1 });
    expect(right?.successes).toBe(6);
    expect(btc.count('getblockchaininfo')).toBe(1);
    expect(ltc.count('getbestblockhash')).toBe(0);
    expect(refusals(lines)).toHaveLength(1);
  });

  it('an Esplora endpoint is checked by its genesis', async () => {
    const ltc = await startEsploraServer([LITECOIN_REGTEST_GENESIS]);
    const regtest = await startEsploraServer([b0, b1]);
    esploras.push(ltc, regtest);
    await expect(source('bitcoin', 'regtest', [ltc.url], 'esplora').src.head()).rejects.toThrow(/genesis 530827f3\w+ \(litecoin regtest\), but chain `btc` is configured with network regtest \(bitcoin\)/);
    await expect(source('bitcoin', 'mainnet', [regtest.url], 'esplora').src.identifyEndpoints()).rejects.toThrow(NoEndpointOnChain);
    const asked = regtest.count('block-height/:n');
    const { src } = source('bitcoin', 'regtest', [ltc.url, regtest.url], 'esplora');
    expect((await src.head()).hash).toBe(idOf(b1));
    expect(await src.blockAt(1n)).toMatchObject({ hash: idOf(b1) });
    expect(regtest.count('block-height/:n') - asked).toBe(2); // the genesis once, then #1
    expect(src.endpointStats()[0]).toMatchObject({ successes: 0, requests: 0 });
  });
});
