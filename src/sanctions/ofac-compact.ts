/**
 * The compact OFAC digital-currency list: the entries of `sdn_advanced.xml` that list a digital
 * currency address, with the facts a hold needs (address, ticker, entity name, SDN entry id,
 * programs), and, for the file as a whole, the XML's date of issue and SHA-256. About 100 KB
 * instead of the XML's ~115 MB, so Cordon can ship it as its default list and a fresh install
 * holds with a legal basis before it ever downloads the XML.
 *
 * Entry uids are those of the XML format (`sdn:<FixedRef>:<TICKER>:<address>`), and each address
 * is read again on load exactly as the XML parser reads it: a hold raised from the compact list
 * and one raised later from the live XML for the same entry are the same hold, and switching a
 * list from one to the other changes nothing (same entry set hash).
 *
 * Layout (JSON, one entry a line so a regenerated file diffs line by line):
 *   { "format": "cordon-ofac-digital-currency", "formatVersion": 1,
 *     "source": { "file", "publisher", "dateOfIssue", "sha256", "bytes" },
 *     "derivedBy", "entryCount",
 *     "entries": [ { "sdnId", "featureId", "ticker", "address", "name", "programs" }, … ] }
 */
import type { EntryDraft, ParseResult, RejectedItem } from '../domain/sanction-entry.js';
import { InvalidAddressError } from '../domain/address.js';
import { ListParseError } from './list-errors.js';
import { keptUnverifiedNote, readOfacAddress } from './ofac-address.js';
import type { OfacXmlResult } from './ofac-xml.js';

export const OFAC_COMPACT_FORMAT = 'cordon-ofac-digital-currency';
export const OFAC_COMPACT_FORMAT_VERSION = 1;
export const OFAC_PUBLISHER = 'US Treasury OFAC (Specially Designated Nationals and Blocked Persons List)';

/** The XML a compact list was derived from. */
export interface CompactSource {
  /** File name of the XML, e.g. `sdn_advanced.xml`. */
  readonly file: string;
  readonly publisher: string;
  /** The XML's own `DateOfIssue`, YYYY-MM-DD; null if it states none. */
  readonly dateOfIssue: string | null;
  /** SHA-256 (hex) of the uncompressed XML, as OFAC's checksum states it. */
  readonly sha256: string;
  /** Size of the uncompressed XML in bytes. */
  readonly bytes: number;
}

export interface CompactEntry {
  /** The party's FixedRef: the SDN entry id (ent_num in OFAC's CSV). */
  readonly sdnId: string;
  /** The XML Feature's ID, to find the entry in the XML. */
  readonly featureId: string;
  readonly ticker: string;
  /** As Cordon normalises it (what the index holds); odd strings OFAC published stay as written. */
  readonly address: string;
  readonly name: string | null;
  readonly programs: readonly string[];
}

export interface CompactList {
  readonly format: typeof OFAC_COMPACT_FORMAT;
  readonly formatVersion: typeof OFAC_COMPACT_FORMAT_VERSION;
  readonly source: CompactSource;
  readonly derivedBy: string;
  readonly entryCount: number;
  readonly entries: readonly CompactEntry[];
}

/**
 * The compact list of a parsed advanced XML. Pure: the caller read the file and measured it.
 * Entries are ordered by SDN id, feature id and address so the same XML gives the same bytes.
 */
export function deriveCompactList(
  parsed: OfacXmlResult,
  xml: { readonly file: string; readonly sha256: string; readonly bytes: number },
): CompactList {
  const entries = parsed.entries.map((e): CompactEntry => {
    const ref = parsed.refs.get(e.entryUid);
    // Every entry the XML parser returns has a ref; a missing one is a bug, not bad input.
    if (ref === undefined) throw new Error(`no FixedRef/Feature recorded for entry ${e.entryUid}`);
    return {
      sdnId: ref.sdnId,
      featureId: ref.featureId,
      ticker: e.ticker,
      address: e.address,
      name: e.entityName,
      programs: [...e.programs],
    };
  });
  entries.sort(
    (a, b) =>
      Number(a.sdnId) - Number(b.sdnId) ||
      Number(a.featureId) - Number(b.featureId) ||
      a.ticker.localeCompare(b.ticker) ||
      (a.address < b.address ? -1 : a.address > b.address ? 1 : 0),
  );
  return {
    format: OFAC_COMPACT_FORMAT,
    formatVersion: OFAC_COMPACT_FORMAT_VERSION,
    source: { file: xml.file, publisher: OFAC_PUBLISHER, dateOfIssue: parsed.dateOfIssue, sha256: xml.sha256, bytes: xml.bytes },
    derivedBy: 'cordon lists compact',
    entryCount: entries.length,
    entries,
  };
}

/** The file's text: the header pretty-printed, one entry a line. */
export function formatCompactList(list: CompactList): string {
  const { entries, ...header } = list;
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, '');
  const body = entries.map((e) => `    ${JSON.stringify(e)}`).join(',\n');
  return `${head},\n  "entries": [\n${body}\n  ]\n}\n`;
}

