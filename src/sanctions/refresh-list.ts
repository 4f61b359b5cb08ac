import { listVersionPendingAlert, type ListVersionPendingAlert } from '../domain/alert.js';
import type { ListId, ParseResult, RejectedItem } from '../domain/sanction-entry.js';
import { describeLocation } from '../domain/sanction-entry.js';
import type { Logger } from '../log/logger.js';
import type { PendingInfo, SnapshotStore } from './snapshot-store.js';
import { diffByParty, diffEntries, type DiffByParty, type EntryDiff } from './entry-diff.js';
import { ListParseError } from './list-errors.js';
import { indexImageOf } from './index-image.js';
import { loadList, type ListSourceSpec } from './load-list.js';
import { decideRefresh, exceedsDropShare } from './refresh-policy.js';

/** Who lets a version through the drop check, and why: kept in the append-only approval audit. */
export interface Approver {
  readonly by: string;
  readonly reason: string;
}

export interface RefreshRequest extends ListSourceSpec {
  readonly listId: ListId;
  readonly maxDropShare: number;
  /** Operator override of the drop check: needs `approval` (who and why). */
  readonly allowDrop?: boolean;
  readonly approval?: Approver;
}

/** An override of the drop check, or an approval, without a name or a reason. */
export class ApprovalRequired extends Error {
  override readonly name = 'ApprovalRequired';
  constructor(
    readonly listId: string,
    readonly missing: 'by' | 'reason',
  ) {
    super(
      `list ${listId}: accepting a version the drop check refuses needs ${missing === 'by' ? 'who approves it (--by <name>)' : 'why (--reason <text>)'}, ` +
        'kept in the approval audit; e.g. --by "J. Doe" --reason "OFAC delisted Tornado Cash on 2025-03-21"',
    );
  }
}

/** A list with no version awaiting approval. */
export class NoPendingVersion extends Error {
  override readonly name = 'NoPendingVersion';
  constructor(readonly listId: string) {
    super(`list ${listId} has no version awaiting approval; \`cordon lists show ${listId}\` shows its versions and refreshes`);
  }
}

/** A refused version kept for a person to approve. */
export interface PendingOutcome {
  readonly id: number;
  readonly contentHash: string;
  /** False when the same content was already pending (nothing new: no new alert needed). */
  readonly created: boolean;
  /** The id of the older pending version this download replaced. */
  readonly replacedId: number | null;
  readonly fetchedAt: Date;
  readonly about: string | null;
  readonly entries: number;
  readonly diff: EntryDiff;
  readonly summary: DiffByParty;
}

function requireApprover(listId: string, a: Approver | undefined): Approver {
  const by = a?.by.trim() ?? '';
  const reason = a?.reason.trim() ?? '';
  if (by === '') throw new ApprovalRequired(listId, 'by');
  if (reason === '') throw new ApprovalRequired(listId, 'reason');
  return { by, reason };
}

export type RefreshResult =
  | {
      readonly outcome: 'accepted';
      readonly listId: ListId;
      readonly version: number;
      /** The version that was active before (null for the first). */
      readonly previousVersion: number | null;
      readonly entries: number;
      readonly diff: EntryDiff;
      /** Set when a person let it through the drop check (recorded in the approval audit). */
      readonly approvedBy?: Approver;
      readonly rejected: readonly RejectedItem[];
      readonly notes: readonly string[];
      /** What the source says about itself (e.g. OFAC's date of issue). */
      readonly about?: string;
    }
  | {
      readonly outcome: 'unchanged';
      readonly listId: ListId;
      readonly version: number;
      readonly entries: number;
      readonly rejected: readonly RejectedItem[];
      readonly notes: readonly string[];
      readonly about?: string;
    }
  | {
      readonly outcome: 'rejected';
      readonly listId: ListId;
      /** The snapshot that stays active, if any. */
      readonly keptVersion: number | null;
      readonly reason: string;
      readonly rejected: readonly RejectedItem[];
      readonly notes: readonly string[];
      /** Refused by the drop check only: kept as the list's pending version, awaiting approval. */
      readonly pending?: PendingOutcome;
    };

