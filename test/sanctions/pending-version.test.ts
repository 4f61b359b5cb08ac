/**
 * A version the drop check refuses waits for a person, with its diff: on OFAC's real
 * publications of 2025-03-04 and 2025-03-21 (the Tornado Cash delisting: 90 of 716 entries
 * removed, 8 entries of SDN 44718 from CYBER2, DPRK3 to DPRK3), and 2025-11-19 as a newer
 * download. Each XML is parsed once (about 2.5 s) and fed to the same refresh path.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listId, type ListId, type ParseResult } from '../../src/domain/sanction-entry.js';
import { loadActiveLists } from '../../src/sanctions/active-lists.js';
import { sdnIdOf } from '../../src/sanctions/entry-diff.js';
import {
  ApprovalRequired,
  approvePendingVersion,
  NoPendingVersion,
  pendingDiff,
  pendingVersionAlert,
  refreshFromParsed,
  type RefreshRequest,
} from '../../src/sanctions/refresh-list.js';
import { screenAddress } from '../../src/sanctions/screen-address.js';
import { openStore, type Store } from '../../src/store/index.js';
import { lines, parsePublication, DELISTED_ETH_2025_03_21, SDN_ADVANCED_GZ, type Publication } from './sdn-advanced-fixtures.js';

const log = pino({ level: 'silent' });
const parsed = new Map<Publication, ParseResult>();
let store: Store;
let runs = 0;

function pub(date: Publication): ParseResult {
  const r = parsed.get(date);
  if (r === undefined) throw new Error(`${date} was not parsed`);
  return r;
}

function request(id: ListId, date: Publication, extra: Partial<RefreshRequest> = {}): RefreshRequest {
  return { listId: id, format: 'ofac-advanced-xml', source: SDN_ADVANCED_GZ(date), programs: [], timeout: 2_000, maxDropShare: 0.1, ...extra };
}

/** A fresh list whose active version is the 2025-03-04 publication. */
async function listOn0304(): Promise<ListId> {
  const id = listId(`ofac-sdn-${++runs}`);
  const first = await refreshFromParsed(store.lists, log, request(id, '2025-03-04'), pub('2025-03-04'));
  expect(first).toMatchObject({ outcome: 'accepted', version: 1, entries: 716 });
  return id;
}

beforeAll(async () => {
  const dates: Publication[] = ['2025-03-04', '2025-03-21', '2025-11-19'];
  const [results] = await Promise.all([
    Promise.all(dates.map((d) => parsePublication(d))),
    openStore({ driver: 'pglite', dataDir: 'memory://' }).then((s) => (store = s)),
  ]);
  dates.forEach((d, i) => parsed.set(d, results[i] as ParseResult));
}, 90_000);

afterAll(async () => {
  await store.close();
});

