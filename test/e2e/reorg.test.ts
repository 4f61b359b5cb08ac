import { HDNodeWallet, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseForFamily } from '../../src/domain/address.js';
import type { StoredHold } from '../../src/store/holds-repo.js';
import { DEV_ACCOUNTS, minedReceipt } from '../helpers/anvil.js';
import { customJsonList, eventually, setUpE2e, type Backend, type E2e } from './harness.js';

/** anvil's dev account #4, whose key we hold: listed below, so we can broadcast one signed tx twice. */
const LISTED_SIGNER = HDNodeWallet.fromPhrase('test test test test test test test test test test test junk', undefined, "m/44'/60'/0'/0/4");
const DEPOSIT = DEV_ACCOUNTS[1];
const ETHER = 10n ** 18n;

interface Receipt {
  readonly blockNumber: string;
  readonly blockHash: string;
}

interface RpcBlock {
  readonly hash: string;
  readonly transactions: readonly string[];
}

describe.each<[Backend, number]>([
  ['postgres', 13],
  ['pglite', 14],
])('a reorg removes and brings back a held deposit (anvil, Redis, %s)', (backend, redisDb) => {
  let e2e: E2e;

  beforeAll(async () => {
    expect(LISTED_SIGNER.address.toLowerCase()).toBe(DEV_ACCOUNTS[4]);
    e2e = await setUpE2e(backend, redisDb, '', { extraLists: customJsonList('house-list', [LISTED_SIGNER.address]) });
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(DEPOSIT, 'evm'), accountId: 'acct-deposit', kind: 'deposit' });
    await e2e.start();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('the hold is orphaned (on-call told on every channel), then re-opened when the same tx is mined again: one hold, audited', async () => {
    const { anvil, store, receivers } = e2e;
    await anvil.rpc('anvil_mine', ['0x5']); // some history below the deposit
    const raw = await new Wallet(LISTED_SIGNER.privateKey).signTransaction({
      type: 2,
      chainId: 31337,
      nonce: 0,
      to: DEPOSIT,
      value: 3n * ETHER,
      gasLimit: 21_000,
      maxFeePerGas: 20_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    });
    const tx = await anvil.rpc<string>('eth_sendRawTransaction', [raw]);
    const first = await minedReceipt(anvil, tx);
    await anvil.rpc('anvil_mine', ['0x2']); // the deposit is 2 blocks below the head

    const open = await eventually('the deposit hold', async () => {
      const [h] = await store.holds.listHolds({ accountId: 'acct-deposit', limit: 10 });
      return h;
    });
    expect(open).toMatchObject({ txid: tx, state: 'open', listId: 'house-list', blockHash: first.blockHash, blockNumber: BigInt(first.blockNumber) });

    // Replace the deposit's block and the two above it with blocks that do not hold the tx.
    const head = BigInt(await anvil.rpc<string>('eth_blockNumber'));
    const depth = Number(head - BigInt(first.blockNumber) + 1n);
    await anvil.rpc('anvil_reorg', [depth, []]);
    const replaced = await anvil.rpc<RpcBlock>('eth_getBlockByNumber', [first.blockNumber, false]);
    expect(replaced.hash).not.toBe(first.blockHash);
    expect(replaced.transactions).not.toContain(tx);
    const afterReorg = await anvil.rpc<Receipt | null>('eth_getTransactionReceipt', [tx]);
    // anvil 1.x drops the removed transactions (not back in the pool); should it re-mine them,
    // the receipt must at least name another block.
    if (afterReorg !== null) expect(afterReorg.blockHash).not.toBe(first.blockHash);

    const orphaned = await eventually('the hold orphaned', async () => {
      const h = await store.holds.getHold(open.holdKey);
      return h?.state === 'orphaned' ? h : undefined;
    });
    expect(orphaned.id).toBe(open.id);
    // On-call was told, on every channel.
    const told = await eventually('the hold_orphaned alert on every channel', async () => {
      const pd = receivers.on('/pd').find((r) => r.body.includes(`hold_orphaned:${open.holdKey}`));
      const slack = receivers.on('/slack').find((r) => r.body.includes('ORPHANED HOLD') && r.body.includes(tx));
      const hook = receivers.on('/webhook').find((r) => r.body.includes('hold_orphaned') && r.body.includes(tx));
      return pd && slack && hook ? { pd, slack, hook } : undefined;
    });
    expect(JSON.parse(told.pd.body)).toMatchObject({
      event_action: 'trigger',
      payload: { class: 'hold_orphaned', custom_details: { dedup_key: `hold_orphaned:${open.holdKey}:${first.blockHash}`, txid: tx } },
    });

    // The same signed transaction is mined again (anvil did not keep it: broadcast it once more).
    let again = afterReorg;
    if (again === null) {
      expect(await anvil.rpc<string>('eth_sendRawTransaction', [raw])).toBe(tx);
      again = await minedReceipt(anvil, tx);
    }
    expect(again.blockHash).not.toBe(first.blockHash);

    const reopened = await eventually('the hold re-opened', async () => {
      const h = await store.holds.getHold(open.holdKey);
      return h?.state === 'open' && h.blockHash === again.blockHash ? h : undefined;
    });
    expect(reopened).toMatchObject({ id: open.id, holdKey: open.holdKey, txid: tx, blockNumber: BigInt(again.blockNumber) });
    const all: StoredHold[] = await store.holds.listHolds({ limit: 100 });
    expect(all).toHaveLength(1);
    const trail = (await store.holds.holdEvents(open.id)).map((e) => [e.fromState, e.toState]);
    expect(trail).toEqual([
      [null, 'open'],
      ['open', 'orphaned'],
      ['orphaned', 'open'],
    ]);
    const events = await store.holds.holdEvents(open.id);
    expect(events[1]?.reason).toContain(first.blockHash);
    expect(events[2]?.reason).toContain(again.blockHash);
    // On-call heard of the orphaning once per channel, however often the reorg job ran.
    expect(receivers.on('/pd').filter((r) => r.body.includes('"hold_orphaned"'))).toHaveLength(1);
    // …and of the reopening: the account is frozen again on this basis.
    const reopenPage = await eventually('the hold_reopened page', async () =>
      receivers.on('/pd').find((r) => r.body.includes(`hold_reopened:${open.holdKey}:${again.blockHash}`)),
    );
    expect(JSON.parse(reopenPage.body)).toMatchObject({ payload: { class: 'hold_reopened', severity: 'critical' } });
    // The exchange hears of every revision: raised (0), orphaned (1), reopened (2), each under its own idempotency key.
    const deliveries = await eventually('the hook deliveries of all three revisions', async () => {
      const got = receivers.on('/hook').filter((r) => r.status === 200 && r.body.includes(open.holdKey));
      const revisions = new Set(got.map((r) => (JSON.parse(r.body) as { revision: number }).revision));
      return revisions.has(2) ? got : undefined;
    });
    const last = deliveries.find((r) => (JSON.parse(r.body) as { revision: number }).revision === 2);
    expect(JSON.parse(last?.body ?? '{}')).toMatchObject({ key: open.holdKey, state: 'open', revision: 2, block: { hash: again.blockHash } });
    expect(last?.headers['idempotency-key']).toBe(`${open.holdKey}#2`);
    await eventually('the hold delivered at its latest revision', async () => {
      const h = await store.holds.getHold(open.holdKey);
      return h?.hookStatus === 'delivered' && h.hookRevision === 2 ? h : undefined;
    });
  });

  it('a reorg that mines the same tx in the replacing block at once leaves one hold, on the new block', async () => {
    const { anvil, store } = e2e;
    const raw = await new Wallet(LISTED_SIGNER.privateKey).signTransaction({
      type: 2,
      chainId: 31337,
      nonce: 1,
      to: DEPOSIT,
      value: ETHER,
      gasLimit: 21_000,
      maxFeePerGas: 20_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    });
    const tx = await anvil.rpc<string>('eth_sendRawTransaction', [raw]);
    const first = await minedReceipt(anvil, tx);
    await anvil.rpc('anvil_mine', ['0x1']);
    const held = await eventually('the second deposit hold', async () => {
      const holds = await store.holds.listHolds({ accountId: 'acct-deposit', limit: 10 });
      return holds.find((h) => h.txid === tx);
    });
    expect(held.blockHash).toBe(first.blockHash);

    // Two blocks replaced; the first replacing block carries the same transaction again.
    await anvil.rpc('anvil_reorg', [2, [[raw, 0]]]);
    const again = await minedReceipt(anvil, tx);
    expect(again.blockNumber).toBe(first.blockNumber);
    expect(again.blockHash).not.toBe(first.blockHash);

    const moved = await eventually('the hold on the replacing block', async () => {
      const h = await store.holds.getHold(held.holdKey);
      return h?.state === 'open' && h.blockHash === again.blockHash ? h : undefined;
    });
    expect(moved.id).toBe(held.id);
    expect((await store.holds.listHolds({ limit: 100 })).filter((h) => h.txid === tx)).toHaveLength(1);
    // Either the reorg's sweep ran first (open → orphaned → open, on-call told) or the new
    // block's match did (the open hold moved to the new block, open → open): both audited.
    const trail = (await store.holds.holdEvents(held.id)).map((e) => [e.fromState, e.toState]);
    expect([
      JSON.stringify([[null, 'open'], ['open', 'orphaned'], ['orphaned', 'open']]),
      JSON.stringify([[null, 'open'], ['open', 'open']]),
    ]).toContain(JSON.stringify(trail));
    const last = (await store.holds.holdEvents(held.id)).at(-1);
    expect(last?.reason).toContain(again.blockHash);
  });
});

