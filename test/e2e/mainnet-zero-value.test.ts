/**
 * Ethereum mainnet block 18,000,000, replayed through every stage from its recorded answers.
 * Tx 0x6742cd57… emits 39 USDT Transfer logs of value 0 whose `from` never sent anything
 * (zero-value transferFrom spam: address poisoning). With every such `from` on a hold list and
 * every recipient an exchange deposit address, no account may be frozen; the genuine 1,285 USDT
 * payment in the same block (tx 0xc1e64199…, log 0xc7) must raise exactly one hold, in USDT.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { refreshRequestFor } from '../../src/cli/list-requests.js';
import { loadConfig } from '../../src/config/load.js';
import { normaliseForFamily } from '../../src/domain/address.js';
import { hookPayload } from '../../src/holds/index.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { enqueueReplay, waitForReplay } from '../../src/pipeline/replay.js';
import { startPipeline, type Pipeline } from '../../src/pipeline/service.js';
import { refreshList } from '../../src/sanctions/refresh-list.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SHARED_FIXTURES } from '../helpers/fixtures.js';
import { startRecordedEvmNode, type RecordedEvmNode } from '../helpers/recorded-evm-node.js';
import { startReceivers, type Receivers } from './receivers.js';

const DIR = `${SHARED_FIXTURES}ethereum/mainnet-block-18000000`;
const FILES = { block: `${DIR}/eth_getBlockByNumber.json`, receipts: `${DIR}/eth_getBlockReceipts.json` };
const USDT = '0xdac17f958d2ee523a2206206994597c13d831ec7';
const TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const SPAM_TX = '0x6742cd57e6aefce4b96887bb3090371ac49414c6b45a21e43d9e41e0ea9ed5ab';
const PAID_TX = '0xc1e64199d60a6420e360ba326f4026eb61a085481baaec99f2f49224f1b1e96a';
const PAYER = '0x07888c3c5d25fa74ae04a9ead1fb1cf0e7743689';
const PAYEE = '0xf7336edf45d9c50a0ce3a5584cc12ef2b2e1c7c5';
const REDIS_URL = 'redis://127.0.0.1:6379/1';

interface Log {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
}

/** The spam transaction's zero-value USDT Transfer logs as (from, to). */
async function spoofedPairs(): Promise<{ from: string; to: string }[]> {
  const { readFileSync } = await import('node:fs');
  const [recorded] = JSON.parse(readFileSync(FILES.receipts, 'utf8')) as [{ response: { result: { transactionHash: string; logs: Log[] }[] } }];
  const spam = recorded.response.result.find((r) => r.transactionHash === SPAM_TX);
  if (spam === undefined) throw new Error('spam transaction missing from the fixture');
  return spam.logs
    .filter((l) => l.address === USDT && l.topics[0] === TRANSFER && BigInt(l.data) === 0n)
    .map((l) => ({ from: `0x${(l.topics[1] ?? '').slice(26)}`, to: `0x${(l.topics[2] ?? '').slice(26)}` }));
}

