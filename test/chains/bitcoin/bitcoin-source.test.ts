import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CoreAuthFailed, createBitcoinChainSource, exchangeTransfers, InputsUnresolvable, type BitcoinChainSource, type ExchangeView } from '../../../src/chains/bitcoin/index.js';
import { blockHash, type BlockRef } from '../../../src/domain/block.js';
import { startBitcoinCoreServer, type BitcoinCoreServer } from '../../helpers/bitcoin-core-server.js';
import { SHARED_FIXTURES } from '../../helpers/fixtures.js';
import { ALICE, btc, buildScenario, CAROL, DAVE, DEPOSIT_1, DEPOSIT_2, HOT, idOf, SANCTIONED } from './regtest-chain.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}
function memoryLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) }), lines };
}

const scenario = buildScenario();
const { b0, b1, b2, b3, b3b, b4b } = scenario.blocks;
const T = scenario.txids;
const sources: BitcoinChainSource[] = [];
const servers: BitcoinCoreServer[] = [];

async function node(opts: Parameters<typeof startBitcoinCoreServer>[0] = {}, blocks: Buffer[] = [b0, b1, b2, b3]): Promise<BitcoinCoreServer> {
  const s = await startBitcoinCoreServer({ network: 'regtest', ...opts });
  for (const b of blocks) s.addBlock(b);
  servers.push(s);
  return s;
}

function source(url: string, extra: Partial<Parameters<typeof createBitcoinChainSource>[0]> = {}): BitcoinChainSource {
  const s = createBitcoinChainSource({
    chain: 'btc-regtest',
    family: 'bitcoin',
    network: 'regtest',
    endpoints: [{ url }],
    log: memoryLogger().log,
    env: {},
    requestTimeoutMs: 5_000,
    backoffBaseMs: 5,
    maxAttempts: 3,
    ...extra,
  });
  sources.push(s);
  return s;
}

const refOf = (raw: Buffer, number: bigint, parent: Buffer | null): BlockRef => ({
  number,
  hash: blockHash(idOf(raw)),
  parentHash: blockHash(parent === null ? '0'.repeat(64) : idOf(parent)),
  timestamp: raw.readUInt32LE(68),
});
const REF = { b0: refOf(b0, 0n, null), b1: refOf(b1, 1n, b0), b2: refOf(b2, 2n, b1), b3: refOf(b3, 3n, b2) };

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await Promise.all(servers.map((s) => s.close()));
});