/**
 * Loads a list source and, if it passes the fail-closed policy, stores it as the list's next
 * snapshot. Every attempt is recorded; a refused one leaves the active snapshot in place and is
 * logged at error level (the alerting stage picks those up from the attempt record).
 */
export async function refreshList(lists: SnapshotStore, log: Logger, req: RefreshRequest): Promise<RefreshResult> {
  return refreshFromParsed(lists, log, req, null);
}

/**
 * `refreshList` for a source already read and parsed (`parsed`), or read now when null: the
 * policy, the pending version, the snapshot and the attempt record are the same either way.
 */
export async function refreshFromParsed(
  lists: SnapshotStore,
  log: Logger,
  req: RefreshRequest,
  preParsed: ParseResult | null,
): Promise<RefreshResult> {
  // An override without who and why is refused before anything is read.
  const approver = req.allowDrop ? requireApprover(req.listId, req.approval) : null;
  const rlog = log.child({ list: req.listId });
  const latest = await lists.latestSnapshot(req.listId);
  const refuse = async (
    reason: string,
    rejected: readonly RejectedItem[],
    contentHash: string | null,
    entriesSeen: number,
    notes: readonly string[] = [],
    pending?: PendingOutcome,
  ) => {
    await lists.recordRefreshAttempt({
      listId: req.listId,
      outcome: 'rejected',
      reason,
      contentHash,
      version: latest?.version ?? null,
      entriesSeen,
      rejectedLines: rejected.length,
    });
    rlog.error(
      { source: req.source, keptVersion: latest?.version ?? null, reason, ...(pending ? { pendingId: pending.id } : {}) },
      pending
        ? 'list refresh refused by the drop check; kept as pending, awaiting approval; last good snapshot stays active'
        : 'list refresh refused; last good snapshot stays active',
    );
    return {
      outcome: 'rejected',
      listId: req.listId,
      keptVersion: latest?.version ?? null,
      reason,
      rejected,
      notes,
      ...(pending ? { pending } : {}),
    } as const;
  };

  let parsed: ParseResult;
  try {
    parsed = preParsed ?? (await loadList(req));
  } catch (err) {
    if (err instanceof ListParseError) return refuse(err.message, [], null, 0);
    throw err;
  }
  for (const item of parsed.rejected) {
    rlog.warn({ at: describeLocation(item.source), reason: item.reason, text: item.text }, 'list item rejected');
  }
  // Notes are things kept but worth an operator's look (an OFAC address kept though it fails
  // verification, an entry without programs): logged here, and returned for the CLI to print.
  const notes = parsed.notes ?? [];
  const about = parsed.about === undefined ? {} : { about: parsed.about };
  for (const note of notes) rlog.warn({ source: req.source, note }, 'list note');

  const previous = latest
    ? { hash: latest.contentHash, entries: await lists.snapshotEntries(req.listId, latest.version) }
    : null;
  const decision = decideRefresh({ previous, parsed, maxDropShare: req.maxDropShare, allowDrop: req.allowDrop ?? false });
  if (decision.kind === 'refuse' && decision.diff !== undefined) {
    // Only the drop check refused it: a real delisting can remove that much. Kept for a person.
    const aboutText = parsed.about ?? issuedOn(parsed);
    const saved = await lists.savePendingVersion({
      listId: req.listId,
      contentHash: decision.hash,
      source: req.source,
      about: aboutText,
      reason: decision.reason,
      baseVersion: latest?.version ?? null,
      entries: parsed.entries,
    });
    const pending: PendingOutcome = {
      id: saved.pending.id,
      contentHash: decision.hash,
      created: saved.created,
      replacedId: saved.replaced?.id ?? null,
      fetchedAt: saved.pending.fetchedAt,
      about: saved.pending.about,
      entries: parsed.entries.length,
      diff: decision.diff,
      summary: diffByParty(decision.diff),
    };
    if (saved.replaced) rlog.warn({ replaced: saved.replaced.id, pendingId: saved.pending.id }, 'a newer download replaces the version awaiting approval');
    return refuse(decision.reason, parsed.rejected, decision.hash, parsed.entries.length, notes, pending);
  }
  if (decision.kind === 'refuse') return refuse(decision.reason, parsed.rejected, decision.hash, parsed.entries.length, notes);

  if (decision.kind === 'unchanged' && latest) {
    // The newest download is the active version: an older one awaiting approval is out of date.
    const superseded = await lists.supersedePending(req.listId);
    if (superseded > 0) rlog.warn({ version: latest.version }, 'the version awaiting approval is superseded: the newest download equals the active one');
    await lists.recordRefreshAttempt({
      listId: req.listId,
      outcome: 'unchanged',
      contentHash: decision.hash,
      version: latest.version,
      entriesSeen: parsed.entries.length,
      rejectedLines: parsed.rejected.length,
    });
    rlog.info({ version: latest.version, entries: parsed.entries.length, ...about }, 'list unchanged');
    return {
      outcome: 'unchanged',
      listId: req.listId,
      version: latest.version,
      entries: parsed.entries.length,
      rejected: parsed.rejected,
      notes,
      ...about,
    };
  }
  if (decision.kind !== 'accept') throw new Error('unreachable: unchanged without a previous snapshot');

  const overridden =
    approver !== null && previous !== null && exceedsDropShare(decision.diff, previous.entries.length, req.maxDropShare);
  const version = await lists.insertSnapshot({
    listId: req.listId,
    contentHash: decision.hash,
    source: req.source,
    entries: parsed.entries,
    indexImage: indexImageOf(parsed.entries),
    addedCount: decision.diff.added.length,
    removedCount: decision.diff.removed.length,
    ...(overridden
      ? {
          approval: {
            by: approver.by,
            reason: approver.reason,
            via: 'allow-drop' as const,
            fromVersion: latest?.version ?? null,
            addedCount: decision.diff.added.length,
            removedCount: decision.diff.removed.length,
            changedCount: decision.diff.changed.length,
          },
        }
      : {}),
  });
  await lists.recordRefreshAttempt({
    listId: req.listId,
    outcome: 'accepted',
    contentHash: decision.hash,
    version,
    entriesSeen: parsed.entries.length,
    rejectedLines: parsed.rejected.length,
    ...(overridden ? { reason: `drop check overridden by ${approver.by}: ${approver.reason}` } : {}),
  });
  rlog.info(
    {
      version,
      entries: parsed.entries.length,
      added: decision.diff.added.length,
      removed: decision.diff.removed.length,
      changed: decision.diff.changed.length,
      rejectedItems: parsed.rejected.length,
      ...(overridden ? { approvedBy: approver.by, approvalReason: approver.reason } : {}),
      ...about,
    },
    'list snapshot stored',
  );
  return {
    outcome: 'accepted',
    listId: req.listId,
    version,
    previousVersion: latest?.version ?? null,
    entries: parsed.entries.length,
    diff: decision.diff,
    ...(overridden ? { approvedBy: approver } : {}),
    rejected: parsed.rejected,
    notes,
    ...about,
  };
}

