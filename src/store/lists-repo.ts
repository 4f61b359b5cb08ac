import type { AddressFamily } from '../domain/address-family.js';
import { ADDRESS_FAMILIES } from '../domain/address-family.js';
import type { NormalisedAddress } from '../domain/address.js';
import {
  describeLocation,
  type EntryDraft,
  type ListId,
  type SanctionEntry,
  type SourceLocation,
} from '../domain/sanction-entry.js';
import type { Db } from './db.js';
import { DuplicateEntryUid } from './errors.js';
import { one, toDate, toEnum, toSafeNumber, toStringArray } from './convert.js';

export interface ListSnapshot {
  readonly listId: ListId;
  readonly version: number;
  readonly contentHash: string;
  readonly source: string;
  readonly entryCount: number;
  readonly addedCount: number;
  readonly removedCount: number;
  readonly fetchedAt: Date;
}

export interface NewSnapshot {
  readonly listId: ListId;
  readonly contentHash: string;
  /** Where the content came from (URL or path as configured). */
  readonly source: string;
  readonly entries: readonly EntryDraft[];
  readonly addedCount: number;
  readonly removedCount: number;
  readonly fetchedAt?: Date;
}

export const REFRESH_OUTCOMES = ['accepted', 'unchanged', 'rejected'] as const;
export type RefreshOutcome = (typeof REFRESH_OUTCOMES)[number];

export interface NewRefreshAttempt {
  readonly listId: ListId;
  readonly outcome: RefreshOutcome;
  /** Required when rejected: what was wrong, for the person on call. */
  readonly reason?: string | null;
  readonly contentHash?: string | null;
  /** The snapshot version accepted (required when accepted) or kept. */
  readonly version?: number | null;
  readonly entriesSeen: number;
  readonly rejectedLines: number;
  readonly attemptedAt?: Date;
}

export interface RefreshAttempt {
  readonly id: number;
  readonly listId: ListId;
  readonly attemptedAt: Date;
  readonly outcome: RefreshOutcome;
  readonly reason: string | null;
  readonly contentHash: string | null;
  readonly version: number | null;
  readonly entriesSeen: number;
  readonly rejectedLines: number;
}

export interface ListsRepo {
  /** Stores a new version (latest + 1) with all its entries, atomically; returns the version. */
  insertSnapshot(snapshot: NewSnapshot): Promise<number>;
  /** The active snapshot of a list, or null if it has none. */
  latestSnapshot(listId: ListId): Promise<ListSnapshot | null>;
  getSnapshot(listId: ListId, version: number): Promise<ListSnapshot | null>;
  /** All snapshots (of one list, or of every list), by list then newest version first. */
  listSnapshots(listId?: ListId): Promise<ListSnapshot[]>;
  /** The entries of a snapshot, ordered by entry uid. */
  snapshotEntries(listId: ListId, version: number): Promise<SanctionEntry[]>;
  /**
   * A page of a snapshot's entries, ordered by entry uid: at most `page.limit`, those after the
   * uid `page.after` when given. One primary-key range scan, so a reader takes a list of
   * millions a page at a time and never holds more than a page of rows.
   */
  snapshotEntriesPage(listId: ListId, version: number, page: EntryPage): Promise<SanctionEntry[]>;
  recordRefreshAttempt(attempt: NewRefreshAttempt): Promise<RefreshAttempt>;
  /** Newest first. */
  refreshAttempts(listId: ListId, limit: number): Promise<RefreshAttempt[]>;
}

/** Which entries of a snapshot `snapshotEntriesPage` returns. */
export interface EntryPage {
  readonly limit: number;
  /** The last entry uid already read. */
  readonly after?: string;
}

/** Entries per INSERT … SELECT FROM unnest(…): one round trip per chunk. */
const ENTRY_CHUNK = 1000;

interface SnapshotRow {
  list_id: string;
  version: number;
  content_hash: string;
  source: string;
  entry_count: number;
  added_count: number;
  removed_count: number;
  fetched_at: Date;
}

