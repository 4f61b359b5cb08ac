/**
 * A list version's index as one text, written when the version is stored and read back when it
 * is loaded: a list of a million entries then loads as one value and a JSON.parse instead of a
 * million rows through the database driver (bench/list-load.ts prints both).
 *
 * The image holds the SnapshotIndex columns (address-index.ts): the addresses joined by
 * newlines (a normalised address holds none), the integer columns as base64 of their
 * little-endian bytes, the tables of repeated strings as JSON arrays. Its list id and version
 * are not in it: the store row says them. The address maps are rebuilt at load.
 */
import { endianness } from 'node:os';

import { ADDRESS_FAMILIES } from '../domain/address-family.js';
import type { EntryDraft, ListId, SanctionEntry } from '../domain/sanction-entry.js';
import type { NormalisedAddress } from '../domain/address.js';
import { SnapshotIndex, SnapshotIndexBuilder, type Columns } from './address-index.js';

export const INDEX_IMAGE_FORMAT = 'cordon-index-image/1';

const INT_COLUMNS = ['uidRef', 'ticker', 'entity', 'programs', 'file', 'line', 'element', 'next'] as const;
type IntColumnName = (typeof INT_COLUMNS)[number];

interface ImageJson {
  readonly format: typeof INDEX_IMAGE_FORMAT;
  readonly entryCount: number;
  readonly addresses: string;
  readonly family: string;
  readonly ints: Record<IntColumnName, string>;
  readonly uidPrefixes: readonly string[];
  readonly uids: readonly string[];
  readonly tickers: readonly string[];
  readonly entities: readonly string[];
  readonly programSets: readonly (readonly string[])[];
  readonly files: readonly string[];
  readonly elements: readonly string[];
}

/** Thrown when a stored image cannot be read: the caller reads the entries instead. */
export class IndexImageUnreadable extends Error {
  override readonly name = 'IndexImageUnreadable';
}

/** Entries in the order the image keeps them: by entry uid, code-unit order. */
function byUid(a: EntryDraft, b: EntryDraft): number {
  return a.entryUid < b.entryUid ? -1 : a.entryUid > b.entryUid ? 1 : 0;
}

/** The image of a version's entries (as stored by `insertSnapshot`). */
export function indexImageOf(entries: readonly EntryDraft[]): string {
  const builder = new SnapshotIndexBuilder('' as ListId, 0, entries.length);
  for (const e of [...entries].sort(byUid)) builder.add({ ...e, listId: '' as ListId, listVersion: 0 } satisfies SanctionEntry);
  return encodeIndexImage(builder.build());
}

export function encodeIndexImage(index: SnapshotIndex): string {
  const c = index.columns;
  // The machine's byte order (little-endian wherever Cordon runs; decode checks it).
  const b64 = (a: Int32Array | Uint8Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const ints = Object.fromEntries(INT_COLUMNS.map((k) => [k, b64(c[k])])) as Record<IntColumnName, string>;
  const image: ImageJson = {
    format: INDEX_IMAGE_FORMAT,
    entryCount: index.entryCount,
    addresses: c.addresses.join('\n'),
    family: b64(c.family),
    ints,
    uidPrefixes: c.uidPrefixes,
    uids: c.uids,
    tickers: c.tickers,
    entities: c.entities,
    programSets: c.programSets,
    files: c.files,
    elements: c.elements,
  };
  // ASCII only (the rest as \u escapes), so the store may cut the text anywhere.
  return JSON.stringify(image).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The index of list version `listId@version` from its image; throws IndexImageUnreadable on anything unexpected. */
export function decodeIndexImage(listId: ListId, version: number, text: string, expectedEntries: number): SnapshotIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new IndexImageUnreadable(`index image of ${listId}@${version} is not JSON: ${(err as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new IndexImageUnreadable(`index image of ${listId}@${version}: ${what}`);
  };
  if (endianness() !== 'LE') return bad('written little-endian, read on a big-endian machine');
  if (typeof raw !== 'object' || raw === null) return bad('not an object');
  const o = raw as Partial<ImageJson>;
  if (o.format !== INDEX_IMAGE_FORMAT) return bad(`format ${JSON.stringify(o.format)}, expected ${INDEX_IMAGE_FORMAT}`);
  const n = o.entryCount;
  if (n !== expectedEntries) return bad(`${String(n)} entries, the version has ${expectedEntries}`);
  const addresses = n === 0 ? [] : (o.addresses ?? '').split('\n');
  if (addresses.length !== n) return bad(`${addresses.length} addresses for ${n} entries`);
  const strings = (v: unknown, what: string): readonly string[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : bad(`${what} is not a list of strings`);
  const int32 = (v: unknown, what: string): Int32Array => {
    if (typeof v !== 'string') return bad(`${what} missing`);
    const bytes = Buffer.from(v, 'base64');
    if (bytes.byteLength !== n * 4) return bad(`${what} holds ${bytes.byteLength} bytes for ${n} entries`);
    const out = new Int32Array(n);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  };
  const family = Buffer.from(typeof o.family === 'string' ? o.family : bad('family missing'), 'base64');
  if (family.byteLength !== n) bad(`family holds ${family.byteLength} bytes for ${n} entries`);
  const ints = o.ints ?? bad('integer columns missing');
  const programSets = o.programSets;
  if (!Array.isArray(programSets) || !programSets.every((p) => Array.isArray(p) && p.every((x) => typeof x === 'string'))) bad('programSets is not a list of lists of strings');
  const columns: Omit<Columns, 'byFamily'> = {
    addresses: addresses as NormalisedAddress[],
    family: new Uint8Array(family),
    uidRef: int32(ints.uidRef, 'uidRef'),
    uidPrefixes: strings(o.uidPrefixes, 'uidPrefixes'),
    uids: strings(o.uids, 'uids'),
    ticker: int32(ints.ticker, 'ticker'),
    tickers: strings(o.tickers, 'tickers'),
    entity: int32(ints.entity, 'entity'),
    entities: strings(o.entities, 'entities'),
    programs: int32(ints.programs, 'programs'),
    programSets: programSets as readonly (readonly string[])[],
    file: int32(ints.file, 'file'),
    files: strings(o.files, 'files'),
    line: int32(ints.line, 'line'),
    element: int32(ints.element, 'element'),
    elements: strings(o.elements, 'elements'),
    next: int32(ints.next, 'next'),
  };
  checkReferences(columns, n, bad);
  return SnapshotIndex.fromColumns(listId, version, n, columns);
}

/** Every number of every column names a value that exists: a damaged image fails here, not at a lookup. */
function checkReferences(c: Omit<Columns, 'byFamily'>, n: number, bad: (what: string) => never): void {
  const within = (v: number, size: number, orNone: boolean): boolean => (orNone && v === -1) || (v >= 0 && v < size);
  for (let i = 0; i < n; i++) {
    const ref = c.uidRef[i] as number;
    if (
      (c.family[i] as number) >= ADDRESS_FAMILIES.length ||
      !(ref >= 0 ? ref < c.uidPrefixes.length : -ref - 1 < c.uids.length) ||
      !within(c.ticker[i] as number, c.tickers.length, false) ||
      !within(c.entity[i] as number, c.entities.length, true) ||
      !within(c.programs[i] as number, c.programSets.length, false) ||
      !within(c.file[i] as number, c.files.length, false) ||
      !within(c.element[i] as number, c.elements.length, true) ||
      !((c.next[i] as number) === -1 || ((c.next[i] as number) > i && (c.next[i] as number) < n))
    ) {
      bad(`entry ${i} refers to a value the image does not hold`);
    }
  }
}