/** OFAC's date of issue when the parser read one (the advanced XML states it). */
function issuedOn(parsed: ParseResult): string | null {
  if (!('dateOfIssue' in parsed)) return null;
  const d = parsed.dateOfIssue;
  return typeof d === 'string' && d !== '' ? `date of issue ${d}` : null;
}

/** A pending version and what it would change against the active one, now. */
export interface PendingDiff {
  readonly listId: ListId;
  readonly pending: PendingInfo;
  readonly activeVersion: number | null;
  readonly entries: number;
  readonly diff: EntryDiff;
  readonly summary: DiffByParty;
}

/** The version of a list awaiting approval with its diff against the active version; null if none. */
export async function pendingDiff(lists: SnapshotStore, id: ListId): Promise<PendingDiff | null> {
  const pending = await lists.pendingVersion(id);
  if (pending === null) return null;
  const latest = await lists.latestSnapshot(id);
  const active = latest ? await lists.snapshotEntries(id, latest.version) : [];
  const entries = await lists.pendingEntries(pending.id);
  const diff = diffEntries(active, entries);
  return { listId: id, pending, activeVersion: latest?.version ?? null, entries: entries.length, diff, summary: diffByParty(diff) };
}

export interface ApprovedVersion {
  readonly listId: ListId;
  readonly version: number;
  readonly previousVersion: number | null;
  readonly pendingId: number;
  readonly entries: number;
  readonly diff: EntryDiff;
  readonly approvedBy: Approver;
}