interface EntryRow {
  list_id: string;
  version: number;
  entry_uid: string;
  family: string;
  address: string;
  ticker: string;
  entity_name: string | null;
  programs: unknown;
  source_file: string;
  source_line: number | null;
  source_element: string | null;
}

interface AttemptRow {
  id: string;
  list_id: string;
  attempted_at: Date;
  outcome: string;
  reason: string | null;
  content_hash: string | null;
  version: number | null;
  entries_seen: number;
  rejected_lines: number;
}

const SNAPSHOT_COLUMNS =
  'list_id, version, content_hash, source, entry_count, added_count, removed_count, fetched_at';

function toSnapshot(r: SnapshotRow): ListSnapshot {
  return {
    listId: r.list_id as ListId,
    version: r.version,
    contentHash: r.content_hash,
    source: r.source,
    entryCount: r.entry_count,
    addedCount: r.added_count,
    removedCount: r.removed_count,
    fetchedAt: toDate(r.fetched_at, 'list_snapshots.fetched_at'),
  };
}

function toEntry(r: EntryRow): SanctionEntry {
  const source: SourceLocation = {
    file: r.source_file,
    ...(r.source_line !== null ? { line: r.source_line } : {}),
    ...(r.source_element !== null ? { element: r.source_element } : {}),
  };
  return {
    listId: r.list_id as ListId,
    listVersion: r.version,
    entryUid: r.entry_uid,
    address: r.address as NormalisedAddress,
    family: toEnum<AddressFamily>(r.family, ADDRESS_FAMILIES, 'list_entries.family'),
    ticker: r.ticker,
    entityName: r.entity_name,
    programs: toStringArray(r.programs, 'list_entries.programs'),
    source,
  };
}

function toAttempt(r: AttemptRow): RefreshAttempt {
  return {
    id: toSafeNumber(r.id, 'list_refresh_attempts.id'),
    listId: r.list_id as ListId,
    attemptedAt: toDate(r.attempted_at, 'list_refresh_attempts.attempted_at'),
    outcome: toEnum(r.outcome, REFRESH_OUTCOMES, 'list_refresh_attempts.outcome'),
    reason: r.reason,
    contentHash: r.content_hash,
    version: r.version,
    entriesSeen: r.entries_seen,
    rejectedLines: r.rejected_lines,
  };
}

function assertUniqueUids(listId: ListId, entries: readonly EntryDraft[]): void {
  const seen = new Map<string, SourceLocation>();
  for (const e of entries) {
    const first = seen.get(e.entryUid);
    if (first !== undefined) {
      throw new DuplicateEntryUid(listId, e.entryUid, [describeLocation(first), describeLocation(e.source)]);
    }
    seen.set(e.entryUid, e.source);
  }
}

async function insertEntries(tx: Db, listId: ListId, version: number, entries: readonly EntryDraft[]) {
  for (let start = 0; start < entries.length; start += ENTRY_CHUNK) {
    const chunk = entries.slice(start, start + ENTRY_CHUNK);
    await tx.query(
      `INSERT INTO list_entries (list_id, version, entry_uid, family, address, ticker, entity_name,
                                 programs, source_file, source_line, source_element)
       SELECT $1, $2, u.entry_uid, u.family, u.address, u.ticker, u.entity_name,
              u.programs::jsonb, u.source_file, u.source_line, u.source_element
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::text[], $10::int[], $11::text[])
         AS u(entry_uid, family, address, ticker, entity_name,
              programs, source_file, source_line, source_element)`,
      [
        listId,
        version,
        chunk.map((e) => e.entryUid),
        chunk.map((e) => e.family),
        chunk.map((e) => e.address),
        chunk.map((e) => e.ticker),
        chunk.map((e) => e.entityName),
        chunk.map((e) => JSON.stringify(e.programs)),
        chunk.map((e) => e.source.file),
        chunk.map((e) => e.source.line ?? null),
        chunk.map((e) => e.source.element ?? null),
      ],
    );
  }
}

