import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_FAMILIES } from '../../src/domain/address-family.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { listId, type EntryDraft } from '../../src/domain/sanction-entry.js';
import { DuplicateEntryUid, HoldStateConflict, WithdrawalConflict } from '../../src/store/errors.js';
import type { NewHold } from '../../src/store/holds-repo.js';
import { appliedMigrations, migrate, MIGRATIONS } from '../../src/store/migrations.js';
import type { Store } from '../../src/store/store.js';

/** Tests build addresses by hand; production code gets them only from the normaliser. */
export function addr(raw: string): NormalisedAddress {
  return raw as NormalisedAddress;
}

export const TORNADO = addr('0x8589427373d6d84e98730d7795d8f6f8731fda16');
export const TORNADO_ROUTER = addr('0xd90e2f925da726b50c4ed8d0fb90ad053324f31b');
export const GARANTEX = addr('0x7ff9cfad3877f21d41da833e2f775db0569ee3d9');
export const LAZARUS_BTC = addr('bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6');

export const SDN_FILE = 'https://www.treasury.gov/ofac/downloads/sanctions/1.0/sdn_advanced.xml';

export const tornadoEntry: EntryDraft = {
  entryUid: `sdn:30518:ETH:${TORNADO}`,
  address: TORNADO,
  family: 'evm',
  ticker: 'ETH',
  entityName: 'TORNADO CASH',
  programs: ['CYBER2', 'DPRK3'],
  source: { file: SDN_FILE, element: 'DistinctParty[FixedRef=30518]/Feature[ID=100412]' },
};

/** Awkward text on purpose: quotes, commas, braces, backslash, NULL-as-text, non-ASCII. */
export const garantexEntry: EntryDraft = {
  entryUid: `sdn:36519:USDT:${GARANTEX}`,
  address: GARANTEX,
  family: 'evm',
  ticker: 'USDT',
  entityName: 'GARANTEX EUROPE OÜ, a.k.a. "Garantex" {Grinex} \\ NULL',
  programs: ['CYBER2', 'RUSSIA-EO14024'],
  source: { file: 'lists/sdn.csv', line: 17_402 },
};

/** No entity name, no programs (a plain list). */
export const plainEntry: EntryDraft = {
  entryUid: `XBT:${LAZARUS_BTC}`,
  address: LAZARUS_BTC,
  family: 'bitcoin',
  ticker: 'XBT',
  entityName: null,
  programs: [],
  source: { file: 'lists/extra.txt', line: 3 },
};

function bulkEntries(count: number): EntryDraft[] {
  return Array.from({ length: count }, (_, i) => {
    const a = addr(`0x${(i + 1).toString(16).padStart(40, '0')}`);
    return {
      entryUid: `sdn:${40_000 + i}:ETH:${a}`,
      address: a,
      family: 'evm',
      ticker: 'ETH',
      entityName: i % 3 === 0 ? null : `ENTITY ${i}`,
      programs: i % 2 === 0 ? ['CYBER2'] : ['SDNTK', 'ILLICIT-DRUGS-EO14059'],
      source: { file: 'lists/sdn.csv', line: i + 2 },
    } satisfies EntryDraft;
  });
}