describe('Bitcoin source against a Bitcoin Core node', () => {
  let core: BitcoinCoreServer;
  beforeAll(async () => {
    core = await node();
  });

  it('follows the head and reads blocks by height and by hash', async () => {
    const src = source(core.authUrl);
    expect(await src.head()).toEqual(REF.b3);
    expect(await src.blockAt(2n)).toEqual(REF.b2);
    expect(await src.blockAt(0n)).toEqual(REF.b0);
    expect(await src.blockAt(4n)).toBeNull();
    expect(await src.blockByHash(REF.b1.hash)).toEqual(REF.b1);
    expect(await src.blockByHash(blockHash('44'.repeat(32)))).toBeNull();
  });

  it('reads a block over REST when the node serves it, and over getblock 0 when it runs without -rest', async () => {
    const { log, lines } = memoryLogger();
    core.resetCounts();
    const utxo = await source(core.authUrl, { log }).readBlock(REF.b2);
    expect(utxo.txs.map((t) => t.txid)).toEqual([T.cb2, T.tx3, T.tx4]);
    expect(core.count('rest/block')).toBe(1);
    expect(core.count('getblock')).toBe(0);

    core.settings.rest = false;
    try {
      const src = source(core.authUrl, { log });
      await src.readBlock(REF.b2);
      await src.readBlock(REF.b1);
      expect(core.count('getblock')).toBe(2);
      expect(lines.filter((l) => /serves no REST/.test(l.msg))).toHaveLength(1); // learnt once per endpoint
    } finally {
      core.settings.rest = true;
    }
  });

  it("resolves a deposit's senders from getblock verbosity 3, without getrawtransaction", async () => {
    core.resetCounts();
    const src = source(core.authUrl);
    const utxo = await src.readBlock(REF.b1);
    const inputs = await src.resolveInputs(utxo, [T.tx1]);
    expect([...inputs.keys()]).toEqual([T.tx1]);
    expect(inputs.get(T.tx1)).toEqual([
      { outpoint: { txid: T.cb0, vout: 0 }, value: btc(50), address: ALICE.address },
      { outpoint: { txid: T.cb0, vout: 1 }, value: btc(25), address: SANCTIONED.address },
    ]);
    expect(core.count('getblock')).toBe(1);
    expect(core.count('getrawtransaction')).toBe(0);
  });

  it('gives the coinbase an empty input list and refuses a txid that is not in the block', async () => {
    const src = source(core.authUrl);
    const utxo = await src.readBlock(REF.b1);
    core.resetCounts();
    expect((await src.resolveInputs(utxo, [T.cb1])).get(T.cb1)).toEqual([]);
    expect(core.count('getblock')).toBe(0); // nothing to ask
    await expect(src.resolveInputs(utxo, [T.tx3])).rejects.toThrow(/has no transaction/);
  });

  it('reports a block the node no longer has as unavailable, saying whether it was reorged away or pruned', async () => {
    const src = source(core.authUrl);
    const gone = { ...REF.b3, hash: blockHash('55'.repeat(32)) };
    await expect(src.readBlock(gone)).rejects.toThrow(/is not available from any endpoint \(no endpoint knows this hash; it was probably reorged away\)/);
    const pruning = await node();
    pruning.prune(REF.b1.hash);
    await expect(source(pruning.authUrl).readBlock(REF.b1)).rejects.toThrow(/the nodes have pruned it/);
    await expect(source(pruning.authUrl, { rest: false }).readBlock(REF.b1)).rejects.toThrow(/the nodes have pruned it/);
  });

  it('never uses bytes that are not the block asked for: another block, or a truncated one, is read again', async () => {
    const { log, lines } = memoryLogger();
    const src = source(core.authUrl, { log });
    core.resetCounts();
    core.tamper(REF.b2.hash, () => b1, 1);
    expect((await src.readBlock(REF.b2)).ref).toEqual(REF.b2);
    expect(core.count('rest/block')).toBe(2);
    expect(lines.some((l) => l.msg === 'rpc answer for wrong block; retrying' && /the bytes are block/.test(String(l['reason'])))).toBe(true);

    core.tamper(REF.b2.hash, (raw) => raw.subarray(0, raw.length - 7), 1);
    expect((await src.readBlock(REF.b2)).txs).toHaveLength(3);
    expect(lines.some((l) => l.msg === 'rpc request failed; retrying' && /malformed at byte/.test(String(l['err'])))).toBe(true);
  });

  it('reads linked headers over REST in one request, and over RPC when REST is off', async () => {
    core.resetCounts();
    const src = source(core.authUrl);
    expect(await src.headersInRange(0n, 10n)).toEqual([REF.b0, REF.b1, REF.b2, REF.b3]);
    expect(core.count('rest/headers')).toBe(1);
    core.settings.rest = false;
    try {
      expect(await source(core.authUrl).headersInRange(1n, 2n)).toEqual([REF.b1, REF.b2]);
    } finally {
      core.settings.rest = true;
    }
  });

  it('emits one utxo transfer per output and sender, in satoshis, for transfers(block)', async () => {
    const transfers = await source(core.authUrl).transfers(REF.b2);
    const shown = transfers.map((t) => `${t.txHash === T.tx3 ? 'tx3' : 'tx4'} ${t.position} ${t.from}→${t.to} ${t.amount}`);
    expect(shown).toEqual([
      `tx3 out:0:in:0 ${HOT.address}→${CAROL.address} ${btc(5)}`,
      `tx3 out:1:in:0 ${HOT.address}→${DAVE.address} ${btc(3)}`,
      `tx3 out:2:in:0 ${HOT.address}→${HOT.address} ${btc(21.9999)}`,
      // tx4's OP_RETURN (out:1) and bare multisig (out:2) pay no address.
      `tx4 out:0:in:0 ${ALICE.address}→${DEPOSIT_2.address} ${btc(1)}`,
      `tx4 out:3:in:0 ${ALICE.address}→${ALICE.address} ${btc(33.4997)}`,
    ]);
    for (const t of transfers) {
      expect(t).toMatchObject({ chain: 'btc-regtest', blockNumber: 2n, blockHash: REF.b2.hash, kind: 'utxo', asset: { kind: 'native' } });
      expect(t.txFrom).toBe(t.from);
    }
  });
});

