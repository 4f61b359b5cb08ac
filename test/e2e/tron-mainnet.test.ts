/**
 * Tron mainnet block 39,507,235 (0x25ad523), from GetBlock's recorded java-tron JSON-RPC
 * answers (test/fixtures/tron/mainnet-block-39507235/README.md), through every stage: a USDT
 * (TRC-20) payment of 581.320924 USDT, tx 9ff75c01…, and a TRX payment of 395.255354 TRX,
 * tx 92273e5a…. The chain is configured with `preset: tron` (chain id, USDT/USDC, TRX units).
 *
 * - Replayed with neither sender listed: both deposits are attributed, nothing is raised.
 * - Followed live with both senders listed (the USDT sender as base58 T…, the TRX sender in
 *   Tron's 41… hex, as lists write them): two holds, each with its list entry and its amount in
 *   USDT or TRX; then a branch without the block replaces it and both holds are orphaned
 *   (the follower starts at the block's parent, so the fork point is one it has seen).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { refreshRequestFor } from '../../src/cli/list-requests.js';
import { loadConfig } from '../../src/config/load.js';
import { normaliseForFamily } from '../../src/domain/address.js';
import { hookPayload } from '../../src/holds/index.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { enqueueReplay, waitForReplay } from '../../src/pipeline/replay.js';
import { startPipeline, type Pipeline } from '../../src/pipeline/service.js';
import type { Stage } from '../../src/pipeline/queue-names.js';
import { refreshList } from '../../src/sanctions/refresh-list.js';
import { openStore, type Store } from '../../src/store/index.js';
import { freePort } from '../helpers/anvil.js';
import { startRecordedEvmNode, type RecordedBlockFiles, type RecordedEvmNode } from '../helpers/recorded-evm-node.js';
import { RedisServer } from '../helpers/redis-server.js';
import { eventually } from './harness.js';
import { startReceivers, type Receivers } from './receivers.js';

const DIR = new URL('../fixtures/tron/mainnet-block-39507235/served/', import.meta.url).pathname;
const PARENT: RecordedBlockFiles = { block: `${DIR}reorg-parent.json` };
const BLOCK: RecordedBlockFiles = { block: `${DIR}block.json`, receipts: `${DIR}receipts.json` };
const REORG: RecordedBlockFiles[] = [PARENT, { block: `${DIR}reorg-sibling.json` }, { block: `${DIR}reorg-child.json` }];
const HEIGHT = 39_507_235n;
const TRON_MAINNET = 728_126_428;
const tron = (hex: string): string => normaliseForFamily(hex, 'tron');

const USDT = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const USDT_TX = '9ff75c018157f4504adc34058510516c603569238e5c3d156b1f0b096856b1a1';
const USDT_FROM = tron('0xa346f2bd7d43a5d90b7c57a18196be96b2840e61');
const USDT_TO = tron('0x01eb1a2d0528dd1d99592cd7baa98f2603804f76');
const TRX_TX = '92273e5a340d73687cbe3a9a98b47cdcb559f8c6c1f4a054b7c7cb08fceafcdb';
const TRX_FROM_HEX41 = '41a953f5f78af3cc2bd87ad72aa11afd8f1fd896f5';
const TRX_FROM = tron('0xa953f5f78af3cc2bd87ad72aa11afd8f1fd896f5');
const TRX_TO = tron('0x914d56d523b8fd239bd8f5a1df290d0d5ba7d5e5');
/** A valid Tron account that appears nowhere in the block. */
const UNRELATED = tron(`0x${'11'.repeat(20)}`);

interface Rig {
  readonly node: RecordedEvmNode;
  readonly redis: RedisServer;
  readonly receivers: Receivers;
  readonly store: Store;
  readonly pipeline: Pipeline;
}

async function startRig(listed: readonly { address: string; ticker: string }[], stages: readonly Stage[]): Promise<Rig> {
  // java-tron of 2022 (these answers) had no eth_getBlockReceipts: receipts are read one by one.
  const node = await startRecordedEvmNode([PARENT, BLOCK], TRON_MAINNET, { without: ['eth_getBlockReceipts'] });
  const redis = new RedisServer(await freePort());
  await redis.start();
  const receivers = await startReceivers();
  receivers.hookStatus = 200;
  const dir = mkdtempSync(join(tmpdir(), 'cordon-tron-'));
  const listFile = join(dir, 'house.json');
  writeFileSync(
    listFile,
    JSON.stringify({ entries: listed.map((l, i) => ({ id: `TRON-${i + 1}`, address: l.address, ticker: l.ticker, name: `LISTED TRON PARTY ${i + 1}`, programs: ['CYBER2'] })) }),
  );
  const configFile = join(dir, 'cordon.yaml');
  writeFileSync(
    configFile,
    `
log: { level: warn }
store: { driver: pglite, dataDir: ${join(dir, 'data')} }
redis: { url: "${redis.url(0)}" }
http: { port: 0 }
lists:
  - { id: house, format: custom-json, source: ${listFile}, policy: hold, authority: Exchange compliance (test list) }
chains:
  - id: tron
    preset: tron
    endpoints: [{ url: "${node.url}/jsonrpc" }]
    startBlock: ${HEIGHT - 1n}
    confirmations: 0
    pollInterval: 200ms
alerts:
  channels:
    - { type: pagerduty, name: oncall, routingKey: test-routing-key, eventsUrl: "${receivers.url}/pd" }
exchangeHook: { url: "${receivers.url}/hook", secret: exchange-hook-secret-for-tests }
pipeline: { backoff: 200ms, lockDuration: 5s }
`,
  );
  const { config } = loadConfig({ file: configFile, env: {} });
  const store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
  const log = pino({ level: 'silent' });
  for (const list of config.lists) await refreshList(store.lists, log, refreshRequestFor(list));
  // As `cordon accounts import` would: T… addresses, normalised for the chain's family.
  await store.accounts.upsertWatchedAddress({ chain: 'tron', address: normaliseForFamily(USDT_TO, 'tron'), accountId: 'acct-usdt', kind: 'deposit' });
  await store.accounts.upsertWatchedAddress({ chain: 'tron', address: normaliseForFamily(TRX_TO, 'tron'), accountId: 'acct-trx', kind: 'deposit' });
  const pipeline = await startPipeline({ config, store, log, metrics: createMetrics({ defaultMetrics: false }), stages });
  return { node, redis, receivers, store, pipeline };
}