describe('mainnet block 18,000,000 replayed: zero-value spoofed USDT logs freeze nobody', () => {
  let node: RecordedEvmNode;
  let receivers: Receivers;
  let store: Store;
  let pipeline: Pipeline;
  let spoofed: { from: string; to: string }[];

  beforeAll(async () => {
    spoofed = await spoofedPairs();
    node = await startRecordedEvmNode([FILES], 1);
    receivers = await startReceivers();
    receivers.hookStatus = 200;
    const flush = new Redis(REDIS_URL);
    await flush.flushdb();
    flush.disconnect();

    const dir = mkdtempSync(join(tmpdir(), 'cordon-18m-'));
    const listFile = join(dir, 'house.json');
    const listed = [...new Set([...spoofed.map((p) => p.from), PAYER])];
    writeFileSync(
      listFile,
      JSON.stringify({ entries: listed.map((address, i) => ({ id: `H${i + 1}`, address, ticker: 'ETH', name: `LISTED PARTY ${i + 1}`, programs: ['TEST-PROGRAM'] })) }),
    );
    const configFile = join(dir, 'cordon.yaml');
    writeFileSync(
      configFile,
      `
log: { level: warn }
store: { driver: pglite, dataDir: ${join(dir, 'data')} }
redis: { url: "${REDIS_URL}" }
http: { port: 0 }
lists:
  - { id: house, format: custom-json, source: ${listFile}, policy: hold, authority: Exchange compliance (test list) }
chains:
  - id: ethereum
    family: evm
    network: 1
    endpoints: [{ url: "${node.url}" }]
    startBlock: 18000000
    tokens:
      - { address: "0xdAC17F958D2ee523a2206206994597C13D831ec7", symbol: USDT, decimals: 6 }
alerts:
  channels:
    - { type: pagerduty, name: oncall, routingKey: test-routing-key, eventsUrl: "${receivers.url}/pd" }
exchangeHook: { url: "${receivers.url}/hook", secret: exchange-hook-secret-for-tests }
pipeline: { backoff: 200ms, lockDuration: 5s }
`,
    );
    const { config } = loadConfig({ file: configFile, env: {} });
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    const log = pino({ level: 'silent' });
    for (const list of config.lists) await refreshList(store.lists, log, refreshRequestFor(list));
    for (const [i, { to }] of spoofed.entries()) {
      await store.accounts.upsertWatchedAddress({ chain: 'ethereum', address: normaliseForFamily(to, 'evm'), accountId: `acct-spoofed-${i}`, kind: 'deposit' });
    }
    await store.accounts.upsertWatchedAddress({ chain: 'ethereum', address: normaliseForFamily(PAYEE, 'evm'), accountId: 'acct-paid', kind: 'deposit' });
    pipeline = await startPipeline({ config, store, log, metrics: createMetrics({ defaultMetrics: false }), stages: ['extract', 'screen', 'act', 'hook'] });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await store?.close();
    await receivers?.close();
    await node?.close();
  });

  it('the fixture holds the 39 zero-value logs the issue names', () => {
    expect(spoofed).toHaveLength(39);
  });

  it('raises exactly one hold, on the genuine 1,285 USDT payment, and nothing on the spoofed logs', async () => {
    const runId = await enqueueReplay(pipeline.ctx, { chain: 'ethereum', from: 18_000_000n, to: 18_000_000n, dryRun: false });
    await waitForReplay(pipeline.ctx, runId, () => undefined, 100);
    const holds = await store.holds.listHolds({ limit: 100 });
    expect(holds).toHaveLength(1);
    expect(holds[0]).toMatchObject({
      accountId: 'acct-paid',
      txid: PAID_TX,
      transferId: `ethereum:${PAID_TX}:log:199`,
      counterparty: PAYER,
      amount: 1_285_000_000n,
      asset: USDT,
      units: { symbol: 'USDT', decimals: 6 },
      authority: 'Exchange compliance (test list)',
      programs: ['TEST-PROGRAM'],
    });
    expect(hookPayload(holds[0]!)).toMatchObject({ amount: '1285000000', amountInUnits: '1285', symbol: 'USDT', decimals: 6 });

    // The replay report records each spoofed match as ignored, with why.
    const report = await pipeline.ctx.progress.matches(runId);
    const outcomes = (report as { outcome: string }[]).map((m) => m.outcome);
    expect(outcomes.filter((o) => o === 'ignored: moves no value')).toHaveLength(39);
    expect(outcomes.filter((o) => o === 'hold raised')).toHaveLength(1);
  });

  it('pages on-call once, for the genuine payment, with the amount in USDT', async () => {
    const pd = await (async () => {
      for (let i = 0; i < 100; i++) {
        const got = receivers.on('/pd');
        if (got.length > 0) return got;
        await new Promise((r) => setTimeout(r, 100));
      }
      return receivers.on('/pd');
    })();
    await new Promise((r) => setTimeout(r, 500));
    expect(receivers.on('/pd')).toHaveLength(1);
    expect(pd[0]?.body).toContain('1285 USDT (1285000000 base units');
  });
});
