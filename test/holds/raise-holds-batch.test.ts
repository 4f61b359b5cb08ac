/**
 * An act job raises the holds of all its matches together (raiseHoldsInCanonicalBlocks): the
 * same holds, events and outcomes as one match at a time — one hold per key, a hold whose
 * block was orphaned raises nothing, an orphaned hold whose transaction is mined again is
 * reopened — in a few statements instead of several per match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SanctionEntry } from '../../src/domain/sanction-entry.js';
import { orphanHoldsInBlock, raiseHold, raiseHoldsInCanonicalBlocks } from '../../src/holds/index.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, depositMatch, freshTx, hash, openTestStore, seedSdn, type TestStore } from './helpers.js';

const trail = (events: readonly { fromState: string | null; toState: string }[]) => events.map((e) => `${e.fromState ?? 'null'}→${e.toState}`);

describe.each(BACKENDS)('raising the holds of one act job on %s', (backend) => {
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

  it('creates each hold once with its audit event, and a second batch creates none', async () => {
    const block = { number: 19_100_000n, hash: hash(0x9100) };
    const matches = ['a', 'b', 'c'].map((a) => depositMatch({ entry, txHash: freshTx(), accountId: `acct-batch-${a}`, block }));
    const items = matches.map((match) => ({ match, confirmations: 2 }));
    const first = await raiseHoldsInCanonicalBlocks(store, items);
    expect(first.map((r) => [r.created, r.blockOrphaned, r.hold?.state])).toEqual([
      [true, false, 'open'],
      [true, false, 'open'],
      [true, false, 'open'],
    ]);
    expect(first.map((r) => r.hold?.accountId)).toEqual(['acct-batch-a', 'acct-batch-b', 'acct-batch-c']);
    for (const r of first) expect(trail(await store.holds.holdEvents(r.hold?.id ?? -1))).toEqual(['null→open']);

    const again = await raiseHoldsInCanonicalBlocks(store, [...items].reverse());
    expect(again.map((r) => [r.created, r.hold?.id])).toEqual([...first].reverse().map((r) => [false, r.hold?.id]));
  });

  it('raises nothing for a match of an orphaned block, and reopens an orphaned hold mined again', async () => {
    const gone = { number: 19_100_010n, hash: hash(0x9110) };
    const minedAgain = { number: 19_100_011n, hash: hash(0x9111) };
    await store.blocks.markOrphaned('ethereum', [gone]);
    const late = depositMatch({ entry, txHash: freshTx(), accountId: 'acct-batch-late', block: gone });

    const tx = freshTx();
    const { hold } = await raiseHold(store.holds, depositMatch({ entry, txHash: tx, accountId: 'acct-batch-reorg', block: { number: 19_100_012n, hash: hash(0x9112) } }), 1);
    await orphanHoldsInBlock(store.holds, 'ethereum', hash(0x9112), 'reorged out');
    const back = depositMatch({ entry, txHash: tx, accountId: 'acct-batch-reorg', block: minedAgain });

    const [lateResult, backResult] = await raiseHoldsInCanonicalBlocks(store, [
      { match: late, confirmations: 0 },
      { match: back, confirmations: 0 },
    ]);
    expect(lateResult).toMatchObject({ hold: null, created: false, blockOrphaned: true });
    expect(backResult).toMatchObject({ created: false, reopened: true, blockOrphaned: false, hold: { id: hold.id, state: 'open', blockHash: minedAgain.hash } });
    expect(trail(await store.holds.holdEvents(hold.id))).toEqual(['null→open', 'open→orphaned', 'orphaned→open']);
  });
});
