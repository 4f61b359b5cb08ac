import type { AddressFamily } from './address-family.js';
import type { NormalisedAddress } from './address.js';

/** A configured list's id, e.g. `ofac-sdn`. Made only by `listId()` so a stray string cannot pass. */
export type ListId = string & { readonly __brand: 'ListId' };

export function listId(raw: string): ListId {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(raw)) {
    throw new Error(`invalid list id "${raw}": use 1-64 of a-z, 0-9, '.', '_', '-'`);
  }
  return raw as ListId;
}

/** Where in a source an entry (or a rejected line) came from. */
export interface SourceLocation {
  /** File path or URL as configured. */
  readonly file: string;
  /** 1-based line for line formats (CSV, plain lists). */
  readonly line?: number;
  /** Element path for XML, e.g. `DistinctParty[FixedRef=12345]/Feature[ID=6789]`. */
  readonly element?: string;
}

export function describeLocation(loc: SourceLocation): string {
  if (loc.line !== undefined) return `${loc.file}:${loc.line}`;
  if (loc.element !== undefined) return `${loc.file} ${loc.element}`;
  return loc.file;
}

/** One sanctioned address as a source states it, before it belongs to a list snapshot. */
export interface EntryDraft {
  /**
   * Stable across list versions so a hold keyed on it stays the same hold:
   * `sdn:<ent_num>:<TICKER>:<address>` for OFAC (CSV ent_num = XML FixedRef),
   * `<TICKER>:<address>` for plain and custom lists without their own ids.
   */
  readonly entryUid: string;
  readonly address: NormalisedAddress;
  readonly family: AddressFamily;
  /** Ticker as listed, upper-case (XBT, ETH, USDT). */
  readonly ticker: string;
  readonly entityName: string | null;
  /** Sanctions programs: the legal basis (e.g. CYBER2, SDNTK, RUSSIA-EO14024). */
  readonly programs: readonly string[];
  readonly source: SourceLocation;
}

/** An entry inside a stored list snapshot. */
export interface SanctionEntry extends EntryDraft {
  readonly listId: ListId;
  readonly listVersion: number;
}

/** A line or element of a source that could not be used, and why. Nothing else is dropped. */
export interface RejectedItem {
  readonly source: SourceLocation;
  readonly reason: string;
  /** The offending text, trimmed to a readable length. */
  readonly text: string;
}

export interface ParseResult {
  readonly entries: EntryDraft[];
  readonly rejected: RejectedItem[];
  /** Things kept but worth an operator's look (e.g. an entry with no name in the source). */
  readonly notes?: readonly string[];
  /** What the source says about itself, for the operator (e.g. OFAC's date of issue). */
  readonly about?: string;
}