describe('the extract path: only transactions touching the exchange are resolved', () => {
  const ours = new Set<string>([DEPOSIT_1.address, DEPOSIT_2.address, HOT.address]);
  const view = (extra: Partial<ExchangeView> = {}): ExchangeView => ({
    watchedAmong: async (addresses) => addresses.filter((x) => ours.has(x)),
    ...extra,
  });

  it('resolves inputs for deposits and withdrawals with change, and not at all for a block that touches nothing', async () => {
    const core = await node();
    const src = source(core.authUrl);
    const one = await exchangeTransfers(src, REF.b1, view());
    expect(one.resolved).toEqual([T.tx1, T.tx2]);
    expect(one.transfers.filter((t) => t.to === DEPOSIT_1.address).map((t) => t.from)).toEqual([ALICE.address, SANCTIONED.address]);
    core.resetCounts();
    const quiet = await exchangeTransfers(src, REF.b0, view());
    expect(quiet.transfers).toEqual([]);
    expect(core.count('getblock')).toBe(0);
  });

  it('finds a withdrawal without change by its registered txid, or by the outpoint it spends', async () => {
    const core = await node();
    const src = source(core.authUrl);
    expect((await exchangeTransfers(src, REF.b3, view())).transfers).toEqual([]);
    const byTxid = await exchangeTransfers(src, REF.b3, view({ registeredAmong: async (txids) => txids.filter((t) => t === T.tx5) }));
    expect(byTxid.transfers.map((t) => `${t.from}→${t.to} ${t.amount}`)).toEqual([`${HOT.address}→${CAROL.address} ${btc(21.9998)}`]);
    const byOutpoint = await exchangeTransfers(src, REF.b3, view({ ownedAmong: async (keys) => keys.filter((k) => k === `${T.tx3}:2`) }));
    expect(byOutpoint.transfers).toEqual(byTxid.transfers);
  });
});