/** Runs the same behaviours against any backend. `open` gives a migrated, empty store. */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    const sdn = listId('ofac-sdn');
    let sdnVersion: number;

    const holdFor = (overrides: Partial<NewHold> = {}): NewHold => ({
      holdKey: `acct-7731:ethereum:0xabc…:0:ofac-sdn:sdn:30518:ETH:${TORNADO}`,
      accountId: 'acct-7731',
      chain: 'ethereum',
      txid: '0x5f1ad6c1b7e2a4f0b4b0e2a1c9d2f3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0',
      transferId: '0x5f1ad6c1b7e2a4f0b4b0e2a1c9d2f3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0:0',
      direction: 'deposit',
      counterparty: TORNADO,
      listId: sdn,
      listVersion: sdnVersion,
      entryUid: tornadoEntry.entryUid,
      entityName: tornadoEntry.entityName,
      programs: tornadoEntry.programs,
      amount: 100_000_000_000_000_000_000n, // 100 ETH in wei: past 2^64, fits NUMERIC(78,0)
      asset: 'native',
      units: { symbol: 'ETH', decimals: 18 },
      authority: 'US Treasury OFAC, SDN List',
      blockNumber: 14_997_521n,
      blockHash: '0x9a4c2b2b3e1a7c0f5d6e8b9a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d',
      confirmations: 3,
      ...overrides,
    });

    beforeAll(async () => {
      store = await open();
      sdnVersion = await store.lists.insertSnapshot({
        listId: sdn,
        contentHash: 'sha256:6f1c0e…',
        source: SDN_FILE,
        entries: [tornadoEntry, garantexEntry],
        addedCount: 2,
        removedCount: 0,
      });
    });

    afterAll(async () => {
      await store?.close();
    });

    it('applies each migration once and re-running them on an up-to-date schema changes nothing', async () => {
      const before = await appliedMigrations(store.db);
      expect(before.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));

      const again = await migrate(store.db);
      expect(again.applied).toEqual([]);
      expect(await appliedMigrations(store.db)).toEqual(before);
    });

    it("round-trips a snapshot's entries exactly: programs, missing entity name, source line or element", async () => {
      const list = listId('contract-roundtrip');
      const version = await store.lists.insertSnapshot({
        listId: list,
        contentHash: 'sha256:aa01',
        source: 'lists/sdn.csv',
        entries: [tornadoEntry, garantexEntry, plainEntry],
        addedCount: 3,
        removedCount: 0,
      });
      expect(version).toBe(1);

      const entries = await store.lists.snapshotEntries(list, version);
      const byUid = new Map(entries.map((e) => [e.entryUid, e]));
      for (const draft of [tornadoEntry, garantexEntry, plainEntry]) {
        expect(byUid.get(draft.entryUid)).toStrictEqual({ ...draft, programs: [...draft.programs], listId: list, listVersion: 1 });
      }
      expect(byUid.get(plainEntry.entryUid)?.entityName).toBeNull();
      expect(byUid.get(plainEntry.entryUid)?.source).toStrictEqual({ file: 'lists/extra.txt', line: 3 });
      expect(byUid.get(tornadoEntry.entryUid)?.source).not.toHaveProperty('line');
    });

    it('numbers snapshot versions per list, and the newest version is the active snapshot', async () => {
      const a = listId('contract-versions-a');
      const b = listId('contract-versions-b');
      const fetchedAt = new Date('2025-03-21T14:00:00.000Z');
      const base = { source: 'lists/extra.txt', addedCount: 1, removedCount: 0 };
      expect(await store.lists.latestSnapshot(a)).toBeNull();

      expect(await store.lists.insertSnapshot({ ...base, listId: a, contentHash: 'h1', entries: [plainEntry] })).toBe(1);
      expect(await store.lists.insertSnapshot({ ...base, listId: b, contentHash: 'h1', entries: [plainEntry] })).toBe(1);
      expect(
        await store.lists.insertSnapshot({
          ...base,
          listId: a,
          contentHash: 'h2',
          entries: [plainEntry, tornadoEntry],
          fetchedAt,
        }),
      ).toBe(2);

      expect(await store.lists.latestSnapshot(a)).toStrictEqual({
        listId: a,
        version: 2,
        contentHash: 'h2',
        source: 'lists/extra.txt',
        entryCount: 2,
        addedCount: 1,
        removedCount: 0,
        fetchedAt,
      });
      expect((await store.lists.getSnapshot(a, 1))?.entryCount).toBe(1);
      expect(await store.lists.getSnapshot(a, 3)).toBeNull();
      expect((await store.lists.listSnapshots(a)).map((s) => s.version)).toEqual([2, 1]);
      const all = await store.lists.listSnapshots();
      expect(all.filter((s) => s.listId === a || s.listId === b).map((s) => `${s.listId}@${s.version}`)).toEqual([
        'contract-versions-a@2',
        'contract-versions-a@1',
        'contract-versions-b@1',
      ]);
    });

    it('accepts an entry of every address family Cordon knows', async () => {
      const list = listId('contract-families');
      const entries = ADDRESS_FAMILIES.map(
        (family, i): EntryDraft => ({ ...plainEntry, entryUid: `X:${family}`, family, source: { file: 'f', line: i + 1 } }),
      );
      const version = await store.lists.insertSnapshot({ listId: list, contentHash: 'h', source: 'f', entries, addedCount: entries.length, removedCount: 0 });
      expect((await store.lists.snapshotEntries(list, version)).map((e) => e.family).sort()).toEqual([...ADDRESS_FAMILIES].sort());
    });

    it('refuses a snapshot with a duplicated entry uid and stores nothing of it', async () => {
      const list = listId('contract-duplicate');
      const dup = { ...garantexEntry, source: { file: 'lists/sdn.csv', line: 20_001 } };
      await expect(
        store.lists.insertSnapshot({ listId: list, contentHash: 'h', source: 's', entries: [garantexEntry, dup], addedCount: 2, removedCount: 0 }),
      ).rejects.toThrow(DuplicateEntryUid);
      expect(await store.lists.latestSnapshot(list)).toBeNull();
    });

    it('stores a 5,000-entry snapshot in bulk and reads every entry back', async () => {
      const list = listId('contract-bulk');
      const entries = bulkEntries(5_000);
      const started = performance.now();
      const version = await store.lists.insertSnapshot({ listId: list, contentHash: 'h', source: 'lists/sdn.csv', entries, addedCount: 5_000, removedCount: 0 });
      const insertMs = performance.now() - started;
      const readStarted = performance.now();
      const back = await store.lists.snapshotEntries(list, version);
      const readMs = performance.now() - readStarted;
      console.log(`[${name}] 5,000-entry snapshot: insert ${insertMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms`);
      expect(back).toHaveLength(5_000);
      expect((await store.lists.latestSnapshot(list))?.entryCount).toBe(5_000);
      const sample = entries[4_321];
      expect(back.find((e) => e.entryUid === sample?.entryUid)).toStrictEqual({ ...sample, listId: list, listVersion: version });
    });

    it('records every refresh attempt, newest first, and a rejected one must say why', async () => {
      const list = listId('contract-refresh');
      const version = await store.lists.insertSnapshot({ listId: list, contentHash: 'h1', source: 's', entries: [plainEntry], addedCount: 1, removedCount: 0 });
      await store.lists.recordRefreshAttempt({ listId: list, outcome: 'accepted', contentHash: 'h1', version, entriesSeen: 1, rejectedLines: 0, attemptedAt: new Date('2025-03-21T10:00:00Z') });
      await store.lists.recordRefreshAttempt({ listId: list, outcome: 'unchanged', contentHash: 'h1', version, entriesSeen: 1, rejectedLines: 0, attemptedAt: new Date('2025-03-21T11:00:00Z') });
      const rejected = await store.lists.recordRefreshAttempt({
        listId: list,
        outcome: 'rejected',
        reason: 'download truncated: 412 of 17,830 entries (2%), expected at least 90% of the last snapshot',
        contentHash: 'h-truncated',
        entriesSeen: 412,
        rejectedLines: 7,
        attemptedAt: new Date('2025-03-21T12:00:00Z'),
      });
      expect(rejected).toMatchObject({ outcome: 'rejected', version: null, entriesSeen: 412, rejectedLines: 7 });

      const attempts = await store.lists.refreshAttempts(list, 10);
      expect(attempts.map((a) => a.outcome)).toEqual(['rejected', 'unchanged', 'accepted']);
      expect((await store.lists.refreshAttempts(list, 1)).map((a) => a.id)).toEqual([rejected.id]);

      await expect(
        store.lists.recordRefreshAttempt({ listId: list, outcome: 'rejected', entriesSeen: 0, rejectedLines: 0 }),
      ).rejects.toThrow(/list_refresh_attempts_rejected_has_reason/);
    });

    it('moves a chain cursor forward and back, keeping block numbers past 2^53 exact', async () => {
      expect(await store.cursors.getCursor('contract-chain')).toBeNull();
      await store.cursors.setCursor('contract-chain', { number: 19_000_000n, hash: '0xaaa1' });
      await store.cursors.setCursor('contract-chain', { number: 19_000_001n, hash: '0xaaa2' });
      expect(await store.cursors.getCursor('contract-chain')).toMatchObject({ chain: 'contract-chain', number: 19_000_001n, hash: '0xaaa2' });

      await store.cursors.setCursor('contract-chain', { number: 18_999_999n, hash: '0xbbb0' }); // reorg
      expect(await store.cursors.getCursor('contract-chain')).toMatchObject({ number: 18_999_999n, hash: '0xbbb0' });

      const huge = 9_007_199_254_740_993n; // 2^53 + 1
      const cursor = await store.cursors.setCursor('contract-huge', { number: huge, hash: '0xccc' });
      expect(cursor.number).toBe(huge);
      expect((await store.cursors.getCursor('contract-huge'))?.number).toBe(huge);
    });

    it('finds the account that owns a watched address, per chain', async () => {
      await store.accounts.upsertWatchedAddress({ chain: 'ethereum', address: TORNADO_ROUTER, accountId: 'acct-1', kind: 'deposit' });
      await store.accounts.upsertWatchedAddress({ chain: 'ethereum', address: TORNADO_ROUTER, accountId: 'acct-2', kind: 'deposit' });
      await store.accounts.upsertWatchedAddress({ chain: 'bitcoin', address: LAZARUS_BTC, accountId: 'hot', kind: 'hot_wallet' });

      expect(await store.accounts.findWatchedAddress('ethereum', TORNADO_ROUTER)).toMatchObject({ accountId: 'acct-2', kind: 'deposit' });
      expect(await store.accounts.findWatchedAddress('polygon', TORNADO_ROUTER)).toBeNull();
      expect((await store.accounts.listWatchedAddresses('bitcoin')).map((w) => w.address)).toEqual([LAZARUS_BTC]);
      expect((await store.accounts.listWatchedAddresses()).length).toBeGreaterThanOrEqual(2);
    });

    it('tells a reader only the watched addresses of a chain added or changed since the version it last saw', async () => {
      const chain = 'contract-since';
      const other = 'contract-since-other';
      const w = (n: number): NormalisedAddress => addr(`0x5e${n.toString(16).padStart(38, '0')}`);
      const sorted = (list: readonly NormalisedAddress[]): NormalisedAddress[] => [...list].sort();
      const since = (version: bigint | null) => store.accounts.watchedAddressesSince(chain, version, { limit: 1_000 });

      expect(await since(null)).toStrictEqual({ version: null, addresses: [] });
      expect(await since(7n)).toStrictEqual({ version: 7n, addresses: [] }); // nothing new: the version comes back

      expect(
        await store.accounts.upsertWatchedAddresses([
          { chain, address: w(1), accountId: 'acct-1', kind: 'deposit' },
          { chain, address: w(2), accountId: 'acct-2', kind: 'deposit' },
          { chain: other, address: w(9), accountId: 'acct-9', kind: 'deposit' },
        ]),
      ).toStrictEqual({ added: 3, changed: 0 });
      await store.accounts.upsertWatchedAddress({ chain, address: w(3), accountId: 'hot', kind: 'hot_wallet' });

      // From the start: every address of the chain, none of another chain's.
      const first = await since(null);
      expect(sorted(first.addresses)).toEqual([w(1), w(2), w(3)]);
      expect(first.version).not.toBeNull();
      const v1 = first.version ?? 0n;
      expect(await since(v1)).toStrictEqual({ version: v1, addresses: [] });
      expect(await store.accounts.watchedAddressesSince(other, null, { limit: 1_000 })).toStrictEqual({ version: 1n, addresses: [w(9)], after: w(9) }); // its own counter

      // New rows, in bulk (an unchanged row alongside is not reported) and one at a time.
      expect(
        await store.accounts.upsertWatchedAddresses([
          { chain, address: w(4), accountId: 'acct-4', kind: 'deposit' },
          { chain, address: w(1), accountId: 'acct-1', kind: 'deposit' },
        ]),
      ).toStrictEqual({ added: 1, changed: 0 });
      const second = await since(v1);
      expect(second.addresses).toEqual([w(4)]);
      const v2 = second.version ?? 0n;
      expect(v2).toBeGreaterThan(v1);

      expect(await store.accounts.upsertWatchedAddress({ chain, address: w(5), accountId: 'acct-5', kind: 'deposit' })).toMatchObject({
        chain,
        address: w(5),
        accountId: 'acct-5',
        kind: 'deposit',
      });
      const third = await since(v2);
      expect(third.addresses).toEqual([w(5)]);
      const v3 = third.version ?? 0n;
      expect(v3).toBeGreaterThan(v2);

      // A re-assigned address comes back, whichever way it was re-assigned.
      expect(await store.accounts.upsertWatchedAddresses([{ chain, address: w(2), accountId: 'acct-22', kind: 'deposit' }])).toStrictEqual({
        added: 0,
        changed: 1,
      });
      const fourth = await since(v3);
      expect(fourth.addresses).toEqual([w(2)]);
      const v4 = fourth.version ?? 0n;
      expect(v4).toBeGreaterThan(v3);
      await store.accounts.upsertWatchedAddress({ chain, address: w(3), accountId: 'hot', kind: 'deposit' });
      const fifth = await since(v4);
      expect(fifth.addresses).toEqual([w(3)]);
      const v5 = fifth.version ?? 0n;
      expect(v5).toBeGreaterThan(v4);

      // Writing what is already there changes nothing a reader needs to hear about.
      expect(await store.accounts.upsertWatchedAddress({ chain, address: w(3), accountId: 'hot', kind: 'deposit' })).toMatchObject({
        address: w(3),
        accountId: 'hot',
        kind: 'deposit',
      });
      expect(
        await store.accounts.upsertWatchedAddresses([
          { chain, address: w(1), accountId: 'acct-1', kind: 'deposit' },
          { chain, address: w(2), accountId: 'acct-22', kind: 'deposit' },
        ]),
      ).toStrictEqual({ added: 0, changed: 0 });
      expect(await since(v5)).toStrictEqual({ version: v5, addresses: [] });

      const all = await since(null);
      expect(sorted(all.addresses)).toEqual([w(1), w(2), w(3), w(4), w(5)]);
      expect(await store.accounts.countWatchedAddresses(chain)).toBe(5);
      expect(await store.accounts.countWatchedAddresses(other)).toBe(1);
      expect(await store.accounts.countWatchedAddresses('no-such-chain')).toBe(0);
      expect(all.version).toBe(v5);
      expect(await store.accounts.watchedAddressesSince(other, 1n, { limit: 1_000 })).toStrictEqual({ version: 1n, addresses: [] });
    });

    it('gives a chain’s watched addresses a page at a time, in version then address order, from after the last row read', async () => {
      const chain = 'contract-pages';
      const w = (n: number): NormalisedAddress => addr(`0x7a${n.toString(16).padStart(38, '0')}`);
      const sorted = (list: readonly NormalisedAddress[]): NormalisedAddress[] => [...list].sort();
      // One bulk write (one version for five rows, written out of address order), then two more writes.
      await store.accounts.upsertWatchedAddresses([5, 2, 4, 1, 3].map((n) => ({ chain, address: w(n), accountId: `acct-${n}`, kind: 'deposit' as const })));
      await store.accounts.upsertWatchedAddress({ chain, address: w(9), accountId: 'acct-9', kind: 'deposit' });
      await store.accounts.upsertWatchedAddress({ chain, address: w(7), accountId: 'acct-7', kind: 'deposit' });

      const pages: { version: bigint | null; addresses: NormalisedAddress[]; after?: NormalisedAddress }[] = [];
      let version: bigint | null = null;
      let after: NormalisedAddress | undefined;
      for (;;) {
        const page = await store.accounts.watchedAddressesSince(chain, version, { limit: 2, after });
        pages.push(page);
        if (page.addresses.length > 0) {
          version = page.version;
          after = page.after;
        }
        if (page.addresses.length < 2) break;
        // A write between two pages comes after every row already there.
        if (pages.length === 1) await store.accounts.upsertWatchedAddress({ chain, address: w(6), accountId: 'acct-6', kind: 'deposit' });
      }
      // Within a page the addresses come in no promised order; `after` is the page's last row.
      expect(pages.map((p) => sorted(p.addresses))).toEqual([[w(1), w(2)], [w(3), w(4)], [w(5), w(9)], [w(6), w(7)], []]);
      expect(pages.map((p) => p.after)).toEqual([w(2), w(4), w(9), w(6), undefined]);
      // Each page's version is its last row's: the bulk write's for the first two, then later ones.
      const [v1, v2, v3, v4] = pages.map((p) => p.version ?? -1n);
      expect(v2).toBe(v1);
      expect(v3).toBeGreaterThan(v2 as bigint);
      expect(v4).toBeGreaterThan(v3 as bigint);
      // The empty page gives back the position asked from.
      expect(pages.at(-1)?.version).toBe(v4);
      // A page from the middle of a version.
      const middle = await store.accounts.watchedAddressesSince(chain, v1 as bigint, { limit: 10, after: w(3) });
      expect(sorted(middle.addresses)).toEqual([w(4), w(5), w(6), w(7), w(9)]);
      expect(middle.after).toBe(w(6));
      await expect(store.accounts.watchedAddressesSince(chain, null, { limit: 0 })).rejects.toThrow(RangeError);
    });

    it('finds a withdrawal by txid and by destination, and completes it when the txid arrives later', async () => {
      const txid = '0x2b1e7d1c0f8a9e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d';
      await store.accounts.addWithdrawal({ id: 'wd-881', chain: 'ethereum', destination: GARANTEX, accountId: 'acct-42' });
      expect(await store.accounts.findWithdrawalByTxid('ethereum', txid)).toBeNull();

      const completed = await store.accounts.addWithdrawal({ id: 'wd-881', chain: 'ethereum', txid, accountId: 'acct-42' });
      expect(completed).toMatchObject({ txid, destination: GARANTEX, accountId: 'acct-42' });
      expect(await store.accounts.findWithdrawalByTxid('ethereum', txid)).toMatchObject({ id: 'wd-881', destination: GARANTEX });

      await store.accounts.addWithdrawal({ id: 'wd-882', chain: 'ethereum', destination: GARANTEX, accountId: 'acct-43' });
      expect((await store.accounts.findWithdrawalByDestination('ethereum', GARANTEX)).map((w) => w.id).sort()).toEqual(['wd-881', 'wd-882']);

      await expect(store.accounts.addWithdrawal({ id: 'wd-881', chain: 'ethereum', txid, accountId: 'acct-99' })).rejects.toThrow(WithdrawalConflict);
      await expect(store.accounts.addWithdrawal({ id: 'wd-883', chain: 'ethereum', accountId: 'acct-42' })).rejects.toThrow(/withdrawals_txid_or_destination/);
    });

    it('keeps one hold and one audit event when the same hold is raised twice, even concurrently', async () => {
      const first = await store.holds.insertHoldIfAbsent(holdFor());
      expect(first.created).toBe(true);
      expect(first.hold).toMatchObject({ state: 'open', amount: 100_000_000_000_000_000_000n, blockNumber: 14_997_521n, programs: ['CYBER2', 'DPRK3'] });
      const again = await store.holds.insertHoldIfAbsent(holdFor({ confirmations: 12 }));
      expect(again).toMatchObject({ created: false, hold: { id: first.hold.id, confirmations: 3 } });

      const events = await store.holds.holdEvents(first.hold.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ holdId: first.hold.id, fromState: null, toState: 'open', actor: 'cordon' });

      const racing = await Promise.all([1, 2, 3].map(() => store.holds.insertHoldIfAbsent(holdFor({ holdKey: 'race-key' }))));
      expect(racing.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(racing.map((r) => r.hold.id)).size).toBe(1);
      expect(await store.holds.holdEvents(racing[0]!.hold.id)).toHaveLength(1);

      expect((await store.holds.getHold(first.hold.holdKey))?.id).toBe(first.hold.id);
      expect((await store.holds.getHold(first.hold.id))?.holdKey).toBe(first.hold.holdKey);
    });

    it('refuses a hold that names a list entry the store does not have', async () => {
      await expect(store.holds.insertHoldIfAbsent(holdFor({ holdKey: 'no-entry', entryUid: 'sdn:1:ETH:0xnothing' }))).rejects.toThrow(/foreign key/);
    });

    it('appends an audit event on a transition and refuses one from the wrong state', async () => {
      const { hold } = await store.holds.insertHoldIfAbsent(holdFor({ holdKey: 'transition-key', accountId: 'acct-transition' }));
      const { hold: released, event } = await store.holds.transitionHold(hold.id, {
        expectedFrom: 'open',
        to: 'released',
        actor: 'analyst:j.doe',
        reason: 'false positive: deposit refunded to source, case COMP-2291',
      });
      expect(released.state).toBe('released');
      expect(event).toMatchObject({ fromState: 'open', toState: 'released', actor: 'analyst:j.doe' });

      await expect(
        store.holds.transitionHold(hold.id, { expectedFrom: 'open', to: 'confirmed', actor: 'analyst:k.lee', reason: null }),
      ).rejects.toThrow(HoldStateConflict);
      expect((await store.holds.holdEvents(hold.id)).map((e) => `${e.fromState}->${e.toState}`)).toEqual(['null->open', 'open->released']);
      expect((await store.holds.getHold(hold.id))?.state).toBe('released');

      expect((await store.holds.listHolds({ accountId: 'acct-transition', limit: 10 })).map((h) => h.id)).toEqual([hold.id]);
      expect((await store.holds.listHolds({ state: 'released', limit: 10 })).every((h) => h.state === 'released')).toBe(true);
    });

    it('lists holds by chain and by list, newest first, and finds the entry a hold cites with where it was read', async () => {
      const a = (await store.holds.insertHoldIfAbsent(holdFor({ holdKey: 'filter-eth', accountId: 'acct-filter', chain: 'ethereum' }))).hold;
      const b = (await store.holds.insertHoldIfAbsent(holdFor({ holdKey: 'filter-poly', accountId: 'acct-filter', chain: 'polygon' }))).hold;
      const ids = async (f: { chain?: string; listId?: string }) => (await store.holds.listHolds({ accountId: 'acct-filter', limit: 10, ...f })).map((h) => h.id);
      expect(await ids({})).toEqual([b.id, a.id]);
      expect(await ids({ chain: 'polygon' })).toEqual([b.id]);
      expect(await ids({ listId: sdn })).toEqual([b.id, a.id]);
      expect(await ids({ listId: 'no-such-list', chain: 'ethereum' })).toEqual([]);
      const entry = await store.lists.snapshotEntry(sdn, sdnVersion, tornadoEntry.entryUid);
      expect(entry).toMatchObject({ entryUid: tornadoEntry.entryUid, listId: sdn, listVersion: sdnVersion, source: tornadoEntry.source });
      expect(await store.lists.snapshotEntry(sdn, sdnVersion, 'sdn:0:ETH:0xnone')).toBeNull();
    });

    it('refuses UPDATE, DELETE and TRUNCATE on the audit trail', async () => {
      const { hold } = await store.holds.insertHoldIfAbsent(holdFor({ holdKey: 'audit-key' }));
      await expect(store.db.query(`UPDATE hold_events SET actor = 'someone-else' WHERE hold_id = $1`, [hold.id])).rejects.toThrow(
        /hold_events is append-only: UPDATE refused/,
      );
      await expect(store.db.query('DELETE FROM hold_events WHERE hold_id = $1', [hold.id])).rejects.toThrow(
        /hold_events is append-only: DELETE refused/,
      );
      await expect(store.db.query('TRUNCATE hold_events CASCADE')).rejects.toThrow(/append-only: TRUNCATE refused/);
      await expect(store.db.query('DELETE FROM holds WHERE id = $1', [hold.id])).rejects.toThrow(/foreign key/);
      expect(await store.holds.holdEvents(hold.id)).toHaveLength(1);
    });

    it('rolls back every repo together when a store transaction fails', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.cursors.setCursor('contract-tx', { number: 5n, hash: '0x05' });
          await tx.accounts.upsertWatchedAddress({ chain: 'contract-tx', address: '0x00000000000000000000000000000000000000c1' as NormalisedAddress, accountId: 'acct-tx', kind: 'deposit' });
          throw new Error('enqueue failed');
        }),
      ).rejects.toThrow('enqueue failed');
      expect(await store.cursors.getCursor('contract-tx')).toBeNull();
      expect(await store.accounts.findWatchedAddresses('contract-tx', ['0x00000000000000000000000000000000000000c1' as NormalisedAddress])).toEqual([]);
    });

    it('lets one sender claim an alert per channel; a failed send or an expired claim can be retried', async () => {
      const key = `hold:${TORNADO}:opened`;
      expect(await store.alerts.claimAlert('pagerduty', key, 'hold_raised', 60_000)).toBe('claimed');
      expect(await store.alerts.claimAlert('pagerduty', key, 'hold_raised', 60_000)).toBe('busy'); // another sender has it
      await store.alerts.finishAlert('pagerduty', key, 'sent');
      expect(await store.alerts.claimAlert('pagerduty', key, 'hold_raised', 60_000)).toBe('sent'); // never again
      expect(await store.alerts.claimAlert('slack', key, 'hold_raised', 60_000)).toBe('claimed'); // per channel

      expect(await store.alerts.claimAlert('webhook', key, 'hold_raised', 60_000)).toBe('claimed');
      await store.alerts.finishAlert('webhook', key, 'failed');
      expect(await store.alerts.claimAlert('webhook', key, 'hold_raised', 60_000)).toBe('claimed');

      expect(await store.alerts.claimAlert('siem', key, 'hold_raised', 1)).toBe('claimed');
      await new Promise((r) => setTimeout(r, 20)); // the claimer died: its lease runs out
      expect(await store.alerts.claimAlert('siem', key, 'hold_raised', 60_000)).toBe('claimed');
      await store.alerts.extendClaim('siem', key, 60_000);
      expect(await store.alerts.claimAlert('siem', key, 'hold_raised', 60_000)).toBe('busy');
    });

  });
}
