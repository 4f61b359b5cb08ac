/**
 * Seeding the exchange's outputs from before the start block (pipeline/seed-utxos.ts): read
 * from Bitcoin Core's `scantxoutset` or Esplora's `/address/:a/utxo` (served over the regtest
 * story's blocks), recorded once, and then a withdrawal that spends such an output without
 * change, unregistered, is seen as the exchange's.
 *
 * The story (regtest-chain.ts): #2's tx3 pays HOT 21.9999 in change; #3's tx5 spends all of it
 * to CAROL. Cordon starting at #3 never saw #2.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createBitcoinChainSource, createEsploraChainSource, exchangeTransfers, type BitcoinChainSource } from '../../src/chains/bitcoin/index.js';
import { normaliseForFamily } from '../../src/domain/address.js';
import { blockHash, type BlockRef } from '../../src/domain/block.js';
import { seedUtxos } from '../../src/pipeline/seed-utxos.js';
import { openStore, type Store } from '../../src/store/index.js';
import { memoryLogger } from '../chains/evm/memory-log.js';
import { startEsploraServer, type EsploraServer } from '../chains/bitcoin/esplora-server.js';
import { btc, buildScenario, CAROL, DEPOSIT_1, HOT, idOf } from '../chains/bitcoin/regtest-chain.js';
import { startBitcoinCoreServer, type BitcoinCoreServer } from '../helpers/bitcoin-core-server.js';

const CHAIN = 'btc';
const { b0, b1, b2, b3 } = buildScenario().blocks;
const T = buildScenario().txids;
const B3: BlockRef = { number: 3n, hash: blockHash(idOf(b3)), parentHash: blockHash(idOf(b2)), timestamp: b3.readUInt32LE(68) };

let esplora: EsploraServer;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  esplora = await startEsploraServer([b0, b1, b2]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});
afterAll(async () => {
  await esplora?.close();
});

async function coreNode(version?: number): Promise<BitcoinCoreServer> {
  const core = await startBitcoinCoreServer({ network: 'regtest', ...(version === undefined ? {} : { version }) });
  for (const b of [b0, b1, b2]) core.addBlock(b);
  open.push(core);
  return core;
}

function track<T extends { close(): Promise<void> }>(x: T): T {
  open.push(x);
  return x;
}

const coreSource = (core: BitcoinCoreServer): BitcoinChainSource =>
  track(createBitcoinChainSource({ chain: CHAIN, family: 'bitcoin', network: 'regtest', endpoints: [{ url: core.authUrl }], log: memoryLogger().log, env: {}, backoffBaseMs: 5, maxAttempts: 2 }));
const esploraSource = (): BitcoinChainSource =>
  track(createEsploraChainSource({ chain: CHAIN, family: 'bitcoin', network: 'regtest', endpoints: [{ url: esplora.url }], log: memoryLogger().log, backoffBaseMs: 5, maxAttempts: 2 }));

/** A store watching the hot wallet and a deposit address. */
async function exchangeStore(): Promise<Store> {
  const store = track(await openStore({ driver: 'pglite', dataDir: 'memory://' }));
  await store.accounts.upsertWatchedAddresses([
    { chain: CHAIN, address: normaliseForFamily(HOT.address, 'bitcoin'), accountId: 'hot', kind: 'hot_wallet' },
    { chain: CHAIN, address: normaliseForFamily(DEPOSIT_1.address, 'bitcoin'), accountId: 'acct-1', kind: 'deposit' },
  ]);
  return store;
}

const rows = async (store: Store) =>
  (await store.utxos.listUtxos(CHAIN)).map((u) => `${u.txid}:${u.vout} #${u.blockNumber} ${u.blockHash} ${u.address} ${u.value}`);

/** #3 as the extract stage reads it, with the store's view of the exchange. */
async function withdrawalsIn3(source: BitcoinChainSource, store: Store): Promise<string[]> {
  const { transfers } = await exchangeTransfers(source, B3, {
    watchedAmong: async (addresses) => (await store.accounts.findWatchedAddresses(CHAIN, addresses)).map((w) => w.address),
    ownedAmong: (outpoints) => store.utxos.ownedAmong(CHAIN, outpoints, B3.hash),
  });
  return transfers.map((t) => `${t.from}→${t.to} ${t.amount}`);
}

describe('seeding the exchange’s outputs from before the start block', () => {
  it('records the unspent outputs of the watched addresses, with their blocks, once', async () => {
    const store = await exchangeStore();
    const src = coreSource(await coreNode());
    const { log, lines } = memoryLogger();
    expect(await seedUtxos(store, src, log, { batch: 1 })).toEqual({ addresses: 2, found: 2, added: 2 });
    expect(await rows(store)).toEqual([
      // DEPOSIT_1's deposit in #1, and HOT's change in #2 (its output of #1 was spent in #2).
      `${T.tx1}:0 #1 ${idOf(b1)} ${DEPOSIT_1.address} ${btc(10)}`,
      `${T.tx3}:2 #2 ${idOf(b2)} ${HOT.address} ${btc(21.9999)}`,
    ]);
    expect(lines.filter((l) => l.msg === 'exchange outputs seeded')).toHaveLength(2); // one batch per address here
    expect(await seedUtxos(store, src, log)).toEqual({ addresses: 2, found: 2, added: 0 });
  });

  it('Core before 28 (no block hash per output), and Esplora, give the same rows', async () => {
    const fromCore28 = await exchangeStore();
    await seedUtxos(fromCore28, coreSource(await coreNode()), memoryLogger().log);
    const fromCore27 = await exchangeStore();
    await seedUtxos(fromCore27, coreSource(await coreNode(270000)), memoryLogger().log);
    const fromEsplora = await exchangeStore();
    await seedUtxos(fromEsplora, esploraSource(), memoryLogger().log);
    expect(await rows(fromCore27)).toEqual(await rows(fromCore28));
    expect(await rows(fromEsplora)).toEqual(await rows(fromCore28));
  });

  it('a withdrawal spending only a seeded output, without change or registration, is seen as the exchange’s', async () => {
    const core = await coreNode();
    const src = coreSource(core);
    const unseeded = await exchangeStore();
    const seeded = await exchangeStore();
    await seedUtxos(seeded, src, memoryLogger().log);
    core.addBlock(b3);
    expect(await withdrawalsIn3(src, unseeded)).toEqual([]);
    expect(await withdrawalsIn3(src, seeded)).toEqual([`${HOT.address}→${CAROL.address} ${btc(21.9998)}`]);
  });
});
