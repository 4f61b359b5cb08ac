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

/** Whether an entry's legal basis (its programs) differs between two versions. */
export function programsChanged(change: EntryChange): boolean {
  const a = [...change.before.programs].sort();
  const b = [...change.after.programs].sort();
  return a.length !== b.length || a.some((p, i) => p !== b[i]);
}

/** A listed party as on-call reads it: its name and, for OFAC, its SDN entry id. */
export interface PartyCount {
  readonly name: string | null;
  /** OFAC's SDN entry id (the `<n>` of `sdn:<n>:…` uids); null for lists without one. */
  readonly sdnId: string | null;
  readonly count: number;
}

/** The SDN id of an OFAC entry uid (`sdn:39796:ETH:0x…` → `39796`), else null. */
export function sdnIdOf(entryUid: string): string | null {
  return /^sdn:(\d+):/.exec(entryUid)?.[1] ?? null;
}

/** Entries grouped by party (SDN id, else name), most entries first. */
export function partiesOf(entries: readonly EntryDraft[]): PartyCount[] {
  const groups = new Map<string, { name: string | null; sdnId: string | null; count: number }>();
  for (const e of entries) {
    const sdnId = sdnIdOf(e.entryUid);
    const key = sdnId === null ? `name:${e.entityName ?? ''}` : `sdn:${sdnId}`;
    const g = groups.get(key) ?? { name: e.entityName, sdnId, count: 0 };
    g.count += 1;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.name ?? '').localeCompare(b.name ?? ''));
}

/** `TORNADO CASH, SDN 39796: 90` */
export function describeParty(p: PartyCount): string {
  const name = p.name ?? '(unnamed)';
  return `${p.sdnId === null ? name : `${name}, SDN ${p.sdnId}`}: ${p.count}`;
}

/** What a version would remove and change, by party (the summary on-call reads). */
export interface DiffByParty {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly removedParties: PartyCount[];
  readonly changedParties: PartyCount[];
}

export function diffByParty(diff: EntryDiff): DiffByParty {
  return {
    added: diff.added.length,
    removed: diff.removed.length,
    changed: diff.changed.length,
    removedParties: partiesOf(diff.removed),
    changedParties: partiesOf(diff.changed.map((c) => c.after)),
  };
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
