import { InvalidAddressError, parseListedAddress } from '../domain/address.js';
import type { EntryDraft, ParseResult, RejectedItem } from '../domain/sanction-entry.js';

export interface PlainListFile {
  readonly file: string;
  readonly text: string;
  /** Ticker every address in the file is listed under (e.g. from `sanctioned_addresses_ETH.txt`). */
  readonly ticker: string;
  /** Programs to attach when the source names none (plain lists carry no legal basis of their own). */
  readonly programs: readonly string[];
}

/** The ticker in a file name of the form `sanctioned_addresses_<TICKER>.txt`, if any. */
export function tickerFromFileName(name: string): string | undefined {
  const m = /_([A-Za-z0-9]+)\.(?:txt|csv|lst)$/.exec(name);
  return m?.[1]?.toUpperCase();
}

/** One address a line; blank lines and `#` comments are skipped. */
export function parsePlainList(input: PlainListFile): ParseResult {
  const entries: EntryDraft[] = [];
  const rejected: RejectedItem[] = [];
  const seen = new Set<string>();
  const ticker = input.ticker.toUpperCase();
  const lines = input.text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const text = raw.replace(/#.*$/, '').trim();
    if (text === '') return;
    const source = { file: input.file, line: i + 1 };
    try {
      const parsed = parseListedAddress(text, ticker);
      const entryUid = `${ticker}:${parsed.address}`;
      if (seen.has(entryUid)) return;
      seen.add(entryUid);
      entries.push({
        entryUid,
        address: parsed.address,
        family: parsed.family,
        ticker,
        entityName: null,
        programs: input.programs,
        source,
      });
    } catch (err) {
      if (!(err instanceof InvalidAddressError)) throw err;
      rejected.push({ source, reason: err.reason, text: text.slice(0, 120) });
    }
  });
  return { entries, rejected };
}
