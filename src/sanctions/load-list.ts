import { basename } from 'node:path';
import type { ParseResult } from '../domain/sanction-entry.js';
import { parseCustomCsv, parseCustomJson } from './custom-list.js';
import { ListParseError } from './list-errors.js';
import { fileInFolder, folderFiles, isFolder, isUrl, openStream, readText, siblingUrl } from './list-source.js';
import { parseCompactList } from './ofac-compact.js';
import { parseOfacCsv, type CsvFile } from './ofac-csv.js';
import { parseOfacAdvancedXml } from './ofac-xml.js';
import { parsePlainList, tickerFromFileName } from './plain-list.js';

export type ListFormat = 'ofac-advanced-xml' | 'ofac-compact-json' | 'ofac-sdn-csv' | 'plain' | 'custom-json' | 'custom-csv';

export interface ListSourceSpec {
  readonly format: ListFormat;
  readonly source: string;
  readonly ticker?: string;
  readonly programs: readonly string[];
  readonly timeout: number;
}

/** Reads and parses a list source of any supported format. */
export async function loadList(spec: ListSourceSpec): Promise<ParseResult> {
  switch (spec.format) {
    case 'ofac-advanced-xml':
      return parseOfacAdvancedXml(await openStream(spec.source, spec.timeout), spec.source);
    case 'ofac-compact-json':
      return parseCompactList(spec.source, await readText(spec.source, spec.timeout));
    case 'ofac-sdn-csv':
      return parseOfacCsv(await readOfacCsvSet(spec));
    case 'plain':
      return loadPlain(spec);
    case 'custom-json':
      return parseCustomJson(spec.source, await readText(spec.source, spec.timeout), spec.programs);
    case 'custom-csv':
      return parseCustomCsv(spec.source, await readText(spec.source, spec.timeout), spec.programs);
  }
}

async function loadPlain(spec: ListSourceSpec): Promise<ParseResult> {
  const files = isUrl(spec.source) ? [spec.source] : await folderFiles(spec.source, (n) => /\.(txt|lst)$/i.test(n));
  const results = await Promise.all(
    files.map(async (file) => {
      const ticker = spec.ticker ?? tickerFromFileName(basename(new URL(file, 'file:///').pathname));
      if (!ticker) {
        throw new ListParseError(file, 'no ticker: name the file sanctioned_addresses_<TICKER>.txt or set the list\'s "ticker"');
      }
      return parsePlainList({ file, text: await readText(file, spec.timeout), ticker, programs: spec.programs });
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
async function readOfacCsvSet(spec: ListSourceSpec): Promise<{ sdn: CsvFile; comments?: CsvFile; alt?: CsvFile }> {
  const read = async (file: string): Promise<CsvFile> => ({ file, text: await readText(file, spec.timeout) });
  if (isUrl(spec.source)) {
    const [sdn, comments] = await Promise.all([read(spec.source), read(siblingUrl(spec.source, 'sdn_comments.csv'))]);
    return { sdn, comments };
  }
  if (!(await isFolder(spec.source))) return { sdn: await read(spec.source) };
  const sdnPath = await fileInFolder(spec.source, 'sdn.csv');
  if (!sdnPath) throw new ListParseError(spec.source, 'folder has no sdn.csv');
  const commentsPath = await fileInFolder(spec.source, 'sdn_comments.csv');
  const altPath = await fileInFolder(spec.source, 'alt.csv');
  return {
    sdn: await read(sdnPath),
    ...(commentsPath ? { comments: await read(commentsPath) } : {}),
    ...(altPath ? { alt: await read(altPath) } : {}),
  };
}
