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
import { DuplicateEntryUid, PendingVersionNotFound, StoreDataError } from './errors.js';
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
  /** The version's index image (sanctions/index-image.ts), stored with it so that loading it reads one value. */
  readonly indexImage?: string;
  /**
   * A person's approval of this version (the drop check overridden, or a pending version
   * approved): appended to the audit in the same transaction. With `pendingId`, that pending
   * version must still be pending, and becomes approved.
   */
  readonly approval?: NewApproval;
}

export const APPROVAL_VIAS = ['approve', 'allow-drop'] as const;
export type ApprovalVia = (typeof APPROVAL_VIAS)[number];

export interface NewApproval {
  readonly by: string;
  readonly reason: string;
  readonly via: ApprovalVia;
  readonly pendingId?: number;
  readonly fromVersion: number | null;
  readonly addedCount: number;
  readonly removedCount: number;
  readonly changedCount: number;
}

/** One approval in the append-only audit (the database refuses UPDATE and DELETE on it). */
export interface ListApproval {
  readonly id: number;
  readonly listId: ListId;
  readonly at: Date;
  readonly approvedBy: string;
  readonly reason: string;
  readonly via: ApprovalVia;
  readonly pendingId: number | null;
  readonly fromVersion: number | null;
  readonly toVersion: number;
  readonly contentHash: string;
  readonly entryCount: number;
  readonly addedCount: number;
  readonly removedCount: number;
  readonly changedCount: number;
}

/** What a version's activation must do after it commits (migration 014). */
export const VERSION_EFFECTS = ['hold-basis', 'rescreen'] as const;
export type VersionEffect = (typeof VERSION_EFFECTS)[number];

/** A stored version with effects not yet recorded as finished. */
export interface VersionAwaitingEffects {
  readonly listId: ListId;
  readonly version: number;
  /** When it was stored, i.e. became active. */
  readonly activatedAt: Date;
  readonly missing: readonly VersionEffect[];
}

/** What a version changed against the one before it, by entry uid (as `diffEntries`). */
export interface StoredVersionDiff {
  readonly added: SanctionEntry[];
  readonly removed: SanctionEntry[];
  readonly changed: { readonly before: SanctionEntry; readonly after: SanctionEntry }[];
}

/** A version the drop check refused, waiting for a person. Never screened until approved. */
export interface PendingVersion {
  readonly id: number;
  readonly listId: ListId;
  readonly contentHash: string;
  readonly source: string;
  /** What the source says about itself (e.g. OFAC's date of issue). */
  readonly about: string | null;
  /** Why it was refused. */
  readonly reason: string;
  /** The active version when it was downloaded. */
  readonly baseVersion: number | null;
  readonly entryCount: number;
  readonly fetchedAt: Date;
}

export interface NewPendingVersion {
  readonly listId: ListId;
  readonly contentHash: string;
  readonly source: string;
  readonly about: string | null;
  readonly reason: string;
  readonly baseVersion: number | null;
  readonly entries: readonly EntryDraft[];
}

export interface SavedPending {
  readonly pending: PendingVersion;
  /** False when the same content was already pending (nothing new stored). */
  readonly created: boolean;
  /** The older pending version this one replaced, if any. */
  readonly replaced: PendingVersion | null;
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
  /** One entry of a snapshot by its uid (e.g. the one a hold cites), or null. */
  snapshotEntry(listId: ListId, version: number, entryUid: string): Promise<SanctionEntry | null>;
  recordRefreshAttempt(attempt: NewRefreshAttempt): Promise<RefreshAttempt>;
  /** Newest first. */
  refreshAttempts(listId: ListId, limit: number): Promise<RefreshAttempt[]>;
  /**
   * Keeps a version the drop check refused as the list's pending one. The same content already
   * pending is kept as is; other content replaces the older pending version (superseded).
   */
  savePendingVersion(p: NewPendingVersion): Promise<SavedPending>;
  /** The version of a list awaiting approval, if any. */
  pendingVersion(listId: ListId): Promise<PendingVersion | null>;
  /** Every version awaiting approval (of one list, or of all), by list. */
  pendingVersions(listId?: ListId): Promise<PendingVersion[]>;
  /** The entries of a pending version, ordered by entry uid. */
  pendingEntries(pendingId: number): Promise<EntryDraft[]>;
  /** Marks a list's pending version superseded (a newer download was accepted or is unchanged); returns how many. */
  supersedePending(listId: ListId): Promise<number>;
  /** The approval audit of a list (or of all lists), oldest first. */
  listApprovals(listId?: ListId): Promise<ListApproval[]>;
  /** The index image stored with a version (sanctions/index-image.ts), or null. */
  indexImage(listId: ListId, version: number): Promise<string | null>;
  /** Stores (or replaces) a version's index image. */
  saveIndexImage(listId: ListId, version: number, image: string): Promise<void>;
  /** Versions whose activation effects are not all recorded as finished, oldest first. */
  versionsAwaitingEffects(): Promise<VersionAwaitingEffects[]>;
  /** Records that an effect of a version finished (again: nothing changes). */
  recordVersionEffect(listId: ListId, version: number, effect: VersionEffect, summary: Readonly<Record<string, number>>): Promise<void>;
  /**
   * What `version` added, removed and changed against `version - 1` (everything added for the
   * first), computed by the store: the rows that differ are all that is read.
   */
  versionDiff(listId: ListId, version: number): Promise<StoredVersionDiff>;
}

