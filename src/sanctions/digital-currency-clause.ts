/**
 * OFAC writes a sanctioned address inside an entry's free-text remarks as
 * `Digital Currency Address - XBT 1abc…;` (or `alt. Digital Currency Address - ETH 0x…;`).
 * This finds those clauses; it knows nothing about files or checksums.
 */
export interface DigitalCurrencyClause {
  readonly ticker: string;
  /** The address as written, trailing sentence punctuation removed. */
  readonly address: string;
  /** Offset of the address within the remarks text. */
  readonly offset: number;
}

const CLAUSE = /Digital Currency Address\s*-\s*([A-Za-z0-9]+)\s+([^\s;]+)/g;

export function findDigitalCurrencyClauses(remarks: string): DigitalCurrencyClause[] {
  const found: DigitalCurrencyClause[] = [];
  for (const m of remarks.matchAll(CLAUSE)) {
    const ticker = m[1];
    const written = m[2];
    if (ticker === undefined || written === undefined || m.index === undefined) continue;
    // The last clause of a remark ends the sentence: "… - XBT 1abc." No address format uses '.' or ','.
    const address = written.replace(/[.,]+$/, '');
    const offset = m.index + m[0].length - written.length;
    found.push({ ticker: ticker.toUpperCase(), address, offset });
  }
  return found;
}
