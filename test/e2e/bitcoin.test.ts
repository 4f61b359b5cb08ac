import { createHash } from 'node:crypto';

import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { normaliseForFamily } from '../../src/domain/address.js';
import { freePort } from '../helpers/anvil.js';
import { RedisServer } from '../helpers/redis-server.js';
import { startBitcoinCoreServer, type BitcoinCoreServer } from '../helpers/bitcoin-core-server.js';
import { ALICE, btc, coinbaseTx, DEPOSIT_1, HOT, idOf, MINER, mineBlock, SANCTIONED, spendTx, type Party } from '../chains/bitcoin/regtest-chain.js';
import { customJsonList, eventually, setUpE2e, type Backend, type E2e } from './harness.js';

/**
 * The Bitcoin issue's acceptance, through the real pipeline (follow → extract → screen → act)
 * against a fake Bitcoin Core serving regtest blocks built with bitcoinjs-lib:
 *
 *  #0  coinbase → ALICE 50, SANCTIONED 25
 *  #1  fund     ALICE (#0:0)      → HOT 30, ALICE change                (the hot wallet's output)
 *  #2  deposit  SANCTIONED (#0:1) → DEPOSIT_1 10, SANCTIONED change     (a listed sender)
 *  #3  withdraw HOT (fund:0)      → LISTED_2, all of it                  (no change, no txid registered)
 *  then a reorg to #2' #3' #4' from #1: #2' holds no deposit, #3' mines the withdrawal again.
 */
const regtest = bitcoin.networks.regtest;
const h20 = (label: string): Buffer => createHash('sha256').update(label).digest().subarray(0, 20);
const LISTED_2: Party = (() => {
  const script = Buffer.from(bitcoin.payments.p2wpkh({ hash: h20('listed-2'), network: regtest }).output as Uint8Array);
  return { name: 'listed-2', script, address: bitcoin.address.fromOutputScript(script, regtest), segwit: true };
})();
const CHAIN = 'btc';
const T0 = 1_700_000_000;
const addr = (p: Party) => normaliseForFamily(p.address, 'bitcoin');

function buildChain() {
  const cb0 = coinbaseTx(0, [
    [ALICE.script, btc(50)],
    [SANCTIONED.script, btc(25)],
  ]);
  const b0 = mineBlock(null, [cb0], T0);
  const fund = spendTx([{ txid: cb0.getId(), vout: 0, from: ALICE }], [
    [HOT.script, btc(30)],
    [ALICE.script, btc(19.9999)],
  ]);
  const b1 = mineBlock(idOf(b0), [coinbaseTx(1, [[MINER.script, btc(50)]]), fund], T0 + 600);
  const deposit = spendTx([{ txid: cb0.getId(), vout: 1, from: SANCTIONED }], [
    [DEPOSIT_1.script, btc(10)],
    [SANCTIONED.script, btc(14.9999)],
  ]);
  const b2 = mineBlock(idOf(b1), [coinbaseTx(2, [[MINER.script, btc(50)]]), deposit], T0 + 1200);
  const withdraw = spendTx([{ txid: fund.getId(), vout: 0, from: HOT }], [[LISTED_2.script, btc(29.9999)]]);
  const b3 = mineBlock(idOf(b2), [coinbaseTx(3, [[MINER.script, btc(50)]]), withdraw], T0 + 1800);
  // The other branch, from #1: no deposit; the same withdrawal mined again at #3'.
  const b2b = mineBlock(idOf(b1), [coinbaseTx(2, [[MINER.script, btc(50)]], '-b')], T0 + 1210);
  const withdrawAgain = bitcoin.Transaction.fromBuffer(withdraw.toBuffer());
  const b3b = mineBlock(idOf(b2b), [coinbaseTx(3, [[MINER.script, btc(50)]], '-b'), withdrawAgain], T0 + 1810);
  const b4b = mineBlock(idOf(b3b), [coinbaseTx(4, [[MINER.script, btc(50)]], '-b')], T0 + 2410);
  return { blocks: { b0, b1, b2, b3, b2b, b3b, b4b }, txids: { fund: fund.getId(), deposit: deposit.getId(), withdraw: withdraw.getId() } };
}

/**
 * A redis-server of this file's own with 19 databases: the shared one on 6379 has the default 16,
 * and a URL naming db 17 there would leave ioredis on db 0 (SELECT fails, commands still run).
 */
async function startRedis(): Promise<RedisServer> {
  const server = new RedisServer(await freePort(), ['--databases', '19']);
  await server.start();
  return server;
}