/**
 * Reads a compact list into entries. Refused whole (ListParseError) when it is not JSON, not
 * this format or version, or its entry count does not match its header (a cut or hand-edited
 * file). A malformed entry is a RejectedItem at `entries[i]`; an address that fails verification
 * is kept as the exact string with a note, as the XML parser does (it is OFAC's data).
 */
export function parseCompactList(file: string, text: string): ParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ListParseError(file, `not valid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(doc) || doc['format'] !== OFAC_COMPACT_FORMAT) {
    throw new ListParseError(file, `not a compact OFAC list: "format" must be "${OFAC_COMPACT_FORMAT}"`);
  }
  if (doc['formatVersion'] !== OFAC_COMPACT_FORMAT_VERSION) {
    throw new ListParseError(
      file,
      `formatVersion ${JSON.stringify(doc['formatVersion'])} is not one this Cordon reads (${OFAC_COMPACT_FORMAT_VERSION}); regenerate it with \`cordon lists compact\``,
    );
  }
  const source = readSource(file, doc['source']);
  const list = doc['entries'];
  if (!Array.isArray(list)) throw new ListParseError(file, 'no "entries" array');
  if (doc['entryCount'] !== list.length) {
    throw new ListParseError(file, `header says ${JSON.stringify(doc['entryCount'])} entries, the file has ${list.length}: cut or edited by hand`);
  }

  const of = `${source.file} of ${source.dateOfIssue ?? 'unknown date'}`;
  const entries: EntryDraft[] = [];
  const rejected: RejectedItem[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  list.forEach((item: unknown, i: number) => {
    const at = `entries[${i}]`;
    const entry = readEntry(item);
    if (typeof entry === 'string') {
      rejected.push({ source: { file, element: at }, reason: entry, text: JSON.stringify(item).slice(0, 200) });
      return;
    }
    const element = `${at} (${of}: DistinctParty[FixedRef=${entry.sdnId}]/Feature[ID=${entry.featureId}])`;
    let parsed;
    try {
      parsed = readOfacAddress(entry.address, entry.ticker);
    } catch (err) {
      if (!(err instanceof InvalidAddressError)) throw err;
      rejected.push({ source: { file, element }, reason: `invalid ${entry.ticker} address: ${err.reason}`, text: entry.address });
      return;
    }
    if (parsed.failed !== undefined) notes.push(keptUnverifiedNote(`${file} ${element}`, entry.ticker, parsed.address, parsed.failed));
    const entryUid = `sdn:${entry.sdnId}:${entry.ticker}:${parsed.address}`;
    if (seen.has(entryUid)) return;
    seen.add(entryUid);
    entries.push({
      entryUid,
      address: parsed.address,
      family: parsed.family,
      ticker: entry.ticker,
      entityName: entry.name,
      programs: [...new Set(entry.programs)].sort(),
      source: { file, element },
    });
  });
  const about = `OFAC digital-currency entries derived from ${of} (SHA-256 ${source.sha256})`;
  return notes.length > 0 ? { entries, rejected, notes, about } : { entries, rejected, about };
}

function readSource(file: string, v: unknown): CompactSource {
  if (!isRecord(v)) throw new ListParseError(file, 'no "source" object (which XML the list was derived from)');
  const { file: name, publisher, dateOfIssue, sha256, bytes } = v;
  if (typeof name !== 'string' || name === '') throw new ListParseError(file, 'source.file must name the XML');
  if (typeof publisher !== 'string') throw new ListParseError(file, 'source.publisher must be a string');
  if (dateOfIssue !== null && (typeof dateOfIssue !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(dateOfIssue))) {
    throw new ListParseError(file, 'source.dateOfIssue must be YYYY-MM-DD or null');
  }
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new ListParseError(file, 'source.sha256 must be 64 lower-case hex digits');
  }
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0) throw new ListParseError(file, 'source.bytes must be a byte count');
  return { file: name, publisher, dateOfIssue, sha256, bytes };
}

/** The entry, or why it cannot be one. */
function readEntry(v: unknown): CompactEntry | string {
  if (!isRecord(v)) return 'an entry must be an object';
  const { sdnId, featureId, ticker, address, name, programs } = v;
  if (typeof sdnId !== 'string' || !/^\d+$/.test(sdnId)) return '"sdnId" must be a string of digits (the FixedRef)';
  if (typeof featureId !== 'string' || featureId === '') return '"featureId" must be a non-empty string';
  if (typeof ticker !== 'string' || !/^[A-Z0-9]+$/.test(ticker)) return '"ticker" must be upper-case letters and digits';
  if (typeof address !== 'string') return '"address" must be a string';
  if (name !== null && typeof name !== 'string') return '"name" must be a string or null';
  if (!Array.isArray(programs) || !programs.every((p): p is string => typeof p === 'string' && p !== '')) {
    return '"programs" must be an array of program names';
  }
  return { sdnId, featureId, ticker, address, name, programs };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
