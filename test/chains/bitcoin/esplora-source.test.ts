import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createBitcoinChainSource, createEsploraChainSource, type BitcoinChainSource } from '../../../src/chains/bitcoin/index.js';
import { blockHash, type BlockRef } from '../../../src/domain/block.js';
import { startBitcoinCoreServer, type BitcoinCoreServer } from '../../helpers/bitcoin-core-server.js';
import { startEsploraServer, type EsploraServer } from './esplora-server.js';
import { ALICE, btc, buildScenario, coinbaseTx, DEPOSIT_1, idOf, mineBlock, MINER, SANCTIONED, spendTx } from './regtest-chain.js';

const quiet = pino({ level: 'silent' });
const scenario = buildScenario();
const { b0, b1, b2, b3 } = scenario.blocks;
const T = scenario.txids;

// #4: thirty chained spends inside one block (two pages of 25), the last one a deposit.
const cb4 = coinbaseTx(4, [[MINER.script, btc(50)]]);
const chained = [spendTx([{ txid: T.tx4, vout: 3, from: ALICE }], [[ALICE.script, btc(33.4)]])];
for (let i = 1; i < 29; i++) chained.push(spendTx([{ txid: (chained[i - 1] as (typeof chained)[number]).getId(), vout: 0, from: ALICE }], [[ALICE.script, btc(33.4 - i * 0.01)]]));
chained.push(spendTx([{ txid: (chained[28] as (typeof chained)[number]).getId(), vout: 0, from: ALICE }], [[DEPOSIT_1.script, btc(33)]]));
const b4 = mineBlock(idOf(b3), [cb4, ...chained], 1_700_003_000);
const lastTx = (chained[29] as (typeof chained)[number]).getId();

let esplora: EsploraServer;
let core: BitcoinCoreServer;
const sources: BitcoinChainSource[] = [];
const esploraSource = (): BitcoinChainSource => {
  const s = createEsploraChainSource({ chain: 'btc', family: 'bitcoin', network: 'regtest', endpoints: [{ url: esplora.url }], log: quiet, backoffBaseMs: 5, requestTimeoutMs: 5_000 });
  sources.push(s);
  return s;
};
const ref = (raw: Buffer, number: bigint, parent: Buffer | null): BlockRef => ({
  number,
  hash: blockHash(idOf(raw)),
  parentHash: blockHash(parent === null ? '0'.repeat(64) : idOf(parent)),
  timestamp: raw.readUInt32LE(68),
});

beforeAll(async () => {
  esplora = await startEsploraServer([b0, b1, b2, b3, b4]);
  core = await startBitcoinCoreServer({ network: 'regtest' });
  for (const b of [b0, b1, b2, b3, b4]) core.addBlock(b);
});
afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await esplora?.close();
  await core?.close();
});

describe('Bitcoin source over Esplora', () => {
  it('follows the head and reads blocks by height and by hash', async () => {
    const src = esploraSource();
    expect(await src.head()).toEqual(ref(b4, 4n, b3));
    expect(await src.blockAt(1n)).toEqual(ref(b1, 1n, b0));
    expect(await src.blockAt(0n)).toEqual(ref(b0, 0n, null));
    expect(await src.blockAt(5n)).toBeNull();
    expect(await src.blockByHash(blockHash(idOf(b2)))).toEqual(ref(b2, 2n, b1));
    expect(await src.blockByHash(blockHash('66'.repeat(32)))).toBeNull();
    expect(await src.headersInRange(2n, 9n)).toEqual([ref(b2, 2n, b1), ref(b3, 3n, b2), ref(b4, 4n, b3)]);
  });

  it('gives the same transfers as the Bitcoin Core source for the same block', async () => {
    const viaCore = createBitcoinChainSource({ chain: 'btc', family: 'bitcoin', network: 'regtest', endpoints: [{ url: core.authUrl }], log: quiet, env: {} });
    sources.push(viaCore);
    for (const [raw, n, parent] of [[b1, 1n, b0], [b2, 2n, b1]] as const) {
      const r = ref(raw, n, parent);
      expect(await esploraSource().transfers(r)).toEqual(await viaCore.transfers(r));
    }
    const deposit = (await esploraSource().transfers(ref(b1, 1n, b0))).filter((t) => t.to === DEPOSIT_1.address);
    expect(deposit.map((t) => t.from)).toEqual([ALICE.address, SANCTIONED.address]);
  });

  it('fetches only the pages of 25 transactions that hold a wanted one', async () => {
    const src = esploraSource();
    const utxo = await src.readBlock(ref(b4, 4n, b3));
    expect(utxo.txs).toHaveLength(31);
    const before = { first: esplora.count('block/:hash/txs'), later: esplora.count('block/:hash/txs/:n') };
    const inputs = await src.resolveInputs(utxo, [lastTx]);
    expect(inputs.get(lastTx)?.map((i) => i.address)).toEqual([ALICE.address]);
    expect(esplora.count('block/:hash/txs')).toBe(before.first);
    expect(esplora.count('block/:hash/txs/:n')).toBe(before.later + 1);
    const all = await src.resolveInputs(utxo, 'all');
    expect(all.size).toBe(31);
    expect(esplora.count('block/:hash/txs')).toBe(before.first + 1);
  });

  it('waits out a 429 and asks again', async () => {
    const src = esploraSource();
    esplora.throttle(2);
    expect((await src.head()).number).toBe(4n);
  });
});
