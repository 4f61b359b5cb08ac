/**
 * RFC 4180 records with the line each starts on, so a bad record can be named by line.
 * OFAC's files add two quirks handled here: CRLF line ends and a trailing Ctrl-Z (0x1A)
 * end-of-file marker.
 */
export interface CsvRecord {
  /** 1-based line the record starts on. */
  readonly line: number;
  readonly fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const EOF_MARK = 0x1a;

export function* csvRecords(text: string): Generator<CsvRecord> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let endOfRecord = false;
    // A record consisting only of the Ctrl-Z marker (and line ends) closes the file.
    if (text.charCodeAt(i) === EOF_MARK && /^\x1a[\r\n]*$/.test(text.slice(i))) return;
    while (!endOfRecord) {
      if (i >= n) {
        fields.push(field);
        break;
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE && field.trim() === '') {
        // Quoted field: runs to the closing quote; "" is an escaped quote.
        field = '';
        i++;
        let closed = false;
        while (i < n) {
          const q = text.indexOf('"', i);
          if (q < 0) break;
          const chunk = text.slice(i, q);
          field += chunk;
          line += countLineFeeds(chunk);
          if (text.charCodeAt(q + 1) === QUOTE) {
            field += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          closed = true;
          break;
        }
        if (!closed) throw new CsvSyntaxError(startLine, 'quoted field never closed (file truncated?)');
        // Tolerate spaces between the closing quote and the delimiter.
        while (i < n && text.charCodeAt(i) === 32) i++;
        const next = text.charCodeAt(i);
        if (i < n && next !== COMMA && next !== LF && next !== CR) {
          throw new CsvSyntaxError(line, `unexpected character after closing quote: ${JSON.stringify(text[i])}`);
        }
        continue;
      }
      if (c === COMMA) {
        fields.push(field);
        field = '';
        i++;
        continue;
      }
      if (c === CR || c === LF) {
        fields.push(field);
        if (c === CR && text.charCodeAt(i + 1) === LF) i++;
        i++;
        line++;
        endOfRecord = true;
        continue;
      }
      // Unquoted run up to the next delimiter or line end.
      let j = i;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === COMMA || d === LF || d === CR) break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
    }
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    yield { line: startLine, fields };
  }
}

function countLineFeeds(s: string): number {
  let count = 0;
  for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) count++;
  return count;
}

/** OFAC writes `-0-` (often with a trailing space) for an empty value. */
export function ofacValue(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const v = raw.trim();
  return v === '' || v === '-0-' ? null : v;
}
