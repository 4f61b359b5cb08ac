import type { ListId, ParseResult, RejectedItem } from '../domain/sanction-entry.js';
import { describeLocation } from '../domain/sanction-entry.js';
import type { Logger } from '../log/logger.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { EntryDiff } from './entry-diff.js';
import { ListParseError } from './list-errors.js';
import { loadList, type ListSourceSpec } from './load-list.js';
import { decideRefresh } from './refresh-policy.js';

export interface RefreshRequest extends ListSourceSpec {
  readonly listId: ListId;
  readonly maxDropShare: number;
  /** Operator override of the drop check. */
  readonly allowDrop?: boolean;
}

export type RefreshResult =
  | {
      readonly outcome: 'accepted';
      readonly listId: ListId;
      readonly version: number;
      readonly entries: number;
      readonly diff: EntryDiff;
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
    };

/**
 * Loads a list source and, if it passes the fail-closed policy, stores it as the list's next
 * snapshot. Every attempt is recorded; a refused one leaves the active snapshot in place and is
 * logged at error level (the alerting stage picks those up from the attempt record).
 */
export async function refreshList(lists: SnapshotStore, log: Logger, req: RefreshRequest): Promise<RefreshResult> {
  const rlog = log.child({ list: req.listId });
  const latest = await lists.latestSnapshot(req.listId);
  const refuse = async (
    reason: string,
    rejected: readonly RejectedItem[],
    contentHash: string | null,
    entriesSeen: number,
    notes: readonly string[] = [],
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
      { source: req.source, keptVersion: latest?.version ?? null, reason },
      'list refresh refused; last good snapshot stays active',
    );
    return { outcome: 'rejected', listId: req.listId, keptVersion: latest?.version ?? null, reason, rejected, notes } as const;
  };

  let parsed: ParseResult;
  try {
    parsed = await loadList(req);
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
  if (decision.kind === 'refuse') return refuse(decision.reason, parsed.rejected, decision.hash, parsed.entries.length, notes);

  if (decision.kind === 'unchanged' && latest) {
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

  const version = await lists.insertSnapshot({
    listId: req.listId,
    contentHash: decision.hash,
    source: req.source,
    entries: parsed.entries,
    addedCount: decision.diff.added.length,
    removedCount: decision.diff.removed.length,
  });
  await lists.recordRefreshAttempt({
    listId: req.listId,
    outcome: 'accepted',
    contentHash: decision.hash,
    version,
    entriesSeen: parsed.entries.length,
    rejectedLines: parsed.rejected.length,
    ...(req.allowDrop && decision.diff.removed.length > 0 ? { reason: 'drop check overridden by operator' } : {}),
  });
  rlog.info(
    {
      version,
      entries: parsed.entries.length,
      added: decision.diff.added.length,
      removed: decision.diff.removed.length,
      changed: decision.diff.changed.length,
      rejectedItems: parsed.rejected.length,
      ...about,
    },
    'list snapshot stored',
  );
  return {
    outcome: 'accepted',
    listId: req.listId,
    version,
    entries: parsed.entries.length,
    diff: decision.diff,
    rejected: parsed.rejected,
    notes,
    ...about,
  };
}