/**
 * Activates the version of a list awaiting approval, as the next snapshot, and records who
 * approved it, why, and what it changes (against the version active now) in the append-only
 * audit, in one transaction. `pendingId`, when given, must be the one still pending (a newer
 * download may have replaced the version the person looked at).
 */
export async function approvePendingVersion(
  lists: SnapshotStore,
  log: Logger,
  req: { readonly listId: ListId; readonly approval: Approver; readonly pendingId?: number },
): Promise<ApprovedVersion> {
  const approver = requireApprover(req.listId, req.approval);
  const found = await pendingDiff(lists, req.listId);
  if (found === null || (req.pendingId !== undefined && found.pending.id !== req.pendingId)) throw new NoPendingVersion(req.listId);
  const { pending, diff } = found;
  const entries = await lists.pendingEntries(pending.id);
  const version = await lists.insertSnapshot({
    listId: req.listId,
    contentHash: pending.contentHash,
    source: pending.source,
    entries,
    indexImage: indexImageOf(entries),
    addedCount: diff.added.length,
    removedCount: diff.removed.length,
    approval: {
      by: approver.by,
      reason: approver.reason,
      via: 'approve',
      pendingId: pending.id,
      fromVersion: found.activeVersion,
      addedCount: diff.added.length,
      removedCount: diff.removed.length,
      changedCount: diff.changed.length,
    },
  });
  await lists.recordRefreshAttempt({
    listId: req.listId,
    outcome: 'accepted',
    contentHash: pending.contentHash,
    version,
    entriesSeen: entries.length,
    rejectedLines: 0,
    reason: `pending version #${pending.id} approved by ${approver.by}: ${approver.reason}`,
  });
  log.warn(
    {
      list: req.listId,
      version,
      pendingId: pending.id,
      approvedBy: approver.by,
      reason: approver.reason,
      added: diff.added.length,
      removed: diff.removed.length,
      changed: diff.changed.length,
    },
    'pending list version approved and active',
  );
  return {
    listId: req.listId,
    version,
    previousVersion: found.activeVersion,
    pendingId: pending.id,
    entries: entries.length,
    diff,
    approvedBy: approver,
  };
}

/** The page telling on-call that a refused version awaits a person's approval. */
export function pendingVersionAlert(
  listIdValue: ListId,
  keptVersion: number | null,
  reason: string,
  pending: PendingOutcome,
  at: Date,
): ListVersionPendingAlert {
  return listVersionPendingAlert(
    {
      listId: listIdValue,
      keptVersion,
      pendingId: pending.id,
      contentHash: pending.contentHash,
      fetchedAt: pending.fetchedAt.toISOString(),
      about: pending.about,
      reason,
      entries: pending.entries,
      added: pending.summary.added,
      removed: pending.summary.removed,
      changed: pending.summary.changed,
      removedParties: pending.summary.removedParties,
      changedParties: pending.summary.changedParties,
    },
    at,
  );
}
