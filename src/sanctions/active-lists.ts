import type { ListId } from '../domain/sanction-entry.js';
import { AddressIndex, SnapshotIndexBuilder, type SnapshotIndex } from './address-index.js';
import { decodeIndexImage, encodeIndexImage, IndexImageUnreadable } from './index-image.js';
import type { SnapshotInfo, SnapshotStore } from './snapshot-store.js';

export interface ActiveLists {
  /** The active (newest) snapshot of each list, by list id. */
  readonly snapshots: ReadonlyMap<ListId, SnapshotInfo>;
  readonly index: AddressIndex;
  readonly entryCount: number;
}

/** Rows per store read while a list version is indexed (a few megabytes of rows at a time). */
export const ENTRY_PAGE_SIZE = 10_000;

/** Thrown when a list version's entries could not be read from the store. */
export class ListIndexLoadFailed extends Error {
  override readonly name = 'ListIndexLoadFailed';
  constructor(
    readonly listId: ListId,
    readonly version: number,
    readonly entriesRead: number,
    cause: unknown,
  ) {
    super(
      `loading list ${listId} version ${version} into the sanctions index failed after ${entriesRead} entries: ` +
        `${cause instanceof Error ? cause.message : String(cause)}; check that the store is reachable, then retry (screen jobs retry by themselves)`,
      { cause },
    );
  }
}

/**
 * Reads one list version from the store a page at a time into its compact index, so that the
 * rows of a list of millions are never all held at once.
 */
export async function loadSnapshotIndex(store: SnapshotStore, snap: SnapshotInfo, pageSize = ENTRY_PAGE_SIZE): Promise<SnapshotIndex> {
  // The image stored with the version: one value to read (index-image.ts).
  let image: string | null = null;
  try {
    image = (await store.indexImage?.(snap.listId, snap.version)) ?? null;
  } catch (err) {
    throw new ListIndexLoadFailed(snap.listId, snap.version, 0, err);
  }
  if (image !== null) {
    try {
      return decodeIndexImage(snap.listId, snap.version, image, snap.entryCount);
    } catch (err) {
      if (!(err instanceof IndexImageUnreadable)) throw err;
      // Derived data: read the entries, and write a good image over the bad one below.
    }
  }
  const index = await loadIndexFromEntries(store, snap, pageSize);
  // A version stored before images were (or by a path that wrote none): the next load is fast.
  await store.saveIndexImage?.(snap.listId, snap.version, encodeIndexImage(index)).catch(() => undefined);
  return index;
}

async function loadIndexFromEntries(store: SnapshotStore, snap: SnapshotInfo, pageSize: number): Promise<SnapshotIndex> {
  const builder = new SnapshotIndexBuilder(snap.listId, snap.version, snap.entryCount);
  let after: string | undefined;
  try {
    for (;;) {
      const page = await store.snapshotEntriesPage(snap.listId, snap.version, after === undefined ? { limit: pageSize } : { limit: pageSize, after });
      for (const e of page) builder.add(e);
      const last = page.at(-1);
      if (last !== undefined) after = last.entryUid;
      if (page.length < pageSize) break;
    }
  } catch (err) {
    throw new ListIndexLoadFailed(snap.listId, snap.version, builder.entryCount, err);
  }
  return builder.build();
}

/**
 * Indexes of list versions, each read from the store once however many callers ask for it at
 * the same time: they share the load in flight. A load that fails is forgotten, so the next
 * caller reads again. Loaded indexes are kept until `retainOnly` lets them go.
 */
export class SnapshotIndexLoader {
  readonly #loads = new Map<string, { readonly index: Promise<SnapshotIndex>; settled: boolean }>();

  constructor(
    private readonly store: SnapshotStore,
    private readonly pageSize = ENTRY_PAGE_SIZE,
  ) {}

  load(snap: SnapshotInfo): Promise<SnapshotIndex> {
    const key = versionKey(snap.listId, snap.version);
    const known = this.#loads.get(key);
    if (known !== undefined) return known.index;
    const load = { index: loadSnapshotIndex(this.store, snap, this.pageSize), settled: false };
    this.#loads.set(key, load);
    load.index.then(
      () => {
        load.settled = true;
      },
      () => {
        if (this.#loads.get(key) === load) this.#loads.delete(key);
      },
    );
    return load.index;
  }

  /** Lets go of every loaded version but those of `keep` (the ones in use); loads in flight stay. */
  retainOnly(keep: Iterable<{ readonly listId: ListId; readonly version: number }>): void {
    const kept = new Set<string>();
    for (const s of keep) kept.add(versionKey(s.listId, s.version));
    for (const [key, load] of [...this.#loads]) if (load.settled && !kept.has(key)) this.#loads.delete(key);
  }
}

function versionKey(list: ListId, version: number): string {
  return `${list}@${version}`;
}

async function indexOf(snapshots: ReadonlyMap<ListId, SnapshotInfo>, loader: SnapshotIndexLoader): Promise<ActiveLists> {
  const parts = await Promise.all([...snapshots.values()].map((snap) => loader.load(snap)));
  const index = AddressIndex.of(parts);
  return { snapshots, index, entryCount: index.entryCount };
}

/** Loads the active snapshot of every stored list (or of `only`) into one in-memory index. */
export async function loadActiveLists(
  store: SnapshotStore,
  only?: ReadonlySet<string>,
  loader: SnapshotIndexLoader = new SnapshotIndexLoader(store),
): Promise<ActiveLists> {
  const snapshots = new Map<ListId, SnapshotInfo>();
  for (const snap of await store.listSnapshots()) {
    if (only && !only.has(snap.listId)) continue;
    const seen = snapshots.get(snap.listId);
    if (!seen || snap.version > seen.version) snapshots.set(snap.listId, snap);
  }
  return indexOf(snapshots, loader);
}

/** Loads exactly the given versions (a replay pinned to the lists of a past day). */
export async function loadListVersions(
  store: SnapshotStore,
  versions: ReadonlyMap<ListId, number>,
  loader: SnapshotIndexLoader = new SnapshotIndexLoader(store),
): Promise<ActiveLists> {
  const snapshots = new Map<ListId, SnapshotInfo>();
  const all = await store.listSnapshots();
  for (const [id, version] of versions) {
    const snap = all.find((s) => s.listId === id && s.version === version);
    if (!snap) throw new Error(`list ${id} has no version ${version}`);
    snapshots.set(id, snap);
  }
  return indexOf(snapshots, loader);
}
