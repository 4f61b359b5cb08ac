import type { EntryDraft, ListId, SanctionEntry } from '../domain/sanction-entry.js';

/**
 * What sanctions/ needs from persistence, stated here so this part depends on no store code
 * (the store's lists repository fulfils it).
 */
export interface SnapshotInfo {
  readonly listId: ListId;
  readonly version: number;
  readonly contentHash: string;
  readonly source: string;
  readonly entryCount: number;
  readonly fetchedAt: Date;
}

export interface SnapshotStore {
  latestSnapshot(listId: ListId): Promise<SnapshotInfo | null>;
  listSnapshots(listId?: ListId): Promise<SnapshotInfo[]>;
  snapshotEntries(listId: ListId, version: number): Promise<SanctionEntry[]>;
  /** At most `page.limit` entries ordered by entry uid, after the uid `page.after` when given. */
  snapshotEntriesPage(listId: ListId, version: number, page: { readonly limit: number; readonly after?: string }): Promise<SanctionEntry[]>;
  insertSnapshot(snapshot: {
    listId: ListId;
    contentHash: string;
    source: string;
    entries: readonly EntryDraft[];
    addedCount: number;
    removedCount: number;
  }): Promise<number>;
  recordRefreshAttempt(attempt: {
    listId: ListId;
    outcome: 'accepted' | 'unchanged' | 'rejected';
    reason?: string | null;
    contentHash?: string | null;
    version?: number | null;
    entriesSeen: number;
    rejectedLines: number;
  }): Promise<unknown>;
}
