import type { CordonConfig } from '../config/schema.js';
import type { ListPolicy } from '../domain/match.js';
import { listId, type ListId } from '../domain/sanction-entry.js';
import type { Logger } from '../log/logger.js';
import { loadActiveLists, loadListVersions, type ActiveLists } from '../sanctions/active-lists.js';
import type { SnapshotStore } from '../sanctions/snapshot-store.js';
import { NoListLoaded, PinnedListMissing } from './job-errors.js';

export interface ListRules {
  readonly policy: ListPolicy;
  readonly authority: string;
}

/**
 * The sanctions index a screen worker uses: the active snapshot of every list, reloaded when a
 * refresh stores a new version (checked at most every `checkEveryMs`), plus indexes pinned to
 * older versions for replays. A list in the store but not in the config only alerts.
 */
export class ListIndexCache {
  private active: { lists: ActiveLists; versions: string; checkedAt: number } | null = null;
  private readonly pinned = new Map<string, ActiveLists>();

  constructor(
    private readonly store: SnapshotStore,
    private readonly config: CordonConfig,
    private readonly log: Logger,
    private readonly checkEveryMs = 5_000,
  ) {}

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
    const signature = [...versions].sort().map(([id, v]) => `${id}@${v}`).join(',');
    if (this.active?.versions === signature) {
      this.active.checkedAt = now;
      return this.active.lists;
    }
    const lists = await loadActiveLists(this.store);
    // The commands that start workers load the configured lists first, so this is not a race
    // with a first load: retrying would only wait for a person (see NoListLoaded).
    if (lists.snapshots.size === 0) throw new NoListLoaded();
    this.active = { lists, versions: signature, checkedAt: now };
    this.log.info({ lists: signature, entries: lists.entryCount }, 'sanctions index loaded');
    return lists;
  }

  async pinnedTo(versions: Readonly<Record<string, number>>): Promise<ActiveLists> {
    const key = Object.entries(versions).sort().map(([id, v]) => `${id}@${v}`).join(',');
    let lists = this.pinned.get(key);
    if (!lists) {
      const snapshots = await this.store.listSnapshots();
      for (const [id, version] of Object.entries(versions)) {
        if (snapshots.some((s) => s.listId === id && s.version === version)) continue;
        throw new PinnedListMissing(id, version, snapshots.filter((s) => s.listId === id).map((s) => s.version).sort((a, b) => a - b));
      }
      lists = await loadListVersions(this.store, new Map(Object.entries(versions).map(([id, v]) => [listId(id) as ListId, v])));
      if (this.pinned.size >= 4) this.pinned.clear();
      this.pinned.set(key, lists);
    }
    return lists;
  }
}
