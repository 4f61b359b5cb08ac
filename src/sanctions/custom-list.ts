import { InvalidAddressError, parseListedAddress } from '../domain/address.js';
import type { EntryDraft, ParseResult, RejectedItem, SourceLocation } from '../domain/sanction-entry.js';
import { csvRecords, CsvSyntaxError } from './csv-records.js';
import { ListParseError } from './list-errors.js';

/**
 * An exchange's own watchlist, as JSON or CSV.
 *
 * JSON: `{ "entries": [ { "address", "ticker", "name"?, "programs"?: string[], "id"? } ] }`
 * (or the bare array). CSV: a header row naming at least `address` and `ticker`, optionally
 * `name`, `programs` (separated by `;` or `|`) and `id`.
 */
interface CustomRow {
  readonly address: string;
  readonly ticker: string;
  readonly name: string | null;
  readonly programs: string[];
  readonly id: string | null;
  readonly source: SourceLocation;
}

export function parseCustomJson(file: string, text: string, defaultPrograms: readonly string[]): ParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ListParseError(file, `not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc['entries']) ? doc['entries'] : undefined;
  if (!list) throw new ListParseError(file, 'expected an array of entries or an object with an "entries" array');
  const rows: CustomRow[] = [];
  const rejected: RejectedItem[] = [];
  list.forEach((item: unknown, i: number) => {
    const source = { file, element: `entries[${i}]` };
    if (!isRecord(item) || typeof item['address'] !== 'string' || typeof item['ticker'] !== 'string') {
      rejected.push({ source, reason: 'entry needs string fields "address" and "ticker"', text: JSON.stringify(item).slice(0, 120) });
      return;
    }
    const programs = item['programs'];
    if (programs !== undefined && !(Array.isArray(programs) && programs.every((p) => typeof p === 'string'))) {
      rejected.push({ source, reason: '"programs" must be an array of strings', text: JSON.stringify(item).slice(0, 120) });
      return;
    }
    rows.push({
      address: item['address'],
      ticker: item['ticker'],
      name: typeof item['name'] === 'string' ? item['name'] : null,
      programs: (programs as string[] | undefined) ?? [...defaultPrograms],
      id: typeof item['id'] === 'string' || typeof item['id'] === 'number' ? String(item['id']) : null,
      source,
    });
  });
  return toEntries(rows, rejected);
}

export function parseCustomCsv(file: string, text: string, defaultPrograms: readonly string[]): ParseResult {
  const rows: CustomRow[] = [];
  const rejected: RejectedItem[] = [];
  let header: string[] | undefined;
  try {
    for (const rec of csvRecords(text)) {
      if (!header) {
        header = rec.fields.map((f) => f.trim().toLowerCase());
        if (!header.includes('address') || !header.includes('ticker')) {
          throw new ListParseError(file, 'header row must name the columns "address" and "ticker"', `line ${rec.line}`);
        }
        continue;
      }
      const get = (col: string): string | null => {
        const idx = header?.indexOf(col) ?? -1;
        const v = idx >= 0 ? rec.fields[idx]?.trim() : undefined;
        return v === undefined || v === '' ? null : v;
      };
      const source = { file, line: rec.line };
      const address = get('address');
      const ticker = get('ticker');
      if (rec.fields.length !== header.length || address === null || ticker === null) {
        rejected.push({
          source,
          reason: `expected ${header.length} columns with address and ticker set`,
          text: rec.fields.join(',').slice(0, 120),
        });
        continue;
      }
      const programs = get('programs');
      rows.push({
        address,
        ticker,
        name: get('name'),
        programs: programs === null ? [...defaultPrograms] : programs.split(/[;|]/).map((p) => p.trim()).filter(Boolean),
        id: get('id'),
        source,
      });
    }
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new ListParseError(file, err.reason, `line ${err.line}`);
    throw err;
  }
  if (!header) throw new ListParseError(file, 'empty file: no header row');
  return toEntries(rows, rejected);
}

function toEntries(rows: CustomRow[], rejected: RejectedItem[]): ParseResult {
  const entries = new Map<string, EntryDraft>();
  for (const row of rows) {
    const ticker = row.ticker.toUpperCase();
    try {
      const parsed = parseListedAddress(row.address, ticker);
      const entryUid = row.id !== null ? `${row.id}:${ticker}:${parsed.address}` : `${ticker}:${parsed.address}`;
      if (entries.has(entryUid)) continue;
      entries.set(entryUid, {
        entryUid,
        address: parsed.address,
        family: parsed.family,
        ticker,
        entityName: row.name,
        programs: [...new Set(row.programs)].sort(),
        source: row.source,
      });
    } catch (err) {
      if (!(err instanceof InvalidAddressError)) throw err;
      rejected.push({ source: row.source, reason: err.reason, text: `${ticker} ${row.address}` });
    }
  }
  return { entries: [...entries.values()], rejected };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
