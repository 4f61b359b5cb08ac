/**
 * Delistings and program changes reach the holds: on OFAC's real 2025-03-04 → 2025-03-21
 * publications, a hold raised on a Tornado Cash entry under 03-04 gets a basis-withdrawn event
 * naming the new version and one page when 03-21 is approved, stays open, and the CLI's data,
 * the API and the exchange hook's payload show it. Each XML is parsed once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Alert } from '../../src/domain/alert.js';
import { listId, type ParseResult, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { applyListChangeToHolds, confirmHold, hookPayload, raiseHold, releaseHold, showHold } from '../../src/holds/index.js';
import type { HttpDeps } from '../../src/http/deps.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { loadConfig } from '../../src/config/load.js';
import { assetPolicies } from '../../src/pipeline/asset-policy.js';
import { ListVersionEffects } from '../../src/pipeline/list-version-effects.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import type { RetroScreenDeps } from '../../src/pipeline/retro-screen.js';
import { sdnIdOf } from '../../src/sanctions/entry-diff.js';
import { refreshFromParsed, type RefreshRequest } from '../../src/sanctions/refresh-list.js';
import type { StoredHold } from '../../src/store/holds-repo.js';
import { parsePublication, SDN_ADVANCED_GZ, type Publication } from '../sanctions/sdn-advanced-fixtures.js';
import { depositMatch, freshTx, memoryLogger, openTestStore, type TestStore } from './helpers.js';

const TOKEN = 'list-change-test-token-0123456789abcdef';
const SDN = listId('ofac-sdn');
const parsed = new Map<Publication, ParseResult>();
const { log } = memoryLogger();
let ts: TestStore;
let server: HttpServer;
const paged: Alert[] = [];

function request(date: Publication): RefreshRequest {
  return { listId: SDN, format: 'ofac-advanced-xml', source: SDN_ADVANCED_GZ(date), programs: [], timeout: 2_000, maxDropShare: 0.1 };
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A hold raised under v1 on the first entry of `sdnId`. */
async function holdOn(entries: readonly SanctionEntry[], sdnId: string, nth = 0): Promise<StoredHold> {
  const entry = entries.filter((e) => sdnIdOf(e.entryUid) === sdnId && e.family === 'evm')[nth];
  if (entry === undefined) throw new Error(`no EVM entry #${nth} of SDN ${sdnId}`);
  const { hold } = await raiseHold(ts.store.holds, depositMatch({ entry, txHash: freshTx() }), 3);
  expect(hold.listVersion).toBe(1);
  return hold;
}

/** What the API handed to the re-screen of past transfers on approval. */
const rescreened: { listId: string; version: number; added: number }[] = [];

beforeAll(async () => {
  const dates: Publication[] = ['2025-03-04', '2025-03-21'];
  const [results] = await Promise.all([Promise.all(dates.map((d) => parsePublication(d))), openTestStore('pglite').then((s) => (ts = s))]);
  dates.forEach((d, i) => parsed.set(d, results[i] as ParseResult));
  const deps: HttpDeps = {
    store: ts.store,
    queueAlert: async (alert) => void paged.push(alert),
    rescreen: async (activation) => {
      rescreened.push({ listId: activation.listId, version: activation.version, added: activation.added.length });
      return null;
    },
    chains: [{ id: 'ethereum', family: 'evm' }],
    apiToken: TOKEN,
    redis: { ping: async () => 'PONG' },
    storePing: () => ts.store.db.query('SELECT 1'),
    chainLags: () => [],
    metrics: createMetrics(),
    holdCounts: async () => ({}),
    addressIndex: () => null,
  };
  server = await startHttpServer({ host: '127.0.0.1', port: 0, deps, log });
}, 90_000);

afterAll(async () => {
  await server?.close();
  await ts?.close();
});

