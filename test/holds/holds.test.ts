import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldReasonRequired, HoldTransitionRefused, NotAHoldMatch } from '../../src/domain/hold.js';
import type { SanctionEntry } from '../../src/domain/sanction-entry.js';
import { confirmHold, listHolds, orphanHoldsInBlock, raiseHold, releaseHold, showHold } from '../../src/holds/index.js';
import { HoldNotFound } from '../../src/store/errors.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, depositMatch, freshTx, hash, openTestStore, seedSdn, type TestStore } from './helpers.js';

const trail = (events: readonly { fromState: string | null; toState: string }[]) =>
  events.map((e) => `${e.fromState ?? 'null'}→${e.toState}`);

describe.each(BACKENDS)('holds on %s', (backend) => {
  let opened: TestStore;
  let store: Store;
  let entry: SanctionEntry;

  beforeAll(async () => {
    opened = await openTestStore(backend);
    store = opened.store;
    entry = await seedSdn(store);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('raises exactly one hold for a match under a hold list, however many times and however concurrently it is raised', async () => {
    const match = depositMatch({ entry, txHash: freshTx(), accountId: 'acct-once' });
    const first = await raiseHold(store.holds, match, 2);
    expect(first).toMatchObject({ created: true, reopened: false, hold: { state: 'open', programs: ['CYBER2', 'DPRK3'], hookStatus: 'pending' } });

    const again = await Promise.all([1, 2, 3, 4].map(() => raiseHold(store.holds, match, 5)));
    expect(again.every((r) => !r.created && r.hold.id === first.hold.id)).toBe(true);

    expect(await listHolds(store.holds, { accountId: 'acct-once' })).toHaveLength(1);
    expect(trail(await store.holds.holdEvents(first.hold.id))).toEqual(['null→open']);
  });

  it('raises no hold for a match under an alert list, nor for a transfer no account owns', async () => {
    const tx = freshTx();
    await expect(raiseHold(store.holds, depositMatch({ entry, txHash: tx, accountId: 'acct-alert', policy: 'alert' }), 1)).rejects.toThrow(
      NotAHoldMatch,
    );
    await expect(raiseHold(store.holds, depositMatch({ entry, txHash: tx, accountId: null }), 1)).rejects.toThrow(NotAHoldMatch);
    expect(await listHolds(store.holds, { accountId: 'acct-alert' })).toEqual([]);
  });

  it('releases a hold only with a reason, and the audit trail says who released it and why', async () => {
    const { hold } = await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx() }), 1);
    await expect(releaseHold(store.holds, hold.id, 'analyst:j.doe', '   ')).rejects.toThrow(HoldReasonRequired);
    expect((await store.holds.getHold(hold.id))?.state).toBe('open');

    const reason = 'false positive: deposit refunded to source, case COMP-2291';
    const released = await releaseHold(store.holds, hold.holdKey, 'analyst:j.doe', reason);
    expect(released.hold.state).toBe('released');

    const shown = await showHold(store.holds, hold.id);
    expect(shown.hold.state).toBe('released');
    expect(shown.events.map((e) => [trail([e])[0], e.actor, e.reason])).toEqual([
      ['null→open', 'cordon', expect.stringContaining(entry.entryUid)],
      ['open→released', 'analyst:j.doe', reason],
    ]);
    expect(shown.deliveries).toEqual([]);
  });

  it('confirms an open hold, recording the analyst, with or without a reason', async () => {
    const { hold } = await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx() }), 12);
    const { hold: confirmed, event } = await confirmHold(store.holds, hold.id, 'analyst:k.lee');
    expect(confirmed.state).toBe('confirmed');
    expect(event).toMatchObject({ fromState: 'open', toState: 'confirmed', actor: 'analyst:k.lee', reason: null });
    expect((await listHolds(store.holds, { state: 'confirmed' })).map((h) => h.id)).toContain(hold.id);
  });

  it('orphans the holds of a reorged-out block, then reopens the same hold when the transaction is mined again', async () => {
    const tx = freshTx();
    const orphanedBlock = { number: 19_000_100n, hash: hash(0x100a) };
    const newBlock = { number: 19_000_101n, hash: hash(0x101b) };
    const { hold } = await raiseHold(store.holds, depositMatch({ entry, txHash: tx, accountId: 'acct-reorg', block: orphanedBlock }), 1);

    const orphaned = await orphanHoldsInBlock(store.holds, 'ethereum', orphanedBlock.hash, `block #19000100 ${orphanedBlock.hash} reorged out`);
    expect(orphaned.map((o) => [o.hold.id, o.previousState, o.hold.state])).toEqual([[hold.id, 'open', 'orphaned']]);
    expect(await orphanHoldsInBlock(store.holds, 'ethereum', orphanedBlock.hash, 'again')).toEqual([]);

    const back = await raiseHold(store.holds, depositMatch({ entry, txHash: tx, accountId: 'acct-reorg', block: newBlock }), 0);
    expect(back).toMatchObject({ created: false, reopened: true, hold: { id: hold.id, state: 'open', blockNumber: 19_000_101n, blockHash: newBlock.hash, confirmations: 0 } });
    expect((await raiseHold(store.holds, depositMatch({ entry, txHash: tx, accountId: 'acct-reorg', block: newBlock }), 3)).reopened).toBe(false);

    expect(await listHolds(store.holds, { accountId: 'acct-reorg' })).toHaveLength(1);
    const events = await store.holds.holdEvents(hold.id);
    expect(trail(events)).toEqual(['null→open', 'open→orphaned', 'orphaned→open']);
    expect(events[2]).toMatchObject({ actor: 'cordon', reason: `transaction mined again in block #19000101 ${newBlock.hash}` });
  });

  it('marks a released hold orphaned on a reorg and brings it back released, never open', async () => {
    const tx = freshTx();
    const blockA = { number: 19_000_200n, hash: hash(0x200a) };
    const { hold } = await raiseHold(store.holds, depositMatch({ entry, txHash: tx, accountId: 'acct-released', block: blockA }), 1);
    await releaseHold(store.holds, hold.id, 'analyst:j.doe', 'refunded');
    const [orphaned] = await orphanHoldsInBlock(store.holds, 'ethereum', blockA.hash, 'reorg');
    expect(orphaned?.previousState).toBe('released');

    const back = await raiseHold(store.holds, depositMatch({ entry, txHash: tx, accountId: 'acct-released', block: { number: 19_000_201n, hash: hash(0x201b) } }), 1);
    expect(back).toMatchObject({ reopened: true, hold: { state: 'released' } });
    expect(trail(await store.holds.holdEvents(hold.id))).toEqual(['null→open', 'open→released', 'released→orphaned', 'orphaned→released']);
  });

  it('refuses forbidden transitions with an error naming the hold and its state', async () => {
    const { hold } = await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx() }), 1);
    await confirmHold(store.holds, hold.id, 'analyst:k.lee', 'OFAC match confirmed, case COMP-3001');
    await expect(releaseHold(store.holds, hold.id, 'analyst:j.doe', 'changed my mind')).rejects.toThrow(
      new HoldTransitionRefused(hold.id, 'confirmed', 'release'),
    );
    await expect(confirmHold(store.holds, hold.id, 'analyst:j.doe')).rejects.toThrow(`hold ${hold.id} is confirmed: cannot confirm it`);

    await orphanHoldsInBlock(store.holds, 'ethereum', hold.blockHash, 'reorg');
    await expect(releaseHold(store.holds, hold.id, 'analyst:j.doe', 'tx gone')).rejects.toThrow(/is orphaned: cannot release it \(only reopen/);
    await expect(releaseHold(store.holds, 9_999_999, 'analyst:j.doe', 'x')).rejects.toThrow(HoldNotFound);
    expect(trail(await store.holds.holdEvents(hold.id))).toEqual(['null→open', 'open→confirmed', 'confirmed→orphaned']);
  });
});