/** Which entries of a snapshot `snapshotEntriesPage` returns. */
export interface EntryPage {
  readonly limit: number;
  /** The last entry uid already read. */
  readonly after?: string;
}

/**
 * Entries per INSERT … SELECT FROM unnest(…): one round trip per chunk. The statement has 11
 * parameters (arrays) whatever the chunk size, so only memory bounds it: a list of a million
 * entries is written in 20 round trips.
 */
const ENTRY_CHUNK = 50_000;

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

interface PendingRow {
  id: string;
  list_id: string;
  content_hash: string;
  source: string;
  about: string | null;
  reason: string;
  base_version: number | null;
  entry_count: number;
  fetched_at: Date;
}

interface ApprovalRow {
  id: string;
  list_id: string;
  at: Date;
  approved_by: string;
  reason: string;
  via: string;
  pending_id: string | null;
  from_version: number | null;
  to_version: number;
  content_hash: string;
  entry_count: number;
  added_count: number;
  removed_count: number;
  changed_count: number;
}

const PENDING_COLUMNS = 'id, list_id, content_hash, source, about, reason, base_version, entry_count, fetched_at';

function toPending(r: PendingRow): PendingVersion {
  return {
    id: toSafeNumber(r.id, 'list_pending_versions.id'),
    listId: r.list_id as ListId,
    contentHash: r.content_hash,
    source: r.source,
    about: r.about,
    reason: r.reason,
    baseVersion: r.base_version,
    entryCount: r.entry_count,
    fetchedAt: toDate(r.fetched_at, 'list_pending_versions.fetched_at'),
  };
}

function toApproval(r: ApprovalRow): ListApproval {
  return {
    id: toSafeNumber(r.id, 'list_approvals.id'),
    listId: r.list_id as ListId,
    at: toDate(r.at, 'list_approvals.at'),
    approvedBy: r.approved_by,
    reason: r.reason,
    via: toEnum(r.via, APPROVAL_VIAS, 'list_approvals.via'),
    pendingId: r.pending_id === null ? null : toSafeNumber(r.pending_id, 'list_approvals.pending_id'),
    fromVersion: r.from_version,
    toVersion: r.to_version,
    contentHash: r.content_hash,
    entryCount: r.entry_count,
    addedCount: r.added_count,
    removedCount: r.removed_count,
    changedCount: r.changed_count,
  };
}

/** A pending version's entries as stored (JSON of EntryDraft), checked field by field. */
function toEntryDrafts(value: unknown, column: string): EntryDraft[] {
  const raw: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(raw)) throw new StoreDataError(column, 'not an array');
  return raw.map((item: unknown, i): EntryDraft => {
    const at = `${column}[${i}]`;
    if (typeof item !== 'object' || item === null) throw new StoreDataError(at, 'not an object');
    const o = item as Record<string, unknown>;
    const str = (k: string): string => {
      const v = o[k];
      if (typeof v !== 'string' || v === '') throw new StoreDataError(`${at}.${k}`, 'not a non-empty string');
      return v;
    };
    const src = o['source'];
    if (typeof src !== 'object' || src === null) throw new StoreDataError(`${at}.source`, 'not an object');
    const s = src as Record<string, unknown>;
    if (typeof s['file'] !== 'string') throw new StoreDataError(`${at}.source.file`, 'not a string');
    const source: SourceLocation = {
      file: s['file'],
      ...(typeof s['line'] === 'number' ? { line: s['line'] } : {}),
      ...(typeof s['element'] === 'string' ? { element: s['element'] } : {}),
    };
    const name = o['entityName'];
    if (name !== null && typeof name !== 'string') throw new StoreDataError(`${at}.entityName`, 'not a string or null');
    return {
      entryUid: str('entryUid'),
      address: str('address') as NormalisedAddress,
      family: toEnum<AddressFamily>(o['family'], ADDRESS_FAMILIES, `${at}.family`),
      ticker: str('ticker'),
      entityName: name,
      programs: toStringArray(o['programs'], `${at}.programs`),
      source,
    };
  });
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