describe('the Tornado Cash delisting of 2025-03-21, refused by the drop check', () => {
  it('is kept as a pending version with its full diff; the active version stays 03-04 and still screens Tornado Cash', async () => {
    const id = await listOn0304();
    const refused = await refreshFromParsed(store.lists, log, request(id, '2025-03-21'), pub('2025-03-21'));
    expect(refused).toMatchObject({ outcome: 'rejected', keptVersion: 1, reason: 'would remove 90 of 716 entries (12.6% > 10.0% allowed)' });
    if (refused.outcome !== 'rejected' || refused.pending === undefined) throw new Error('no pending version kept');
    expect(refused.pending).toMatchObject({ created: true, replacedId: null, entries: 626 });

    // Never active: the active lookup, the versions and the index ignore it.
    expect((await store.lists.latestSnapshot(id))?.version).toBe(1);
    expect((await store.lists.listSnapshots(id)).map((s) => s.version)).toEqual([1]);
    const delisted = lines(DELISTED_ETH_2025_03_21);
    const active = await loadActiveLists(store.lists, new Set([id]));
    expect(screenAddress(active.index, delisted[0] ?? '').matches.length).toBeGreaterThan(0);

    const found = await pendingDiff(store.lists, id);
    if (found === null) throw new Error('no pending diff');
    expect(found.activeVersion).toBe(1);
    expect(found.diff.added).toEqual([]);
    expect(found.diff.removed).toHaveLength(90);
    expect(new Set(found.diff.removed.map((e) => `${e.entityName}|${sdnIdOf(e.entryUid)}`))).toEqual(new Set(['TORNADO CASH|39796']));
    expect(found.diff.removed.map((e) => e.address).sort()).toEqual(delisted.map((a) => a.toLowerCase()).sort());
    expect(found.diff.changed).toHaveLength(8);
    for (const c of found.diff.changed) {
      expect(sdnIdOf(c.after.entryUid)).toBe('44718');
      expect([...c.before.programs].sort()).toEqual(['CYBER2', 'DPRK3']);
      expect(c.after.programs).toEqual(['DPRK3']);
    }
    expect(found.summary).toMatchObject({
      added: 0,
      removed: 90,
      changed: 8,
      removedParties: [{ name: 'TORNADO CASH', sdnId: '39796', count: 90 }],
      changedParties: [{ sdnId: '44718', count: 8 }],
    });

    const alert = pendingVersionAlert(id, refused.keptVersion, refused.reason, refused.pending, new Date('2025-03-21T18:00:00Z'));
    expect(alert.kind).toBe('list_version_pending');
    expect(alert.dedupKey).toBe(`list_version_pending:${id}:${refused.pending.contentHash}`);
    expect(alert.summary).toContain(`List ${id}: version from OFAC advanced sanctions XML, date of issue 2025-03-21 awaits approval`);
    expect(alert.summary).toContain('awaits approval: removes 90 entries (TORNADO CASH, SDN 39796: 90), changes 8');
    expect(alert.summary).toContain(', adds 0; version 1 stays active');
    expect(alert.summary).toContain(`cordon lists approve ${id} --by … --reason …`);
  });

  it('the same download again keeps the one pending version (nothing new to page)', async () => {
    const id = await listOn0304();
    const first = await refreshFromParsed(store.lists, log, request(id, '2025-03-21'), pub('2025-03-21'));
    const again = await refreshFromParsed(store.lists, log, request(id, '2025-03-21'), pub('2025-03-21'));
    if (first.outcome !== 'rejected' || again.outcome !== 'rejected') throw new Error('expected refusals');
    expect(again.pending).toMatchObject({ id: first.pending?.id, created: false, replacedId: null });
  });

  it('a newer download replaces the older pending version', async () => {
    const id = await listOn0304();
    const march = await refreshFromParsed(store.lists, log, request(id, '2025-03-21'), pub('2025-03-21'));
    const november = await refreshFromParsed(store.lists, log, request(id, '2025-11-19'), pub('2025-11-19'));
    if (march.outcome !== 'rejected' || november.outcome !== 'rejected') throw new Error('expected refusals');
    expect(november.pending).toMatchObject({ created: true, replacedId: march.pending?.id, entries: 760 });
    const pending = await store.lists.pendingVersion(id);
    expect(pending?.id).toBe(november.pending?.id);
    // The replaced one can no longer be approved.
    await expect(
      approvePendingVersion(store.lists, log, { listId: id, approval: { by: 'A. Analyst', reason: 'delisting' }, pendingId: march.pending?.id ?? 0 }),
    ).rejects.toBeInstanceOf(NoPendingVersion);
  });

  it('is activated by an approval naming who and why, which the append-only audit keeps', async () => {
    const id = await listOn0304();
    await refreshFromParsed(store.lists, log, request(id, '2025-03-21'), pub('2025-03-21'));
    for (const approval of [
      { by: '', reason: 'OFAC delisted Tornado Cash' },
      { by: 'A. Analyst', reason: '   ' },
    ]) {
      await expect(approvePendingVersion(store.lists, log, { listId: id, approval })).rejects.toBeInstanceOf(ApprovalRequired);
    }
    expect((await store.lists.latestSnapshot(id))?.version).toBe(1);

    const approved = await approvePendingVersion(store.lists, log, {
      listId: id,
      approval: { by: 'A. Analyst', reason: 'OFAC delisted Tornado Cash on 2025-03-21 (Treasury press release sb0057)' },
    });
    expect(approved).toMatchObject({ version: 2, previousVersion: 1, entries: 626 });
    expect(approved.diff.removed).toHaveLength(90);
    expect(await store.lists.latestSnapshot(id)).toMatchObject({ version: 2, entryCount: 626, removedCount: 90 });
    expect(await store.lists.pendingVersion(id)).toBeNull();
    const delisted = lines(DELISTED_ETH_2025_03_21);
    const active = await loadActiveLists(store.lists, new Set([id]));
    expect(screenAddress(active.index, delisted[0] ?? '').matches).toEqual([]);

    const audit = await store.lists.listApprovals(id);
    expect(audit).toEqual([
      expect.objectContaining({
        approvedBy: 'A. Analyst',
        reason: 'OFAC delisted Tornado Cash on 2025-03-21 (Treasury press release sb0057)',
        via: 'approve',
        fromVersion: 1,
        toVersion: 2,
        entryCount: 626,
        addedCount: 0,
        removedCount: 90,
        changedCount: 8,
        at: expect.any(Date),
      }),
    ]);
    await expect(store.db.query(`UPDATE list_approvals SET approved_by = 'someone else' WHERE list_id = $1`, [id])).rejects.toThrow(
      /list_approvals is append-only: UPDATE refused/,
    );
    await expect(store.db.query('DELETE FROM list_approvals WHERE list_id = $1', [id])).rejects.toThrow(/append-only: DELETE refused/);
    // Approving again: nothing waits any more.
    await expect(
      approvePendingVersion(store.lists, log, { listId: id, approval: { by: 'A. Analyst', reason: 'again' } }),
    ).rejects.toBeInstanceOf(NoPendingVersion);
  });

  it('--allow-drop needs who and why, and with them records an approval too', async () => {
    const id = await listOn0304();
    await expect(
      refreshFromParsed(store.lists, log, request(id, '2025-03-21', { allowDrop: true }), pub('2025-03-21')),
    ).rejects.toBeInstanceOf(ApprovalRequired);
    await expect(
      refreshFromParsed(store.lists, log, request(id, '2025-03-21', { allowDrop: true, approval: { by: 'A. Analyst', reason: '' } }), pub('2025-03-21')),
    ).rejects.toThrow(/needs why \(--reason <text>\)/);
    await refreshFromParsed(store.lists, log, request(id, '2025-03-21'), pub('2025-03-21'));
    const accepted = await refreshFromParsed(
      store.lists,
      log,
      request(id, '2025-03-21', { allowDrop: true, approval: { by: 'B. Officer', reason: 'OFAC delisting confirmed' } }),
      pub('2025-03-21'),
    );
    expect(accepted).toMatchObject({ outcome: 'accepted', version: 2, previousVersion: 1, approvedBy: { by: 'B. Officer' } });
    expect(await store.lists.listApprovals(id)).toEqual([
      expect.objectContaining({ approvedBy: 'B. Officer', reason: 'OFAC delisting confirmed', via: 'allow-drop', pendingId: null, toVersion: 2, removedCount: 90, changedCount: 8 }),
    ]);
    // The version that waited is out of date once a newer one is active.
    expect(await store.lists.pendingVersion(id)).toBeNull();
    const [attempt] = await store.lists.refreshAttempts(id, 1);
    expect(attempt?.reason).toBe('drop check overridden by B. Officer: OFAC delisting confirmed');
  });
});