describe('prevouts on nodes without getblock verbosity 3', () => {
  it('falls back to getrawtransaction with txindex: in-block spends from the block, each transaction fetched once, then cached', async () => {
    const core = await node({ version: 240100, txindex: true });
    const { log, lines } = memoryLogger();
    const src = source(core.authUrl, { log });
    const u1 = await src.readBlock(REF.b1);
    core.resetCounts();
    const r1 = await src.resolveInputs(u1, 'all');
    // tx1 spends the coinbase of #0 (fetched); tx2 spends tx1 in the same block (not fetched).
    expect(r1.get(T.tx2)).toEqual([{ outpoint: { txid: T.tx1, vout: 1 }, value: btc(64.9999), address: ALICE.address }]);
    expect(r1.get(T.tx1)?.map((i) => i.address)).toEqual([ALICE.address, SANCTIONED.address]);
    expect(core.count('getrawtransaction')).toBe(1);
    expect(lines.filter((l) => /gives no prevouts here/.test(l.msg))).toHaveLength(1);

    const u2 = await src.readBlock(REF.b2);
    await src.resolveInputs(u2, 'all'); // tx3 and tx4 both spend tx2: one fetch
    expect(core.count('getrawtransaction')).toBe(2);
    core.resetCounts();
    const again = await src.resolveInputs(u2, [T.tx3]);
    expect(again.get(T.tx3)).toEqual([{ outpoint: { txid: T.tx2, vout: 0 }, value: btc(30), address: HOT.address }]);
    expect(core.count('getrawtransaction')).toBe(0);
    expect(core.count('getblock')).toBe(0); // remembered: this node gives no prevouts
    expect(src.prevoutCacheStats().hits).toBeGreaterThan(0);
  });

  it('says clearly when the node can give neither prevouts nor transactions (Core < 25 without txindex)', async () => {
    const core = await node({ version: 240100, txindex: false });
    const src = source(core.authUrl);
    const utxo = await src.readBlock(REF.b1);
    const err = await src.resolveInputs(utxo, [T.tx1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputsUnresolvable);
    expect((err as Error).message).toMatch(/cannot resolve the input addresses of .* in block/);
    expect((err as Error).message).toMatch(/Bitcoin Core ≥ 25/);
    expect((err as Error).message).toMatch(/txindex=1/);
    expect(core.count('getrawtransaction')).toBe(1); // not retried: it is configuration
  });

  it('uses another endpoint that can resolve inputs when the first cannot', async () => {
    const weak = await node({ version: 240100, txindex: false });
    const strong = await node({ version: 280100 });
    const src = source(weak.authUrl, { endpoints: [{ url: weak.authUrl }, { url: strong.authUrl }] });
    const utxo = await src.readBlock(REF.b1);
    const inputs = await src.resolveInputs(utxo, [T.tx1]);
    expect(inputs.get(T.tx1)?.map((i) => i.address)).toEqual([ALICE.address, SANCTIONED.address]);
  });
});

describe('reorgs', () => {
  it('shows a reorg as a different hash at the same height; the orphaned block stays readable by hash', async () => {
    const core = await node();
    const src = source(core.authUrl);
    const before = await src.blockAt(3n);
    expect(before).toEqual(REF.b3);
    core.addBlock(b3b);
    core.addBlock(b4b);
    core.setTip(idOf(b4b));
    const after = await src.blockAt(3n);
    expect(after?.hash).toBe(idOf(b3b));
    expect(after?.parentHash).toBe(REF.b2.hash);
    expect((await src.head()).number).toBe(4n);
    expect(await src.blockByHash(REF.b3.hash)).toEqual(REF.b3); // Core keeps stale blocks
    // The new branch's transfers; the old block's are still readable by its hash.
    const transfers = await src.transfers(after as BlockRef);
    expect(new Set(transfers.map((t) => t.txHash))).toEqual(new Set([T.tx6]));
    expect((await src.transfers(REF.b3)).map((t) => t.txHash)).toEqual([T.tx5]);
  });
});

describe('authentication', () => {
  it('fails at once on wrong credentials, naming where they came from', async () => {
    const core = await node();
    const src = source(core.url, { env: { CORDON_BTC_REGTEST_RPC_USER: 'cordon', CORDON_BTC_REGTEST_RPC_PASSWORD: 'nope' } });
    const err = await src.head().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoreAuthFailed);
    expect((err as Error).message).toMatch(/HTTP 401: the node refused the credentials \(credentials from CORDON_BTC_REGTEST_RPC_USER/);
    expect((err as Error).message).not.toMatch(/nope/);
    const none = await source(core.url).head().catch((e: unknown) => e);
    expect((none as Error).message).toMatch(/no credentials \(set them in the endpoint URL, CORDON_BTC_REGTEST_RPC_USER/);
  });

  it('takes user and password from the environment', async () => {
    const core = await node();
    const src = source(core.url, { env: { CORDON_BTC_REGTEST_RPC_USER: 'cordon', CORDON_BTC_REGTEST_RPC_PASSWORD: 'secret' } });
    expect((await src.head()).number).toBe(3n);
  });

  it("reads the node's cookie file, and reads it again after the node restarted", async () => {
    const cookieFile = join(mkdtempSync(join(tmpdir(), 'cordon-cookie-')), '.cookie');
    const core = await node({ auth: { cookieFile } });
    const src = source(core.url, { env: { CORDON_BTC_REGTEST_RPC_COOKIE: cookieFile } });
    expect((await src.head()).number).toBe(3n);
    core.rotateCookie();
    expect((await src.head()).number).toBe(3n);
  });
});

describe('the recorded mainnet block through the node', () => {
  it('reads block 413567 (1,557 transactions) and reports that the node cannot resolve its inputs', async () => {
    const raw = readFileSync(`${SHARED_FIXTURES}bitcoin/block413567.raw`);
    const core = await startBitcoinCoreServer({ network: 'mainnet' });
    servers.push(core);
    core.addBlock(raw, { height: 413567 });
    const src = createBitcoinChainSource({ chain: 'bitcoin', family: 'bitcoin', network: 'mainnet', endpoints: [{ url: core.authUrl }], log: memoryLogger().log, env: {}, backoffBaseMs: 5 });
    sources.push(src);
    const ref = await src.blockAt(413567n);
    expect(ref?.hash).toBe('0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069');
    const utxo = await src.readBlock(ref as BlockRef);
    expect(utxo.txs).toHaveLength(1557);
    expect(utxo.txs.reduce((n, t) => n + t.outputs.filter((o) => o.address !== null).length, 0)).toBe(3578);
    // The prevouts of this block are in earlier blocks the node does not have, and it has no txindex.
    await expect(src.resolveInputs(utxo, [(utxo.txs[1] as { txid: string }).txid])).rejects.toBeInstanceOf(InputsUnresolvable);
  });
});
