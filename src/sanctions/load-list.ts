import { basename } from 'node:path';
import type { ParseResult } from '../domain/sanction-entry.js';
import { parseCustomCsv, parseCustomJson } from './custom-list.js';
import { ListParseError } from './list-errors.js';
import { fileInFolder, folderFiles, isFolder, isUrl, openStream, readText, siblingUrl, type ReadOptions } from './list-source.js';
import { parseCompactList } from './ofac-compact.js';
import { parseOfacCsv, type CsvFile } from './ofac-csv.js';
import { parseOfacAdvancedXml } from './ofac-xml.js';
import { parsePlainList, tickerFromFileName } from './plain-list.js';
import { redactSourceUrl } from './source-url.js';
import { ofacWafRefusal } from './user-agent.js';

export type ListFormat = 'ofac-advanced-xml' | 'ofac-compact-json' | 'ofac-sdn-csv' | 'plain' | 'custom-json' | 'custom-csv';

export interface ListSourceSpec {
  readonly format: ListFormat;
  /**
   * File, folder or http(s) URL, as logged, stored and alerted: give a URL that carries
   * credentials as `redactSourceUrl(url)` here and the URL itself as `sourceWithCredentials`.
   */
  readonly source: string;
  /** The source to read when `source` shows it redacted; never logged, stored or alerted. */
  readonly sourceWithCredentials?: string;
  readonly ticker?: string;
  readonly programs: readonly string[];
  readonly timeout: number;
  /** User-Agent of downloads (default: DEFAULT_USER_AGENT, which OFAC's firewall accepts). */
  readonly userAgent?: string;
  /** Largest source in bytes, downloaded and decompressed (default: DEFAULT_MAX_BYTES). */
  readonly maxBytes?: number;
}

/**
 * Reads and parses a list source of any supported format. Entries, notes and errors name the
 * source redacted: a URL's credentials never reach a snapshot, a log line or an alert.
 */
export async function loadList(spec: ListSourceSpec): Promise<ParseResult> {
  const from = spec.sourceWithCredentials ?? spec.source;
  const name = redactSourceUrl(spec.source);
  const opts: ReadOptions = {
    timeout: spec.timeout,
    ...(spec.userAgent === undefined ? {} : { userAgent: spec.userAgent }),
    ...(spec.maxBytes === undefined ? {} : { maxBytes: spec.maxBytes }),
  };
  const result = await loadFormat(spec, from, name, opts);
  const uaNote = userAgentNote(spec, from);
  return uaNote === undefined ? result : { ...result, notes: [...(result.notes ?? []), uaNote] };
}

async function loadFormat(spec: ListSourceSpec, from: string, name: string, opts: ReadOptions): Promise<ParseResult> {
  switch (spec.format) {
    case 'ofac-advanced-xml':
      return parseOfacAdvancedXml(await openStream(from, opts), name);
    case 'ofac-compact-json':
      return parseCompactList(name, await readText(from, opts));
    case 'ofac-sdn-csv':
      return parseOfacCsv(await readOfacCsvSet(from, opts));
    case 'plain':
      return loadPlain(spec, from, opts);
    case 'custom-json':
      return parseCustomJson(name, await readText(from, opts), spec.programs);
    case 'custom-csv':
      return parseCustomCsv(name, await readText(from, opts), spec.programs);
  }
}

/** A configured User-Agent that OFAC's firewall would refuse is used, with a warning. */
function userAgentNote(spec: ListSourceSpec, from: string): string | undefined {
  if (spec.userAgent === undefined || !isUrl(from)) return undefined;
  const refusal = ofacWafRefusal(spec.userAgent);
  if (refusal === undefined) return undefined;
  return `the configured userAgent "${spec.userAgent}" ${refusal}: OFAC's list service refuses such clients; leave userAgent unset for Cordon's default`;
}

async function loadPlain(spec: ListSourceSpec, from: string, opts: ReadOptions): Promise<ParseResult> {
  const files = isUrl(from) ? [from] : await folderFiles(from, (n) => /\.(txt|lst)(\.gz)?$/i.test(n));
  const results = await Promise.all(
    files.map(async (file) => {
      const name = redactSourceUrl(file);
      const fileName = basename(new URL(file, 'file:///').pathname).replace(/\.gz$/i, '');
      const ticker = spec.ticker ?? tickerFromFileName(fileName);
      if (!ticker) {
        throw new ListParseError(name, 'no ticker: name the file sanctioned_addresses_<TICKER>.txt or set the list\'s "ticker"');
      }
      return parsePlainList({ file: name, text: await readText(file, opts), ticker, programs: spec.programs });
    }),
  );
  const notes = results.flatMap((r) => r.notes ?? []);
  return {
    entries: results.flatMap((r) => r.entries),
    rejected: results.flatMap((r) => r.rejected),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/** A folder holding sdn.csv (+ sdn_comments.csv, alt.csv), or the URL of sdn.csv. */
async function readOfacCsvSet(source: string, opts: ReadOptions): Promise<{ sdn: CsvFile; comments?: CsvFile; alt?: CsvFile }> {
  const read = async (file: string): Promise<CsvFile> => ({ file: redactSourceUrl(file), text: await readText(file, opts) });
  if (isUrl(source)) {
    const [sdn, comments] = await Promise.all([read(source), read(siblingUrl(source, 'sdn_comments.csv'))]);
    return { sdn, comments };
  }
  if (!(await isFolder(source))) return { sdn: await read(source) };
  const sdnPath = await fileInFolder(source, 'sdn.csv');
  if (!sdnPath) throw new ListParseError(source, 'folder has no sdn.csv');
  const commentsPath = await fileInFolder(source, 'sdn_comments.csv');
  const altPath = await fileInFolder(source, 'alt.csv');
  return {
    sdn: await read(sdnPath),
    ...(commentsPath ? { comments: await read(commentsPath) } : {}),
    ...(altPath ? { alt: await read(altPath) } : {}),
  };
}