async function stopRig(rig: Rig | undefined): Promise<void> {
  await rig?.pipeline.stop();
  await rig?.store.close();
  await rig?.receivers.close();
  await rig?.node.close();
  await rig?.redis.close();
}

describe('Tron mainnet block 39,507,235 replayed with neither sender listed', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig([{ address: UNRELATED, ticker: 'TRX' }], ['extract', 'screen', 'act', 'hook']);
  }, 60_000);
  afterAll(() => stopRig(rig));

  it('attributes both deposits, in T… addresses, and raises nothing', async () => {
    const { pipeline, store, receivers } = rig;
    const runId = await enqueueReplay(pipeline.ctx, { chain: 'tron', from: HEIGHT, to: HEIGHT, dryRun: false });
    await waitForReplay(pipeline.ctx, runId, () => undefined, 100);
    const seen = await store.transfers.attributedWith({ counterparties: [USDT_FROM, TRX_FROM], chains: ['tron'], since: new Date(0) });
    expect(seen.map((t) => [t.accountId, t.counterparty, t.exchangeAddress]).sort()).toEqual(
      [
        ['acct-trx', TRX_FROM, TRX_TO],
        ['acct-usdt', USDT_FROM, USDT_TO],
      ].sort(),
    );
    expect(await store.holds.listHolds({ limit: 10 })).toEqual([]);
    expect(await pipeline.ctx.progress.matches(runId)).toEqual([]);
    expect(receivers.on('/pd')).toEqual([]);
  });
});

describe('Tron mainnet block 39,507,235 followed live with both senders listed', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(
      [
        { address: USDT_FROM, ticker: 'USDT' },
        { address: TRX_FROM_HEX41, ticker: 'TRX' },
      ],
      ['follow', 'extract', 'screen', 'act', 'hook'],
    );
  }, 60_000);
  afterAll(() => stopRig(rig));

  it('holds the USDT (TRC-20) deposit from a listed address, with its legal basis and the amount in USDT', async () => {
    const hold = await eventually('the USDT hold', async () => (await rig.store.holds.listHolds({ accountId: 'acct-usdt', limit: 10 }))[0]);
    expect(hold).toMatchObject({
      state: 'open',
      txid: USDT_TX,
      transferId: `tron:${USDT_TX}:log:30`,
      counterparty: USDT_FROM,
      amount: 581_320_924n,
      asset: USDT,
      units: { symbol: 'USDT', decimals: 6 },
      listId: 'house',
      authority: 'Exchange compliance (test list)',
      programs: ['CYBER2'],
      blockNumber: HEIGHT,
    });
    expect(hookPayload(hold)).toMatchObject({ amount: '581320924', amountInUnits: '581.320924', symbol: 'USDT', decimals: 6 });
  });

  it('holds the TRX deposit from an address listed in Tron hex, the amount in TRX', async () => {
    const hold = await eventually('the TRX hold', async () => (await rig.store.holds.listHolds({ accountId: 'acct-trx', limit: 10 }))[0]);
    expect(hold).toMatchObject({
      state: 'open',
      txid: TRX_TX,
      transferId: `tron:${TRX_TX}:tx`,
      counterparty: TRX_FROM,
      amount: 395_255_354n,
      asset: 'native',
      units: { symbol: 'TRX', decimals: 6 },
      programs: ['CYBER2'],
    });
    expect(hookPayload(hold)).toMatchObject({ amountInUnits: '395.255354', symbol: 'TRX' });
  });

  it('a reorg to a branch without the block orphans both holds and tells on-call', async () => {
    const { node, store, receivers } = rig;
    await eventually('both holds', async () => ((await store.holds.listHolds({ limit: 10 })).length === 2 ? true : undefined));
    node.replace(REORG);
    const orphaned = await eventually('both holds orphaned', async () => {
      const holds = await store.holds.listHolds({ limit: 10 });
      return holds.every((h) => h.state === 'orphaned') ? holds : undefined;
    });
    expect(orphaned.map((h) => h.accountId).sort()).toEqual(['acct-trx', 'acct-usdt']);
    await eventually('the hold_orphaned pages', async () => (receivers.on('/pd').filter((r) => r.body.includes('hold_orphaned')).length >= 2 ? true : undefined));
  });
});
