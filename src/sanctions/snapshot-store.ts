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

/** A version the drop check refused, waiting for a person (the store's `PendingVersion`). */
export interface PendingInfo {
  readonly id: number;
  readonly listId: ListId;
  readonly contentHash: string;
  readonly source: string;
  readonly about: string | null;
  readonly reason: string;
  readonly baseVersion: number | null;
  readonly entryCount: number;
  readonly fetchedAt: Date;
}

/** A person's approval, kept in the append-only audit with the version it activates. */
export interface ApprovalInput {
  readonly by: string;
  readonly reason: string;
  readonly via: 'approve' | 'allow-drop';
  readonly pendingId?: number;
  readonly fromVersion: number | null;
  readonly addedCount: number;
  readonly removedCount: number;
  readonly changedCount: number;
}

export interface SnapshotStore {
  latestSnapshot(listId: ListId): Promise<SnapshotInfo | null>;
  listSnapshots(listId?: ListId): Promise<SnapshotInfo[]>;
  snapshotEntries(listId: ListId, version: number): Promise<SanctionEntry[]>;
  /** At most `page.limit` entries ordered by entry uid, after the uid `page.after` when given. */
  snapshotEntriesPage(listId: ListId, version: number, page: { readonly limit: number; readonly after?: string }): Promise<SanctionEntry[]>;
  /** One entry of a snapshot by its uid, or null (e.g. the entry a hold cites, with where it was read). */
  snapshotEntry(listId: ListId, version: number, entryUid: string): Promise<SanctionEntry | null>;
  insertSnapshot(snapshot: {
    listId: ListId;
    contentHash: string;
    source: string;
    entries: readonly EntryDraft[];
    addedCount: number;
    removedCount: number;
    approval?: ApprovalInput;
    indexImage?: string;
  }): Promise<number>;
  /** A version's index image (index-image.ts); absent: this store keeps none. */
  indexImage?(listId: ListId, version: number): Promise<string | null>;
  saveIndexImage?(listId: ListId, version: number, image: string): Promise<void>;
  savePendingVersion(p: {
    listId: ListId;
    contentHash: string;
    source: string;
    about: string | null;
    reason: string;
    baseVersion: number | null;
    entries: readonly EntryDraft[];
  }): Promise<{ pending: PendingInfo; created: boolean; replaced: PendingInfo | null }>;
  pendingVersion(listId: ListId): Promise<PendingInfo | null>;
  pendingEntries(pendingId: number): Promise<EntryDraft[]>;
  supersedePending(listId: ListId): Promise<number>;
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