/** An entry's columns as one JSON array (no list id or version: the query names them); read by pageRowOf. */
const entryJson = (t: string): string =>
  `json_build_array(${t}.entry_uid, ${t}.family, ${t}.address, ${t}.ticker, ${t}.entity_name, ${t}.programs, ` +
  `${t}.source_file, ${t}.source_line, ${t}.source_element)`;

/** One entry read as `entryJson` (a JSON array in that column order). */
function pageRowOf(row: unknown, listId: ListId, version: number): EntryRow {
  if (!Array.isArray(row) || row.length !== 9) throw new StoreDataError('list_entries', `page row is not a 9-column array: ${JSON.stringify(row)}`);
  const [uid, family, address, ticker, name, programs, file, line, element] = row as unknown[];
  const text = (v: unknown, column: string): string => {
    if (typeof v !== 'string') throw new StoreDataError(`list_entries.${column}`, `not a string: ${JSON.stringify(v)}`);
    return v;
  };
  if (name !== null && typeof name !== 'string') throw new StoreDataError('list_entries.entity_name', 'not a string or null');
  if (line !== null && typeof line !== 'number') throw new StoreDataError('list_entries.source_line', 'not a number or null');
  if (element !== null && typeof element !== 'string') throw new StoreDataError('list_entries.source_element', 'not a string or null');
  return {
    list_id: listId,
    version,
    entry_uid: text(uid, 'entry_uid'),
    family: text(family, 'family'),
    address: text(address, 'address'),
    ticker: text(ticker, 'ticker'),
    entity_name: name,
    programs,
    source_file: text(file, 'source_file'),
    source_line: line,
    source_element: element,
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

/**
 * Characters per stored part of an index image. The embedded store grows its memory to the
 * largest value it handles and keeps it: a 100 MB image read whole left a process 800 MB larger.
 */
const IMAGE_PART = 4_000_000;

/** Writes an image in parts; it must be ASCII (index-image.ts escapes the rest), so a cut never splits a character. */
async function writeIndexImage(tx: Db, listId: ListId, version: number, image: string): Promise<void> {
  if (!/^[\x00-\x7f]*$/.test(image)) throw new StoreDataError('list_index_images.image', 'an index image must be ASCII');
  for (let part = 0, at = 0; at < image.length || part === 0; part++, at += IMAGE_PART) {
    await tx.query('INSERT INTO list_index_images (list_id, version, part, image) VALUES ($1, $2, $3, $4)', [listId, version, part, image.slice(at, at + IMAGE_PART)]);
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
        if (s.indexImage !== undefined) await writeIndexImage(tx, s.listId, next, s.indexImage);
        const approval = s.approval;
        if (approval?.pendingId !== undefined) {
          const approved = await tx.query<{ id: string }>(
            `UPDATE list_pending_versions SET state = 'approved', resolved_at = now(), approved_version = $3
             WHERE id = $1 AND list_id = $2 AND state = 'pending' RETURNING id`,
            [approval.pendingId, s.listId, next],
          );
          if (!approved[0]) throw new PendingVersionNotFound(s.listId, approval.pendingId);
        }
        // A newer version is active: whatever waited for approval is out of date.
        await tx.query(
          `UPDATE list_pending_versions SET state = 'superseded', resolved_at = now()
           WHERE list_id = $1 AND state = 'pending'`,
          [s.listId],
        );
        if (approval) {
          await tx.query(
            `INSERT INTO list_approvals (list_id, approved_by, reason, via, pending_id, from_version, to_version,
                                         content_hash, entry_count, added_count, removed_count, changed_count)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
            [
              s.listId,
              approval.by,
              approval.reason,
              approval.via,
              approval.pendingId ?? null,
              approval.fromVersion,
              next,
              s.contentHash,
              s.entries.length,
              approval.addedCount,
              approval.removedCount,
              approval.changedCount,
            ],
          );
        }
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

    async snapshotEntry(listId, version, entryUid) {
      const rows = await db.query<EntryRow>(
        `SELECT list_id, version, entry_uid, family, address, ticker, entity_name, programs,
                source_file, source_line, source_element
         FROM list_entries WHERE list_id = $1 AND version = $2 AND entry_uid = $3`,
        [listId, version, entryUid],
      );
      return rows[0] ? toEntry(rows[0]) : null;
    },

    async snapshotEntriesPage(listId, version, page) {
      // One row a page: the page as one JSON text built by the server, parsed by one JSON.parse.
      // A row per entry costs the driver an object and a parse per column (PGlite most), which
      // was most of the load of a list of millions.
      const rows = await db.query<{ page: string | null }>(
        `SELECT json_agg(${entryJson('p')} ORDER BY p.entry_uid)::text AS page
         FROM (SELECT * FROM list_entries
               WHERE list_id = $1 AND version = $2 AND ($3::text IS NULL OR entry_uid > $3)
               ORDER BY entry_uid LIMIT $4) p`,
        [listId, version, page.after ?? null, page.limit],
      );
      const text = rows[0]?.page ?? null;
      if (text === null) return [];
      const parsed: unknown = JSON.parse(text);
      if (!Array.isArray(parsed)) throw new StoreDataError('list_entries', 'page is not a JSON array');
      return parsed.map((row: unknown) => toEntry(pageRowOf(row, listId, version)));
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

    async savePendingVersion(p) {
      assertUniqueUids(p.listId, p.entries);
      return db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('cordon.list:' || $1::text))`, [p.listId]);
        const current = await tx.query<PendingRow>(
          `SELECT ${PENDING_COLUMNS} FROM list_pending_versions WHERE list_id = $1 AND state = 'pending'`,
          [p.listId],
        );
        const old = current[0] ? toPending(current[0]) : null;
        if (old !== null && old.contentHash === p.contentHash) return { pending: old, created: false, replaced: null };
        if (old !== null) {
          await tx.query(
            `UPDATE list_pending_versions SET state = 'superseded', resolved_at = now() WHERE id = $1`,
            [old.id],
          );
        }
        const row = one(
          await tx.query<PendingRow>(
            `INSERT INTO list_pending_versions (list_id, content_hash, source, about, reason, base_version, entry_count, entries)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
             RETURNING ${PENDING_COLUMNS}`,
            [p.listId, p.contentHash, p.source, p.about, p.reason, p.baseVersion, p.entries.length, JSON.stringify(p.entries)],
          ),
          'insert pending list version',
        );
        return { pending: toPending(row), created: true, replaced: old };
      });
    },

    async pendingVersion(listId) {
      const rows = await db.query<PendingRow>(
        `SELECT ${PENDING_COLUMNS} FROM list_pending_versions WHERE list_id = $1 AND state = 'pending'`,
        [listId],
      );
      return rows[0] ? toPending(rows[0]) : null;
    },

    async pendingVersions(listId) {
      const rows = await db.query<PendingRow>(
        `SELECT ${PENDING_COLUMNS} FROM list_pending_versions
         WHERE state = 'pending' AND ($1::text IS NULL OR list_id = $1) ORDER BY list_id`,
        [listId ?? null],
      );
      return rows.map(toPending);
    },

    async pendingEntries(pendingId) {
      const rows = await db.query<{ entries: unknown }>('SELECT entries FROM list_pending_versions WHERE id = $1', [pendingId]);
      const row = rows[0];
      if (!row) throw new StoreDataError('list_pending_versions.id', `no pending version #${pendingId}`);
      return toEntryDrafts(row.entries, 'list_pending_versions.entries').sort((a, b) =>
        a.entryUid < b.entryUid ? -1 : a.entryUid > b.entryUid ? 1 : 0,
      );
    },

    async supersedePending(listId) {
      const rows = await db.query<{ id: string }>(
        `UPDATE list_pending_versions SET state = 'superseded', resolved_at = now()
         WHERE list_id = $1 AND state = 'pending' RETURNING id`,
        [listId],
      );
      return rows.length;
    },

    async listApprovals(listId) {
      const rows = await db.query<ApprovalRow>(
        `SELECT * FROM list_approvals WHERE $1::text IS NULL OR list_id = $1 ORDER BY id`,
        [listId ?? null],
      );
      return rows.map(toApproval);
    },

    async indexImage(listId, version) {
      // A part a query: no answer is larger than a part (see IMAGE_PART).
      const parts: string[] = [];
      for (;;) {
        const rows = await db.query<{ image: string }>(
          'SELECT image FROM list_index_images WHERE list_id = $1 AND version = $2 AND part = $3',
          [listId, version, parts.length],
        );
        const part = rows[0]?.image;
        if (part === undefined) break;
        parts.push(part);
      }
      return parts.length === 0 ? null : parts.join('');
    },

    async saveIndexImage(listId, version, image) {
      await db.transaction(async (tx) => {
        await tx.query('DELETE FROM list_index_images WHERE list_id = $1 AND version = $2', [listId, version]);
        await writeIndexImage(tx, listId, version, image);
      });
    },

    async versionsAwaitingEffects() {
      const rows = await db.query<{ list_id: string; version: number; fetched_at: Date; done: unknown }>(
        `SELECT s.list_id, s.version, s.fetched_at,
                COALESCE((SELECT jsonb_agg(e.effect) FROM list_version_effects e
                          WHERE e.list_id = s.list_id AND e.version = s.version), '[]'::jsonb) AS done
         FROM list_snapshots s
         WHERE (SELECT count(*) FROM list_version_effects e WHERE e.list_id = s.list_id AND e.version = s.version) < $1
         ORDER BY s.fetched_at, s.list_id, s.version`,
        [VERSION_EFFECTS.length],
      );
      return rows.map((r) => {
        const done = new Set(toStringArray(r.done, 'list_version_effects.effect'));
        return {
          listId: r.list_id as ListId,
          version: r.version,
          activatedAt: toDate(r.fetched_at, 'list_snapshots.fetched_at'),
          missing: VERSION_EFFECTS.filter((e) => !done.has(e)),
        };
      });
    },

    async recordVersionEffect(listId, version, effect, summary) {
      await db.query(
        `INSERT INTO list_version_effects (list_id, version, effect, summary) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (list_id, version, effect) DO NOTHING`,
        [listId, version, effect, JSON.stringify(summary)],
      );
    },

    async versionDiff(listId, version) {
      const columns = (t: string) =>
        ['list_id', 'version', 'entry_uid', 'family', 'address', 'ticker', 'entity_name', 'programs', 'source_file', 'source_line', 'source_element']
          .map((c) => `${t}.${c}`)
          .join(', ');
      const only = (a: number, b: number) =>
        db.query<EntryRow>(
          `SELECT ${columns('x')} FROM list_entries x
           WHERE x.list_id = $1 AND x.version = $2
             AND NOT EXISTS (SELECT 1 FROM list_entries y WHERE y.list_id = $1 AND y.version = $3 AND y.entry_uid = x.entry_uid)
           ORDER BY x.entry_uid`,
          [listId, a, b],
        );
      const added = (await only(version, version - 1)).map(toEntry);
      const removed = version > 1 ? (await only(version - 1, version)).map(toEntry) : [];
      // Same uid, and what screening depends on differs (sanctions/entry-diff.ts's fingerprint).
      const sorted = (t: string) => `(SELECT COALESCE(jsonb_agg(p ORDER BY p), '[]'::jsonb) FROM jsonb_array_elements_text(${t}.programs) p)`;
      const pairs =
        version > 1
          ? await db.query<{ before: unknown; after: unknown }>(
              `SELECT ${entryJson('b')} AS before, ${entryJson('a')} AS after
               FROM list_entries a JOIN list_entries b ON b.list_id = a.list_id AND b.version = $3 AND b.entry_uid = a.entry_uid
               WHERE a.list_id = $1 AND a.version = $2
                 AND (a.family, a.address, a.ticker, a.entity_name, ${sorted('a')})
                     IS DISTINCT FROM (b.family, b.address, b.ticker, b.entity_name, ${sorted('b')})
               ORDER BY a.entry_uid`,
              [listId, version, version - 1],
            )
          : [];
      const changed = pairs.map((p) => ({
        before: toEntry(pageRowOf(typeof p.before === 'string' ? JSON.parse(p.before) : p.before, listId, version - 1)),
        after: toEntry(pageRowOf(typeof p.after === 'string' ? JSON.parse(p.after) : p.after, listId, version)),
      }));
      return { added, removed, changed };
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
