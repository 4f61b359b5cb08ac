import { createHash } from 'node:crypto';
import type { EntryDraft } from '../domain/sanction-entry.js';

export interface EntryChange {
  readonly before: EntryDraft;
  readonly after: EntryDraft;
}

export interface EntryDiff {
  readonly added: EntryDraft[];
  readonly removed: EntryDraft[];
  /** Same entry uid, different name or programs. */
  readonly changed: EntryChange[];
}

/** What a new list version adds, removes and changes, by entry uid. */
export function diffEntries(previous: readonly EntryDraft[], next: readonly EntryDraft[]): EntryDiff {
  const before = new Map(previous.map((e) => [e.entryUid, e]));
  const after = new Map(next.map((e) => [e.entryUid, e]));
  const added: EntryDraft[] = [];
  const changed: EntryChange[] = [];
  for (const [uid, e] of after) {
    const old = before.get(uid);
    if (!old) added.push(e);
    else if (fingerprint(old) !== fingerprint(e)) changed.push({ before: old, after: e });
  }
  const removed = previous.filter((e) => !after.has(e.entryUid));
  return { added, removed, changed };
}

/**
 * A hash of what screening depends on, independent of entry order and of where in the file an
 * entry sits: a re-published file with the same entries is the same version.
 */
export function entrySetHash(entries: readonly EntryDraft[]): string {
  const lines = entries.map(fingerprint).sort();
  const h = createHash('sha256');
  for (const line of lines) h.update(line).update('\n');
  return `sha256:${h.digest('hex')}`;
}

function fingerprint(e: EntryDraft): string {
  return JSON.stringify([e.entryUid, e.family, e.address, e.ticker, e.entityName, [...e.programs].sort()]);
}
