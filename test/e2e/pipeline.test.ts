import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseForFamily } from '../../src/domain/address.js';
import { verifyHookSignature } from '../../src/holds/index.js';
import { DEV_ACCOUNTS } from '../helpers/anvil.js';
import { eventually, HOOK_SECRET, LISTED_ETH, LISTED_ETH_2, sendEth, setUpE2e, type Backend, type E2e } from './harness.js';

const DEPOSIT = DEV_ACCOUNTS[1];
const HOT_WALLET = DEV_ACCOUNTS[2];
const UNLISTED = DEV_ACCOUNTS[3];
const NEW_DEPOSIT = DEV_ACCOUNTS[4];
const ETHER = 10n ** 18n;

describe.each<[Backend, number]>([
  ['postgres', 11],
  ['pglite', 12],
])('the pipeline end to end on anvil, Redis and %s', (backend, redisDb) => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await setUpE2e(backend, redisDb);
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(DEPOSIT, 'evm'), accountId: 'acct-deposit', kind: 'deposit' });
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(HOT_WALLET, 'evm'), accountId: 'exchange', kind: 'hot_wallet' });
    e2e.receivers.hookStatus = 503; // the exchange's hook is down at first
    await e2e.start();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('a deposit from a listed address raises exactly one hold on the right account, with the legal basis, and one alert per channel', async () => {
    const tx = await sendEth(e2e.anvil, LISTED_ETH, DEPOSIT, 2n * ETHER);
    const [hold] = await eventually('the deposit hold', async () => {
      const holds = await e2e.store.holds.listHolds({ accountId: 'acct-deposit', limit: 10 });
      return holds.length > 0 ? holds : undefined;
    });
    expect(hold).toMatchObject({
      accountId: 'acct-deposit',
      chain: 'anvil',
      txid: tx,
      direction: 'deposit',
      counterparty: LISTED_ETH,
      listId: 'ofac-sdn-2021',
      listVersion: 1,
      entryUid: `sdn:29703:ETH:${LISTED_ETH}`,
      entityName: 'ANDREYEV, Anton Nikolaeyvich',
      programs: ['CYBER2', 'ELECTION-EO13848'],
      amount: 2n * ETHER,
      asset: 'native',
      state: 'open',
    });
    await eventually('one alert per channel', async () =>
      ['/pd', '/slack', '/webhook'].every((p) => e2e.receivers.on(p).length >= 1) ? true : undefined,
    );
    const pd = JSON.parse(e2e.receivers.on('/pd')[0]?.body ?? '{}') as { dedup_key: string; payload: { summary: string; severity: string } };
    expect(pd.dedup_key).toBe(hold?.holdKey);
    expect(pd.payload.severity).toBe('critical');
    expect(pd.payload.summary).toContain('ANDREYEV');
    expect(pd.payload.summary).toContain('CYBER2');
  });

  it('a withdrawal to a listed address raises one hold on the registered account', async () => {
    await e2e.store.accounts.addWithdrawal({ id: 'wd-1', chain: 'anvil', accountId: 'acct-withdrawer', destination: normaliseForFamily(LISTED_ETH_2, 'evm') });
    const tx = await e2e.anvil.rpc<string>('eth_sendTransaction', [{ from: HOT_WALLET, to: LISTED_ETH_2, value: `0x${ETHER.toString(16)}` }]);
    const [hold] = await eventually('the withdrawal hold', async () => {
      const holds = await e2e.store.holds.listHolds({ accountId: 'acct-withdrawer', limit: 10 });
      return holds.length > 0 ? holds : undefined;
    });
    expect(hold).toMatchObject({ txid: tx, direction: 'withdrawal', counterparty: LISTED_ETH_2, programs: ['CYBER2', 'ELECTION-EO13848'], amount: ETHER });
  });

  it('an unlisted counterparty raises nothing, and seeing the blocks again changes nothing', async () => {
    // Both holds' alerts are out (one per channel each) before we count.
    await eventually('both holds alerted', async () =>
      ['/pd', '/slack', '/webhook'].every((p) => e2e.receivers.on(p).length >= 2) ? true : undefined,
    );
    const before = e2e.receivers.received.filter((r) => r.path !== '/hook').length;
    expect(before).toBe(6);
    await sendEth(e2e.anvil, UNLISTED, DEPOSIT, ETHER);
    const head = BigInt(await e2e.anvil.rpc<string>('eth_blockNumber'));
    // Wait until the follower is past that block, then replay everything: still two holds.
    await eventually('the follower to reach the head', async () => {
      const cursor = await e2e.store.cursors.getCursor('anvil');
      return cursor && cursor.number >= head ? true : undefined;
    });
    const { enqueueReplay, waitForReplay } = await import('../../src/pipeline/replay.js');
    const pipeline = e2e.pipeline;
    if (!pipeline) throw new Error('pipeline not started');
    const runId = await enqueueReplay(pipeline.ctx, { chain: 'anvil', from: 0n, to: head, dryRun: false });
    await waitForReplay(pipeline.ctx, runId, () => undefined);
    expect(await e2e.store.holds.listHolds({ limit: 100 })).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(e2e.receivers.received.filter((r) => r.path !== '/hook').length).toBe(before);
    expect(e2e.receivers.on('/pd')).toHaveLength(2);
  });

  it('holds reach the exchange once its hook is back, each exactly once, signed', async () => {
    expect(e2e.receivers.on('/hook').every((r) => r.status === 503)).toBe(true);
    e2e.receivers.hookStatus = 200;
    const delivered = await eventually('both holds delivered', async () => {
      const ok = e2e.receivers.on('/hook').filter((r) => r.status === 200);
      return ok.length >= 2 ? ok : undefined;
    }, 60_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const ok = e2e.receivers.on('/hook').filter((r) => r.status === 200);
    expect(ok).toHaveLength(2);
    const keys = ok.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(2);
    for (const r of delivered) {
      expect(
        verifyHookSignature(r.body, String(r.headers['x-cordon-timestamp']), String(r.headers['x-cordon-signature']), HOOK_SECRET, 600),
      ).toBe(true);
    }
    const holds = await e2e.store.holds.listHolds({ limit: 10 });
    expect(holds.every((h) => h.hookStatus === 'delivered')).toBe(true);
  });

  it('a deposit address handed out while Cordon runs is screened from its first deposit', async () => {
    // The extract stage holds the watched addresses in memory by now; it must catch up with the store.
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(NEW_DEPOSIT, 'evm'), accountId: 'acct-new', kind: 'deposit' });
    const tx = await sendEth(e2e.anvil, LISTED_ETH, NEW_DEPOSIT, ETHER);
    const [hold] = await eventually('the new deposit address’s hold', async () => {
      const holds = await e2e.store.holds.listHolds({ accountId: 'acct-new', limit: 10 });
      return holds.length > 0 ? holds : undefined;
    });
    expect(hold).toMatchObject({ txid: tx, direction: 'deposit', counterparty: LISTED_ETH, amount: ETHER, state: 'open' });
  });
});
