import { InvalidAddressError } from '../domain/address.js';
import { describeLocation, type EntryDraft, type ParseResult, type RejectedItem, type SourceLocation } from '../domain/sanction-entry.js';
import { csvRecords, CsvSyntaxError, ofacValue, type CsvRecord } from './csv-records.js';
import { findDigitalCurrencyClauses } from './digital-currency-clause.js';
import { ListParseError } from './list-errors.js';
import { keptUnverifiedNote, readOfacAddress } from './ofac-address.js';
import { splitOfacPrograms } from './ofac-programs.js';

/** One file of OFAC's legacy CSV set, already read. */
export interface CsvFile {
  readonly file: string;
  readonly text: string;
}

export interface OfacCsvSet {
  /** `sdn.csv`: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks. */
  readonly sdn: CsvFile;
  /** `sdn_comments.csv`: ent_num, the overflow of Remarks (continues mid-word). */
  readonly comments?: CsvFile;
  /** `alt.csv`: ent_num, alt_num, alt_type, alt_name, remarks — a name when sdn.csv has no row. */
  readonly alt?: CsvFile;
}

const SDN_COLUMNS = 12;
const COL = { entNum: 0, name: 1, program: 3, remarks: 11 } as const;

interface SdnRow {
  readonly line: number;
  readonly name: string | null;
  readonly programs: string[];
  readonly remarks: string;
}

interface Continuation {
  readonly line: number;
  readonly text: string;
}

/**
 * Parses OFAC's legacy SDN CSV set into digital-currency entries with names and programs. An
 * address that fails verification under its ticker is kept as an exact-string entry, with a note.
 */
export function parseOfacCsv(set: OfacCsvSet): ParseResult {
  const rejected: RejectedItem[] = [];
  const notes: string[] = [];
  const rows = readSdnRows(set.sdn, rejected);
  const continuations = set.comments ? readComments(set.comments, rejected) : new Map<string, Continuation>();
  const altNames = set.alt ? readAltNames(set.alt) : new Map<string, string>();

  const entries = new Map<string, EntryDraft>();
  const addClauses = (entNum: string, remarks: string, name: string | null, programs: string[], locate: (offset: number) => SourceLocation) => {
    for (const clause of findDigitalCurrencyClauses(remarks)) {
      const source = locate(clause.offset);
      try {
        const parsed = readOfacAddress(clause.address, clause.ticker);
        const entryUid = `sdn:${entNum}:${clause.ticker}:${parsed.address}`;
        if (entries.has(entryUid)) continue; // OFAC repeats an address under one entry at times
        if (parsed.failed !== undefined) {
          notes.push(keptUnverifiedNote(describeLocation(source), clause.ticker, parsed.address, parsed.failed));
        }
        entries.set(entryUid, {
          entryUid,
          address: parsed.address,
          family: parsed.family,
          ticker: clause.ticker,
          entityName: name,
          programs,
          source,
        });
      } catch (err) {
        if (!(err instanceof InvalidAddressError)) throw err;
        rejected.push({ source, reason: err.reason, text: `${clause.ticker} ${clause.address}` });
      }
    }
  };

  for (const [entNum, row] of rows) {
    const more = continuations.get(entNum);
    const remarks = row.remarks + (more?.text ?? '');
    const split = row.remarks.length;
    addClauses(entNum, remarks, row.name, row.programs, (offset) =>
      offset < split || !more || !set.comments
        ? { file: set.sdn.file, line: row.line }
        : { file: set.comments.file, line: more.line },
    );
  }
  // Comments whose entry is missing from sdn.csv (files of different dates): keep the addresses,
  // since dropping a sanctioned address is the worse error, and say so.
  for (const [entNum, more] of continuations) {
    if (rows.has(entNum) || !set.comments) continue;
    const commentsFile = set.comments.file;
    const before = entries.size;
    addClauses(entNum, more.text, altNames.get(entNum) ?? null, [], () => ({ file: commentsFile, line: more.line }));
    if (entries.size > before) {
      notes.push(
        `${commentsFile}:${more.line}: entry ${entNum} has no row in ${set.sdn.file}; ` +
          `${entries.size - before} address(es) kept without programs`,
      );
    }
  }
  return { entries: [...entries.values()], rejected, notes };
}

/** The file's records; a syntax error becomes a ListParseError naming the file and line. */
function* safeRecords(file: CsvFile): Generator<CsvRecord> {
  const it = csvRecords(file.text);
  while (true) {
    let next: IteratorResult<CsvRecord>;
    try {
      next = it.next();
    } catch (err) {
      throw asParseError(file, err);
    }
    if (next.done) return;
    yield next.value;
  }
}

function asParseError(file: CsvFile, err: unknown): Error {
  if (err instanceof CsvSyntaxError) return new ListParseError(file.file, err.reason, `line ${err.line}`);
  return err instanceof Error ? err : new Error(String(err));
}

function readSdnRows(file: CsvFile, rejected: RejectedItem[]): Map<string, SdnRow> {
  const rows = new Map<string, SdnRow>();
  let last: CsvRecord | undefined;
  let count = 0;
  for (const rec of safeRecords(file)) {
    count++;
    last = rec;
    const entNum = rec.fields[COL.entNum]?.trim() ?? '';
    if (rec.fields.length !== SDN_COLUMNS || !/^\d+$/.test(entNum)) {
      rejected.push({
        source: { file: file.file, line: rec.line },
        reason: `expected ${SDN_COLUMNS} columns starting with a numeric ent_num, found ${rec.fields.length}`,
        text: rec.fields.join(',').slice(0, 120),
      });
      continue;
    }
    rows.set(entNum, {
      line: rec.line,
      name: ofacValue(rec.fields[COL.name]),
      programs: splitOfacPrograms(ofacValue(rec.fields[COL.program])),
      remarks: ofacValue(rec.fields[COL.remarks]) ?? '',
    });
  }
  if (count === 0) throw new ListParseError(file.file, 'no records: empty file');
  // A file cut short ends in a partial record: refuse it whole rather than load a prefix.
  if (last && last.fields.length !== SDN_COLUMNS) {
    throw new ListParseError(
      file.file,
      `last record has ${last.fields.length} of ${SDN_COLUMNS} columns: file truncated`,
      `line ${last.line}`,
    );
  }
  if (rows.size === 0) throw new ListParseError(file.file, 'no valid SDN records: not an OFAC sdn.csv');
  return rows;
}

function readComments(file: CsvFile, rejected: RejectedItem[]): Map<string, Continuation> {
  const out = new Map<string, Continuation>();
  for (const rec of safeRecords(file)) {
    const entNum = rec.fields[0]?.trim() ?? '';
    if (rec.fields.length !== 2 || !/^\d+$/.test(entNum)) {
      rejected.push({
        source: { file: file.file, line: rec.line },
        reason: `expected 2 columns (ent_num, remarks), found ${rec.fields.length}`,
        text: rec.fields.join(',').slice(0, 120),
      });
      continue;
    }
    const prev = out.get(entNum);
    const text = rec.fields[1] ?? '';
    out.set(entNum, prev ? { line: prev.line, text: prev.text + text } : { line: rec.line, text });
  }
  return out;
}

function readAltNames(file: CsvFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const rec of safeRecords(file)) {
    const entNum = rec.fields[0]?.trim() ?? '';
    const name = ofacValue(rec.fields[3]);
    if (name !== null && /^\d+$/.test(entNum) && !out.has(entNum)) out.set(entNum, name);
  }
  return out;
}