describe.each<[Backend, number]>([
  ['postgres', 17],
  ['pglite', 18],
])('Bitcoin end to end: regtest blocks from a fake Core, Redis and %s', (backend, redisDb) => {
  let e2e: E2e;
  let core: BitcoinCoreServer;
  let redis: RedisServer;
  const { blocks, txids } = buildChain();

  beforeAll(async () => {
    redis = await startRedis();
    core = await startBitcoinCoreServer({ network: 'regtest' });
    core.addBlock(blocks.b0, { height: 0 });
    core.addBlock(blocks.b1);
    e2e = await setUpE2e(backend, redisDb, '', {
      extraLists: customJsonList('house-xbt', [SANCTIONED.address, LISTED_2.address], 'XBT'),
      bitcoin: { id: CHAIN, url: core.authUrl, network: 'regtest' },
      redisUrl: redis.url(redisDb),
    });
    await e2e.store.accounts.upsertWatchedAddress({ chain: CHAIN, address: addr(DEPOSIT_1), accountId: 'acct-deposit', kind: 'deposit' });
    await e2e.store.accounts.upsertWatchedAddress({ chain: CHAIN, address: addr(HOT), accountId: 'exchange', kind: 'hot_wallet' });
    await e2e.start();
    // The hot wallet's output of #1 is recorded as the exchange's.
    await eventually('the hot wallet output recorded', async () => {
      const rows = await e2e.store.utxos.listUtxos(CHAIN);
      return rows.some((r) => r.txid === txids.fund && r.vout === 0) ? rows : undefined;
    });
  });
  afterAll(async () => {
    await e2e?.close();
    await core?.close();
    await redis?.close();
  });

  it('a deposit from a listed address raises exactly one hold on the deposit account, with the legal basis', async () => {
    const b2 = core.addBlock(blocks.b2);
    const [hold, ...more] = await eventually('the deposit hold', async () => {
      const holds = await e2e.store.holds.listHolds({ accountId: 'acct-deposit', limit: 10 });
      return holds.length > 0 ? holds : undefined;
    });
    expect(more).toHaveLength(0);
    expect(hold).toMatchObject({
      accountId: 'acct-deposit',
      chain: CHAIN,
      txid: txids.deposit,
      blockHash: b2.hash,
      blockNumber: 2n,
      direction: 'deposit',
      counterparty: addr(SANCTIONED),
      listId: 'house-xbt',
      entityName: 'TEST PARTY 1',
      programs: ['TEST-HOLD'],
      amount: btc(10),
      asset: 'native',
      state: 'open',
    });
  });

  it('a withdrawal from the hot wallet without change, not registered by txid, to a listed address raises one hold', async () => {
    await e2e.store.accounts.addWithdrawal({ id: 'wd-btc-1', chain: CHAIN, accountId: 'acct-withdrawer', destination: addr(LISTED_2) });
    const b3 = core.addBlock(blocks.b3);
    const [hold] = await eventually('the withdrawal hold', async () => {
      const holds = await e2e.store.holds.listHolds({ accountId: 'acct-withdrawer', limit: 10 });
      return holds.length > 0 ? holds : undefined;
    });
    expect(hold).toMatchObject({
      chain: CHAIN,
      txid: txids.withdraw,
      blockHash: b3.hash,
      direction: 'withdrawal',
      counterparty: addr(LISTED_2),
      listId: 'house-xbt',
      entityName: 'TEST PARTY 2',
      programs: ['TEST-HOLD'],
      amount: btc(29.9999),
      state: 'open',
    });
    // The hot wallet's output is now spent, in #3.
    const [fundRow] = (await e2e.store.utxos.listUtxos(CHAIN, { includeSpent: true })).filter((r) => r.txid === txids.fund && r.vout === 0);
    expect(fundRow).toMatchObject({ spentIn: txids.withdraw, spentBlockHash: b3.hash });

    // Replaying everything (the range path, block by block) changes nothing.
    await eventually('the follower at #3', async () => {
      const cursor = await e2e.store.cursors.getCursor(CHAIN);
      return cursor && cursor.number >= 3n ? true : undefined;
    });
    const { enqueueReplay, waitForReplay } = await import('../../src/pipeline/replay.js');
    const pipeline = e2e.pipeline;
    if (!pipeline) throw new Error('pipeline not started');
    const runId = await enqueueReplay(pipeline.ctx, { chain: CHAIN, from: 0n, to: 3n, dryRun: false });
    await waitForReplay(pipeline.ctx, runId, () => undefined);
    expect(await e2e.store.holds.listHolds({ limit: 100 })).toHaveLength(2);
    expect(await e2e.store.utxos.listUtxos(CHAIN, { includeSpent: true })).toHaveLength(2); // HOT #1:0 and DEPOSIT_1 #2:0
  });

  it('a reorg to a branch without the deposit orphans its hold; the withdrawal mined again on the new branch is still found', async () => {
    const { store } = e2e;
    const [deposit] = await store.holds.listHolds({ accountId: 'acct-deposit', limit: 10 });
    const [withdrawal] = await store.holds.listHolds({ accountId: 'acct-withdrawer', limit: 10 });
    if (!deposit || !withdrawal) throw new Error('both holds should be there');
    core.addBlock(blocks.b2b);
    const b3b = core.addBlock(blocks.b3b);
    const b4b = core.addBlock(blocks.b4b, { tip: true });
    expect(core.hashAt(4)).toBe(b4b.hash);

    const orphaned = await eventually('the deposit hold orphaned', async () => {
      const h = await store.holds.getHold(deposit.holdKey);
      return h?.state === 'orphaned' ? h : undefined;
    });
    expect(orphaned.id).toBe(deposit.id);
    expect(await store.blocks.isOrphaned(CHAIN, deposit.blockHash)).toBe(true);

    // The withdrawal spends #1's hot-wallet output, which #3 (now orphaned) had marked spent:
    // found again only through the exchange's outputs, on #3'.
    const moved = await eventually('the withdrawal hold on #3\'', async () => {
      const h = await store.holds.getHold(withdrawal.holdKey);
      return h?.state === 'open' && h.blockHash === b3b.hash ? h : undefined;
    });
    expect(moved).toMatchObject({ id: withdrawal.id, txid: txids.withdraw, blockNumber: 3n });
    // The deposit output of orphaned #2 is no longer the exchange's.
    expect(await store.utxos.ownedAmong(CHAIN, [`${txids.deposit}:0`], b4b.hash)).toEqual([]);
    expect(await store.holds.listHolds({ limit: 100 })).toHaveLength(2);
  });
});