describe('a delisting approved through the API reaches the holds citing it', () => {
  it('withdraws the basis of every hold not released on a Tornado Cash entry, changes it on SDN 44718, and releases none', async () => {
    const first = await refreshFromParsed(ts.store.lists, log, request('2025-03-04'), parsed.get('2025-03-04') ?? null);
    expect(first).toMatchObject({ outcome: 'accepted', version: 1 });
    const v1 = await ts.store.lists.snapshotEntries(SDN, 1);
    const open = await holdOn(v1, '39796', 0);
    const confirmed = (await confirmHold(ts.store.holds, (await holdOn(v1, '39796', 1)).id, 'analyst', 'true match')).hold;
    const released = (await releaseHold(ts.store.holds, (await holdOn(v1, '39796', 2)).id, 'analyst', 'false positive, case 12')).hold;
    const changed = await holdOn(v1, '44718', 0);
    const unrelated = await holdOn(v1, '27307', 0); // Lazarus Group: still listed, unchanged

    const refused = await refreshFromParsed(ts.store.lists, log, request('2025-03-21'), parsed.get('2025-03-21') ?? null);
    expect(refused).toMatchObject({ outcome: 'rejected', pending: { created: true } });

    const pending = await call('GET', `/v1/lists/${SDN}/pending`);
    expect(pending.status).toBe(200);
    expect(pending.json).toMatchObject({
      activeVersion: 1,
      summary: { added: 0, removed: 90, changed: 8, removedParties: [{ name: 'TORNADO CASH', sdnId: '39796', count: 90 }] },
    });
    expect(pending.json['removed']).toHaveLength(90);

    expect((await call('POST', `/v1/lists/${SDN}/pending/approve`, { by: 'A. Analyst' })).status).toBe(400);
    expect((await call('POST', `/v1/lists/${SDN}/pending/approve`, { by: ' ', reason: 'delisted' })).status).toBe(400);
    expect(await ts.store.lists.latestSnapshot(SDN)).toMatchObject({ version: 1 });

    const approved = await call('POST', `/v1/lists/${SDN}/pending/approve`, { by: 'A. Analyst', reason: 'OFAC delisted Tornado Cash on 2025-03-21' });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ version: 2, previousVersion: 1, removed: 90, changed: 8, holdsAffected: 3 });
    // The approved version goes to the retroactive re-screen like an accepted refresh (it adds nothing here).
    expect(rescreened).toEqual([{ listId: SDN, version: 2, added: 0 }]);
    expect(await ts.store.lists.listApprovals(SDN)).toEqual([expect.objectContaining({ approvedBy: 'A. Analyst', via: 'approve', toVersion: 2 })]);

    // The open hold: withdrawn basis, same state, one event naming the version.
    const shown = await showHold(ts.store.holds, open.id);
    expect(shown.hold).toMatchObject({ state: 'open', basis: 'withdrawn', basisVersion: 2, listVersion: 1 });
    expect(shown.events.map((e) => e.toState)).toEqual(['open']);
    expect(shown.basisEvents).toEqual([
      expect.objectContaining({
        basis: 'withdrawn',
        listId: SDN,
        listVersion: 2,
        holdState: 'open',
        entryUid: open.entryUid,
        programsBefore: ['CYBER2', 'DPRK3'],
        programsAfter: null,
        reason: expect.stringMatching(/^basis withdrawn: list ofac-sdn v2 no longer lists entry sdn:39796:ETH:0x[0-9a-f]{40} \(TORNADO CASH \[CYBER2, DPRK3\]\); the hold stays open until a person decides$/),
      }),
    ]);
    expect(hookPayload(shown.hold).basis).toEqual({ state: 'withdrawn', version: 2 });

    // Confirmed: withdrawn too, and the most urgent page. Released: left alone.
    expect((await showHold(ts.store.holds, confirmed.id)).hold).toMatchObject({ state: 'confirmed', basis: 'withdrawn', basisVersion: 2 });
    expect((await showHold(ts.store.holds, released.id)).hold).toMatchObject({ state: 'released', basis: 'in_force', basisVersion: null });
    const moved = await showHold(ts.store.holds, changed.id);
    expect(moved.hold).toMatchObject({ state: 'open', basis: 'changed', basisVersion: 2 });
    expect(moved.basisEvents).toEqual([expect.objectContaining({ basis: 'changed', programsBefore: ['CYBER2', 'DPRK3'], programsAfter: ['DPRK3'] })]);
    expect((await showHold(ts.store.holds, unrelated.id)).hold).toMatchObject({ basis: 'in_force', basisVersion: null });

    // One page per hold.
    expect(paged.map((a) => [a.kind, a.dedupKey]).sort()).toEqual(
      [open, confirmed, changed].map((h) => ['hold_basis_changed', `hold_basis_changed:${h.holdKey}:ofac-sdn:2`]).sort(),
    );
    const page = paged.find((a) => a.dedupKey.includes(open.holdKey));
    expect(page?.severity).toBe('error');
    expect(page?.summary).toMatch(/^BASIS WITHDRAWN for hold \d+: list ofac-sdn v2 no longer lists entry sdn:39796:ETH:0x/);
    expect(page?.summary).toContain('The hold stays open: a person decides');
    expect(paged.find((a) => a.dedupKey.includes(confirmed.holdKey))?.severity).toBe('critical');

    // The API shows it.
    const api = await call('GET', `/v1/holds/${open.id}`);
    expect(api.json).toMatchObject({ hold: { basis: 'withdrawn', basisVersion: 2, state: 'open' }, basisEvents: [{ basis: 'withdrawn', listVersion: 2 }] });
    const listed = await call('GET', '/v1/holds?state=open');
    expect(listed.json['holds']).toEqual(expect.arrayContaining([expect.objectContaining({ id: open.id, basis: 'withdrawn' })]));

    // Applying the same version again adds nothing.
    const v1Entries = await ts.store.lists.snapshotEntries(SDN, 1);
    const v2Uids = new Set((await ts.store.lists.snapshotEntries(SDN, 2)).map((e) => e.entryUid));
    const again = await applyListChangeToHolds(ts.store.holds, {
      listId: SDN,
      version: 2,
      removed: v1Entries.filter((e) => !v2Uids.has(e.entryUid)),
      changed: [],
    });
    expect(again.map((c) => c.created)).toEqual([false, false]);
    expect((await showHold(ts.store.holds, open.id)).basisEvents).toHaveLength(1);
    const [{ n }] = (await ts.store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hold_basis_events')) as [{ n: number }];
    expect(n).toBe(3);

    // The basis events are append-only.
    await expect(ts.store.db.query(`UPDATE hold_basis_events SET reason = 'x'`)).rejects.toThrow(/hold_basis_events is append-only: UPDATE refused/);
    await expect(ts.store.db.query('DELETE FROM hold_basis_events')).rejects.toThrow(/append-only: DELETE refused/);
  });
});

