import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { describeLocation } from '../domain/sanction-entry.js';
import { ListParseError } from '../sanctions/list-errors.js';
import { deriveCompactList, formatCompactList } from '../sanctions/ofac-compact.js';
import { parseOfacAdvancedXml } from '../sanctions/ofac-xml.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';

/**
 * `cordon lists compact <sdn_advanced.xml[.gz]> --out <file>`: derives the compact OFAC
 * digital-currency list (format `ofac-compact-json`, the list Cordon ships as its default) from
 * OFAC's advanced XML. The file is read once, as a stream; its SHA-256 and size are those of the
 * uncompressed XML, so they match OFAC's published checksum.
 */
export function registerListsCompact(lists: Command, exit: (code: ExitCode) => void): void {
  lists
    .command('compact')
    .description("derive the compact digital-currency list (format ofac-compact-json) from OFAC's sdn_advanced.xml")
    .argument('<xml>', 'sdn_advanced.xml, or sdn_advanced.xml.gz')
    .requiredOption('--out <file>', 'where to write the compact list (JSON)')
    .addHelpText(
      'after',
      '\nKeeps every digital currency address OFAC lists, with its ticker, entity name, SDN entry id\n' +
        '(FixedRef) and programs, plus the XML\'s date of issue and SHA-256. Exit 3 if an address could\n' +
        'not be kept (the file is still written; each such item is printed).',
    )
    .action(async (xml: string, opts: { out: string }) => {
      await statOrFail(xml);
      const measured = measure(xml);
      const file = basename(xml).replace(/\.gz$/i, '');
      const parsed = await parseOfacAdvancedXml(measured.chunks, file);
      const { sha256, bytes } = measured.result();
      const list = deriveCompactList(parsed, { file, sha256, bytes });
      try {
        await writeFile(opts.out, formatCompactList(list));
      } catch (err) {
        throw new CliError(`--out ${opts.out}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.failed);
      }
      const perTicker = new Map<string, number>();
      for (const e of list.entries) perTicker.set(e.ticker, (perTicker.get(e.ticker) ?? 0) + 1);
      const tickers = [...perTicker].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      process.stdout.write(
        `wrote ${opts.out}: ${list.entryCount} entries (${tickers.map(([t, n]) => `${t} ${n}`).join(', ')})\n` +
          `  from ${file}, date of issue ${list.source.dateOfIssue ?? 'UNKNOWN (the XML states none)'}, ` +
          `SHA-256 ${sha256}, ${bytes} bytes\n`,
      );
      for (const item of parsed.rejected) {
        process.stdout.write(`  NOT KEPT ${describeLocation(item.source)}: ${item.reason} (${item.text})\n`);
      }
      for (const note of parsed.notes ?? []) process.stdout.write(`  note: ${note}\n`);
      if (parsed.rejected.length > 0) exit(EXIT.failed);
    });
}

/** The XML's bytes (gunzipped when the name ends in .gz), hashed and counted as they pass. */
function measure(path: string): { chunks: AsyncIterable<Uint8Array>; result: () => { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  let done = false;
  const raw = createReadStream(path);
  const source: AsyncIterable<Buffer> = /\.gz$/i.test(path) ? raw.pipe(createGunzip()) : raw;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    } catch (err) {
      // A gzip stream that is corrupt or cut short: say so with the file, like any list source.
      throw new ListParseError(path, `reading failed: ${(err as Error).message}`, `after ${bytes} uncompressed bytes`);
    }
    done = true;
  }
  return {
    chunks: chunks(),
    result: () => {
      if (!done) throw new Error('the XML was not read to its end');
      return { sha256: hash.digest('hex'), bytes };
    },
  };
}

async function statOrFail(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CliError(`${path}: not a file`, EXIT.usage);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
}
