import type { EntryDraft, ParseResult } from '../domain/sanction-entry.js';
import { diffEntries, entrySetHash, type EntryDiff } from './entry-diff.js';

export type RefreshDecision =
  | { readonly kind: 'accept'; readonly hash: string; readonly diff: EntryDiff }
  | { readonly kind: 'unchanged'; readonly hash: string }
  | {
      readonly kind: 'refuse';
      readonly hash: string;
      readonly reason: string;
      /** Set when only the drop check refused it: a person may approve this version. */
      readonly diff?: EntryDiff;
    };

export interface RefreshInput {
  readonly previous: { readonly hash: string; readonly entries: readonly EntryDraft[] } | null;
  readonly parsed: ParseResult;
  /** Refuse when more than this share of the previous entries would disappear. */
  readonly maxDropShare: number;
  /** An operator's explicit override of the drop check (recorded with the refresh). */
  readonly allowDrop?: boolean;
}

/**
 * Whether a freshly parsed list may replace the active snapshot. Fails closed: anything that
 * would quietly weaken screening is refused and the last good snapshot stays active.
 */
export function decideRefresh(input: RefreshInput): RefreshDecision {
  const { parsed, previous } = input;
  const hash = entrySetHash(parsed.entries);
  if (parsed.entries.length === 0) {
    return { kind: 'refuse', hash, reason: `no valid entries (${parsed.rejected.length} rejected)` };
  }
  const seen = parsed.entries.length + parsed.rejected.length;
  if (parsed.rejected.length / seen > 0.5) {
    return {
      kind: 'refuse',
      hash,
      reason: `${parsed.rejected.length} of ${seen} items are not valid entries: not a usable list`,
    };
  }
  if (previous === null) return { kind: 'accept', hash, diff: diffEntries([], parsed.entries) };
  if (previous.hash === hash) return { kind: 'unchanged', hash };
  const diff = diffEntries(previous.entries, parsed.entries);
  const dropShare = previous.entries.length === 0 ? 0 : diff.removed.length / previous.entries.length;
  if (dropShare > input.maxDropShare && !input.allowDrop) {
    return {
      kind: 'refuse',
      hash,
      reason:
        `would remove ${diff.removed.length} of ${previous.entries.length} entries ` +
        `(${(dropShare * 100).toFixed(1)}% > ${(input.maxDropShare * 100).toFixed(1)}% allowed)`,
      diff,
    };
  }
  return { kind: 'accept', hash, diff };
}

/** Whether accepting `diff` over `previousCount` entries needs a person (the drop check would refuse it). */
export function exceedsDropShare(diff: EntryDiff, previousCount: number, maxDropShare: number): boolean {
  return previousCount > 0 && diff.removed.length / previousCount > maxDropShare;
}
