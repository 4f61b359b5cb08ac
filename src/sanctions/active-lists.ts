import type { ListId, SanctionEntry } from '../domain/sanction-entry.js';
import { AddressIndex } from './address-index.js';
import type { SnapshotInfo, SnapshotStore } from './snapshot-store.js';

export interface ActiveLists {
  /** The active (newest) snapshot of each list, by list id. */
  readonly snapshots: ReadonlyMap<ListId, SnapshotInfo>;
  readonly index: AddressIndex;
  readonly entryCount: number;
}

/** Loads the active snapshot of every stored list (or of `only`) into one in-memory index. */
export async function loadActiveLists(store: SnapshotStore, only?: ReadonlySet<string>): Promise<ActiveLists> {
  const snapshots = new Map<ListId, SnapshotInfo>();
  for (const snap of await store.listSnapshots()) {
    if (only && !only.has(snap.listId)) continue;
    const seen = snapshots.get(snap.listId);
    if (!seen || snap.version > seen.version) snapshots.set(snap.listId, snap);
  }
  const entries: SanctionEntry[] = [];
  for (const snap of snapshots.values()) entries.push(...(await store.snapshotEntries(snap.listId, snap.version)));
  return { snapshots, index: new AddressIndex(entries), entryCount: entries.length };
}

/** Loads exactly the given versions (a replay pinned to the lists of a past day). */
export async function loadListVersions(store: SnapshotStore, versions: ReadonlyMap<ListId, number>): Promise<ActiveLists> {
  const snapshots = new Map<ListId, SnapshotInfo>();
  const entries: SanctionEntry[] = [];
  const all = await store.listSnapshots();
  for (const [id, version] of versions) {
    const snap = all.find((s) => s.listId === id && s.version === version);
    if (!snap) throw new Error(`list ${id} has no version ${version}`);
    snapshots.set(id, snap);
    entries.push(...(await store.snapshotEntries(id, version)));
  }
  return { snapshots, index: new AddressIndex(entries), entryCount: entries.length };
}