export function listsRepo(db: Db): ListsRepo {
  return {
    async insertSnapshot(s) {
      assertUniqueUids(s.listId, s.entries);
      return db.transaction(async (tx) => {
        // Two refreshes of the same list at once must not pick the same version.
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('cordon.list:' || $1::text))`, [s.listId]);
        const next = one(
          await tx.query<{ next: number }>(
            'SELECT COALESCE(MAX(version), 0) + 1 AS next FROM list_snapshots WHERE list_id = $1',
            [s.listId],
          ),
          'next list version',
        ).next;
        await tx.query(
          `INSERT INTO list_snapshots (${SNAPSHOT_COLUMNS})
           VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8::timestamptz, now()))`,
          [
            s.listId,
            next,
            s.contentHash,
            s.source,
            s.entries.length,
            s.addedCount,
            s.removedCount,
            s.fetchedAt ?? null,
          ],
        );
        await insertEntries(tx, s.listId, next, s.entries);
        return next;
      });
    },

    async latestSnapshot(listId) {
      const rows = await db.query<SnapshotRow>(
        `SELECT ${SNAPSHOT_COLUMNS} FROM list_snapshots WHERE list_id = $1 ORDER BY version DESC LIMIT 1`,
        [listId],
      );
      return rows[0] ? toSnapshot(rows[0]) : null;
    },

    async getSnapshot(listId, version) {
      const rows = await db.query<SnapshotRow>(
        `SELECT ${SNAPSHOT_COLUMNS} FROM list_snapshots WHERE list_id = $1 AND version = $2`,
        [listId, version],
      );
      return rows[0] ? toSnapshot(rows[0]) : null;
    },

    async listSnapshots(listId) {
      const rows = await db.query<SnapshotRow>(
        `SELECT ${SNAPSHOT_COLUMNS} FROM list_snapshots
         WHERE $1::text IS NULL OR list_id = $1 ORDER BY list_id, version DESC`,
        [listId ?? null],
      );
      return rows.map(toSnapshot);
    },

    async snapshotEntries(listId, version) {
      const rows = await db.query<EntryRow>(
        `SELECT list_id, version, entry_uid, family, address, ticker, entity_name, programs,
                source_file, source_line, source_element
         FROM list_entries WHERE list_id = $1 AND version = $2 ORDER BY entry_uid`,
        [listId, version],
      );
      return rows.map(toEntry);
    },

    async snapshotEntriesPage(listId, version, page) {
      const columns = `list_id, version, entry_uid, family, address, ticker, entity_name, programs,
                source_file, source_line, source_element`;
      const rows =
        page.after === undefined
          ? await db.query<EntryRow>(
              `SELECT ${columns} FROM list_entries WHERE list_id = $1 AND version = $2
               ORDER BY entry_uid LIMIT $3`,
              [listId, version, page.limit],
            )
          : await db.query<EntryRow>(
              `SELECT ${columns} FROM list_entries WHERE list_id = $1 AND version = $2 AND entry_uid > $3
               ORDER BY entry_uid LIMIT $4`,
              [listId, version, page.after, page.limit],
            );
      return rows.map(toEntry);
    },

    async recordRefreshAttempt(a) {
      const row = one(
        await db.query<AttemptRow>(
          `INSERT INTO list_refresh_attempts
             (list_id, attempted_at, outcome, reason, content_hash, version, entries_seen, rejected_lines)
           VALUES ($1, COALESCE($2::timestamptz, now()), $3, $4, $5, $6, $7, $8)
           RETURNING *`,
          [
            a.listId,
            a.attemptedAt ?? null,
            a.outcome,
            a.reason ?? null,
            a.contentHash ?? null,
            a.version ?? null,
            a.entriesSeen,
            a.rejectedLines,
          ],
        ),
        'insert refresh attempt',
      );
      return toAttempt(row);
    },

    async refreshAttempts(listId, limit) {
      const rows = await db.query<AttemptRow>(
        `SELECT * FROM list_refresh_attempts WHERE list_id = $1
         ORDER BY attempted_at DESC, id DESC LIMIT $2`,
        [listId, limit],
      );
      return rows.map(toAttempt);
    },
  };
}
