import type { CordonConfig } from '../config/schema.js';
import type { ListPolicy } from '../domain/match.js';
import { listId, type ListId } from '../domain/sanction-entry.js';
import type { Logger } from '../log/logger.js';
import { loadActiveLists, loadListVersions, SnapshotIndexLoader, type ActiveLists } from '../sanctions/active-lists.js';
import type { SnapshotInfo, SnapshotStore } from '../sanctions/snapshot-store.js';
import { NoListLoaded, PinnedListMissing } from './job-errors.js';

export interface ListRules {
  readonly policy: ListPolicy;
  readonly authority: string;
}

/**
 * The sanctions index a screen worker uses: the active snapshot of every list, reloaded when a
 * refresh stores a new version (checked at most every `checkEveryMs`), plus indexes pinned to
 * older versions for replays. A list in the store but not in the config only alerts.
 *
 * However many jobs ask at once, each list version is read from the store once: they wait for
 * the same load (a list of millions takes seconds and hundreds of megabytes). A new version of
 * one list reads that version only; the other lists' indexes are reused. A load that fails
 * fails the jobs that waited for it, and the next job loads again.
 */
export class ListIndexCache {
  private active: { lists: ActiveLists; versions: string; checkedAt: number } | null = null;
  /** The reload in flight, for the versions it was started for. */
  private reload: { versions: string; lists: Promise<ActiveLists> } | null = null;
  private readonly pinned = new Map<string, { lists: Promise<ActiveLists>; loaded?: ActiveLists }>();
  private readonly loader: SnapshotIndexLoader;

  constructor(
    private readonly store: SnapshotStore,
    private readonly config: CordonConfig,
    private readonly log: Logger,
    private readonly checkEveryMs = 5_000,
  ) {
    this.loader = new SnapshotIndexLoader(store);
  }

  /** The index last loaded by `current()`, without waiting (null before the first load). */
  lastIndex(): ActiveLists['index'] | null {
    return this.active?.lists.index ?? null;
  }

  rules(id: string): ListRules {
    const list = this.config.lists.find((l) => l.id === id);
    return list
      ? { policy: list.policy, authority: list.authority }
      : { policy: 'alert', authority: `list ${id} (not configured)` };
  }

  async current(): Promise<ActiveLists> {
    const now = Date.now();
    if (this.active && now - this.active.checkedAt < this.checkEveryMs) return this.active.lists;
    const versions = (await this.store.listSnapshots())
      .reduce((latest, s) => latest.set(s.listId, Math.max(latest.get(s.listId) ?? 0, s.version)), new Map<string, number>());
    const signature = signatureOf(versions);
    if (this.active?.versions === signature) {
      this.active.checkedAt = now;
      return this.active.lists;
    }
    if (this.reload?.versions !== signature) {
      const lists = this.loadActive(signature, now);
      const reload = { versions: signature, lists };
      this.reload = reload;
      const done = (): void => {
        if (this.reload === reload) this.reload = null;
      };
      lists.then(done, done);
    }
    return this.reload.lists;
  }

  private async loadActive(signature: string, startedAt: number): Promise<ActiveLists> {
    const t0 = Date.now();
    const lists = await loadActiveLists(this.store, undefined, this.loader);
    // The commands that start workers load the configured lists first, so this is not a race
    // with a first load: retrying would only wait for a person (see NoListLoaded).
    if (lists.snapshots.size === 0) throw new NoListLoaded();
    // The versions loaded, which a refresh stored meanwhile may have made newer than asked.
    const loaded = signatureOf(new Map([...lists.snapshots].map(([id, s]) => [id, s.version])));
    if (this.active === null || this.active.checkedAt <= startedAt) {
      this.active = { lists, versions: loaded, checkedAt: startedAt };
      this.retainInUse();
    }
    this.log.info({ lists: loaded, asked: signature === loaded ? undefined : signature, entries: lists.entryCount, ms: Date.now() - t0 }, 'sanctions index loaded');
    return lists;
  }

  async pinnedTo(versions: Readonly<Record<string, number>>): Promise<ActiveLists> {
    const key = signatureOf(new Map(Object.entries(versions)));
    let pin = this.pinned.get(key);
    if (pin === undefined) {
      const lists = this.loadPinned(versions);
      const started: { lists: Promise<ActiveLists>; loaded?: ActiveLists } = { lists };
      pin = started;
      if (this.pinned.size >= 4) this.pinned.clear();
      this.pinned.set(key, started);
      lists.then(
        (loaded) => {
          started.loaded = loaded;
          this.retainInUse();
        },
        () => {
          // Not remembered: a version stored later, or a store back up, loads at the next ask.
          if (this.pinned.get(key) === started) this.pinned.delete(key);
        },
      );
    }
    return pin.lists;
  }

  private async loadPinned(versions: Readonly<Record<string, number>>): Promise<ActiveLists> {
    const snapshots = await this.store.listSnapshots();
    for (const [id, version] of Object.entries(versions)) {
      if (snapshots.some((s) => s.listId === id && s.version === version)) continue;
      throw new PinnedListMissing(id, version, snapshots.filter((s) => s.listId === id).map((s) => s.version).sort((a, b) => a - b));
    }
    return loadListVersions(this.store, new Map(Object.entries(versions).map(([id, v]) => [listId(id) as ListId, v])), this.loader);
  }

  /** Lets the loader drop list versions that neither the active index nor a replay uses. */
  private retainInUse(): void {
    const inUse: SnapshotInfo[] = [];
    for (const lists of [this.active?.lists, ...[...this.pinned.values()].map((p) => p.loaded)]) {
      for (const snap of lists?.snapshots.values() ?? []) inUse.push(snap);
    }
    this.loader.retainOnly(inUse);
  }
}

function signatureOf(versions: ReadonlyMap<string, number>): string {
  return [...versions].sort().map(([id, v]) => `${id}@${v}`).join(',');
}