describe('a version whose activation did not finish its effects (a crash after the commit)', () => {
  it("is caught up by the service from the store's own diff: the holds hear of it once, and it is recorded", async () => {
    const own = await openTestStore('pglite');
    try {
      const first = await refreshFromParsed(own.store.lists, log, request('2025-03-04'), parsed.get('2025-03-04') ?? null);
      expect(first).toMatchObject({ outcome: 'accepted', version: 1 });
      const open = (await raiseHold(own.store.holds, depositMatch({ entry: (await own.store.lists.snapshotEntries(SDN, 1)).find((e) => sdnIdOf(e.entryUid) === '39796' && e.family === 'evm') as SanctionEntry, txHash: freshTx() }), 3)).hold;
      // Activated with nobody left to tell the holds: the process "crashed" after the commit.
      const second = await refreshFromParsed(own.store.lists, log, { ...request('2025-03-21'), maxDropShare: 1 }, parsed.get('2025-03-21') ?? null);
      expect(second).toMatchObject({ outcome: 'accepted', version: 2 });
      if (second.outcome !== 'accepted') throw new Error('not accepted');

      // The store's diff is the refresh's diff.
      const stored = await own.store.lists.versionDiff(SDN, 2);
      const uids = (xs: readonly { entryUid: string }[]) => xs.map((e) => e.entryUid).sort();
      expect([stored.added.length, stored.removed.length, stored.changed.length]).toEqual([0, 90, 8]);
      expect(uids(stored.removed)).toEqual(uids(second.diff.removed));
      expect(uids(stored.changed.map((c) => c.after))).toEqual(uids(second.diff.changed.map((c) => c.after)));
      expect((await own.store.lists.versionDiff(SDN, 1)).added).toHaveLength(first.outcome === 'accepted' ? first.diff.added.length : -1);

      const told: Alert[] = [];
      const { config } = loadConfig({ env: {} });
      const retro: RetroScreenDeps = { config, store: own.store, assets: assetPolicies(config.chains), log, queueAlert: async () => undefined };
      const settling = new ListVersionEffects({ store: own.store, retro, tellHolds: async (a) => void told.push(a), log });
      expect(await settling.catchUp()).toEqual({ finished: [], settling: 2, failed: 0 });
      expect(told).toEqual([]);

      const later = new ListVersionEffects({ store: own.store, retro, tellHolds: async (a) => void told.push(a), log, now: () => new Date(Date.now() + 120_000) });
      const pass = await later.catchUp();
      expect(pass).toEqual({ finished: [{ listId: SDN, version: 1 }, { listId: SDN, version: 2 }], settling: 0, failed: 0 });
      expect((await showHold(own.store.holds, open.id)).hold).toMatchObject({ state: 'open', basis: 'withdrawn', basisVersion: 2 });
      expect(told.map((a) => a.dedupKey)).toEqual([`hold_basis_changed:${open.holdKey}:ofac-sdn:2`]);
      expect(await own.store.lists.versionsAwaitingEffects()).toEqual([]);
      expect(await later.catchUp()).toEqual({ finished: [], settling: 0, failed: 0 });
      expect(told).toHaveLength(1);
    } finally {
      await own.close();
    }
  });
});
