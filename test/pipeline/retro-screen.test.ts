import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type CordonConfig } from '../../src/config/schema.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import type { Alert } from '../../src/domain/alert.js';
import type { BlockHash } from '../../src/domain/block.js';
import { listId, type EntryDraft } from '../../src/domain/sanction-entry.js';
import type { Transfer } from '../../src/domain/transfer.js';
import { assetPolicies } from '../../src/pipeline/asset-policy.js';
import { rescreenAddedEntries, type RetroScreenDeps } from '../../src/pipeline/retro-screen.js';
import { openStore, type Store } from '../../src/store/index.js';

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as NormalisedAddress;
const USDT = a(0x7e7);
const NOW = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400;
const ETHER = 10n ** 18n;

const config: CordonConfig = configSchema.parse({
  store: { driver: 'pglite', dataDir: 'memory://' },
  redis: { url: 'redis://127.0.0.1:6379/0' },
  pipeline: { retroLookback: '90d' },
  lists: [
    { id: 'holds', format: 'custom-json', source: 'x.json', policy: 'hold', authority: 'Compliance' },
    { id: 'watch', format: 'custom-json', source: 'y.json', policy: 'alert', authority: 'Intel feed', retroLookback: '10d' },
  ],
  chains: [
    { id: 'eth', family: 'evm', network: 1, endpoints: [{ url: 'http://127.0.0.1:1' }], tokens: [{ address: USDT, symbol: 'USDT', decimals: 6, minHold: '100' }] },
    { id: 'base', family: 'evm', network: 8453, endpoints: [{ url: 'http://127.0.0.1:1' }] },
    { id: 'btc', family: 'bitcoin', network: 'mainnet', endpoints: [{ url: 'http://127.0.0.1:1' }] },
  ],
});

function entry(address: NormalisedAddress, uid: string): EntryDraft {
  return { entryUid: uid, address, family: 'evm', ticker: 'ETH', entityName: `PARTY ${uid}`, programs: ['CYBER2'], source: { file: 'x.json' } };
}

let seq = 0;
async function deposit(store: Store, chain: string, from: NormalisedAddress, amount: bigint, daysAgo: number, extra: Partial<Transfer> = {}) {
  seq++;
  const block = { number: BigInt(seq), hash: `0xblock${seq}` as BlockHash, timestamp: NOW.getTime() / 1000 - daysAgo * DAY };
  const transfer: Transfer = {
    chain, blockNumber: block.number, blockHash: block.hash, txHash: `0xtx${seq}`, position: 'tx', kind: 'native',
    asset: { kind: 'native' }, from, to: a(0xd), amount, txFrom: from, ...extra,
  };
  await store.transfers.recordAttributed(block, [{ transfer, direction: 'deposit', accountId: 'acct-1', exchangeAddress: a(0xd), counterparties: [from] }]);
}

describe('re-screening past transfers against the entries a list version adds', () => {
  let store: Store;
  const alerts: Alert[] = [];
  let deps: RetroScreenDeps;

  beforeAll(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    deps = {
      config,
      store,
      assets: assetPolicies(config.chains),
      log: pino({ level: 'silent' }),
      queueAlert: async (alert) => void alerts.push(alert),
      now: () => NOW,
    };
    await deposit(store, 'eth', a(1), 2n * ETHER, 30); // held
    await deposit(store, 'base', a(1), ETHER, 5); // another EVM chain: held too
    await deposit(store, 'eth', a(2), 0n, 1, { kind: 'erc20', asset: { kind: 'token', contract: USDT }, position: 'log:1' }); // zero value
    await deposit(store, 'eth', a(3), 50_000_000n, 2, { kind: 'erc20', asset: { kind: 'token', contract: USDT }, position: 'log:2' }); // 50 USDT < minHold 100
    await deposit(store, 'eth', a(4), ETHER, 200); // outside the 90-day lookback
    await deposit(store, 'btc', a(1), ETHER, 1); // another family: never an EVM entry's
    await deposit(store, 'eth', a(5), ETHER, 20); // on the alert list, outside its 10-day lookback
    await deposit(store, 'eth', a(5), ETHER, 3); // on the alert list, inside
    await store.lists.insertSnapshot({ listId: listId('holds'), contentHash: 'h1', source: 'x.json', entries: [entry(a(9), 'E9')], addedCount: 1, removedCount: 0 });
    const added = [entry(a(1), 'E1'), entry(a(2), 'E2'), entry(a(3), 'E3'), entry(a(4), 'E4')];
    await store.lists.insertSnapshot({ listId: listId('holds'), contentHash: 'h2', source: 'x.json', entries: [entry(a(9), 'E9'), ...added], addedCount: 4, removedCount: 0 });
    await store.lists.insertSnapshot({ listId: listId('watch'), contentHash: 'w1', source: 'y.json', entries: [entry(a(5), 'W5')], addedCount: 1, removedCount: 0 });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('holds value moved within the lookback on every chain of the family, marked retroactive and citing the version', async () => {
    const added = [entry(a(1), 'E1'), entry(a(2), 'E2'), entry(a(3), 'E3'), entry(a(4), 'E4')];
    const result = await rescreenAddedEntries(deps, listId('holds'), 2, added);
    expect(result).toMatchObject({ addedEntries: 4, transfersFound: 4, holdsCreated: 2, holdsExisting: 0, alerted: 1, ignored: 1, orphaned: 0 });
    const holds = await store.holds.listHolds({ limit: 10 });
    expect(holds.map((h) => [h.chain, h.counterparty, h.listVersion, h.retroactive]).sort()).toEqual([
      ['base', a(1), 2, true],
      ['eth', a(1), 2, true],
    ]);
    const kinds = alerts.map((x) => [x.kind, x.summary.startsWith('RETROACTIVE (entry added by list v2')]);
    expect(kinds).toEqual([
      ['hold_raised', true],
      ['hold_raised', true],
      ['match_alert', true],
    ]);
    expect(alerts.some((x) => x.details !== undefined && JSON.stringify(x.details).includes(a(2)))).toBe(false);
  });

  it('running it again raises nothing new (same hold keys, same alert keys)', async () => {
    const keys = alerts.map((x) => x.dedupKey);
    const again = await rescreenAddedEntries(deps, listId('holds'), 2, [entry(a(1), 'E1'), entry(a(2), 'E2'), entry(a(3), 'E3'), entry(a(4), 'E4')]);
    expect(again).toMatchObject({ holdsCreated: 0, holdsExisting: 2 });
    expect(await store.holds.listHolds({ limit: 10 })).toHaveLength(2);
    expect(alerts.slice(keys.length).map((x) => x.dedupKey)).toEqual(keys);
  });

  it("an alert list's added entries alert only, within the list's own lookback", async () => {
    alerts.length = 0;
    const result = await rescreenAddedEntries(deps, listId('watch'), 1, [entry(a(5), 'W5')]);
    expect(result).toMatchObject({ transfersFound: 1, holdsCreated: 0, alerted: 1 });
    expect(alerts.map((x) => x.kind)).toEqual(['match_alert']);
  });
});
