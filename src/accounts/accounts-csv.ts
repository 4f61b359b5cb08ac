/**
 * The exchange's addresses as a CSV file (`cordon accounts import FILE.csv`):
 *
 * ```
 * chain,address,account_id,kind
 * ethereum,0x8589427373D6D84E98730D7795D8f6f8731FDA16,acct-7731,deposit
 * ```
 *
 * Parsing is pure: every bad line is rejected by its line number with the field and reason,
 * and the other lines are kept. Only a missing or wrong header rejects the whole file, since
 * then no column can be trusted.
 *
 * Decisions:
 * - Columns may come in any order but must be exactly `chain,address,account_id,kind`
 *   (case-insensitive): an extra column means the file is not what we think it is.
 * - The same (chain, address) twice with the same account and kind is harmless; the repeat is
 *   skipped. Twice with a different account or kind is a contradiction in the file: every line
 *   naming that address is rejected, since attributing deposits to the wrong account would
 *   freeze the wrong person. (An address already stored for another account is re-assigned:
 *   the exchange's latest word wins.)
 * - Quoted fields (RFC 4180) are understood within one line; a field cannot span lines.
 */
import type { AddressFamily } from '../domain/address-family.js';
import { InvalidAddressError, normaliseForFamily, type NormalisedAddress } from '../domain/address.js';
import { WATCHED_KINDS, type AccountsRepo, type NewWatchedAddress, type WatchedKind } from '../store/accounts-repo.js';

/** A configured chain, as far as addresses are concerned. */
export interface AccountChain {
  readonly id: string;
  readonly family: AddressFamily;
}

export const ACCOUNTS_CSV_COLUMNS = ['chain', 'address', 'account_id', 'kind'] as const;
type Column = (typeof ACCOUNTS_CSV_COLUMNS)[number];

/** One usable line: the address normalised for its chain's family. */
export interface AccountRow extends NewWatchedAddress {
  /** 1-based line in the file. */
  readonly line: number;
}

export interface RejectedAccountLine {
  readonly line: number;
  /** Names the field, e.g. `address: bad EIP-55 checksum`. */
  readonly reason: string;
  /** The line as written, trimmed to a readable length. */
  readonly text: string;
}

export interface AccountsCsv {
  readonly rows: AccountRow[];
  /** In line order. */
  readonly rejected: RejectedAccountLine[];
}

/** The file as a whole cannot be read (no header, wrong columns). */
export class AccountsCsvError extends Error {
  override readonly name = 'AccountsCsvError';
  constructor(
    readonly source: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${source}:${line}: ${reason}`);
  }
}

/** An account id is the exchange's reference: printable, no surrounding space, bounded. */
const ACCOUNT_ID = /^[^\s\p{Cc}](?:[^\p{Cc}]{0,126}[^\s\p{Cc}])?$/u;
const MAX_TEXT = 160;

export function isValidAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

export function isWatchedKind(value: string): value is WatchedKind {
  return (WATCHED_KINDS as readonly string[]).includes(value);
}

/** Splits one line into fields (RFC 4180 quoting within the line); a string is the error. */
export function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    // Leading spaces before a quote are tolerated.
    let j = i;
    while (line[j] === ' ') j++;
    if (line[j] === '"') {
      let field = '';
      let k = j + 1;
      for (;;) {
        const q = line.indexOf('"', k);
        if (q < 0) return 'quoted field never closed (fields cannot span lines)';
        field += line.slice(k, q);
        if (line[q + 1] === '"') {
          field += '"';
          k = q + 2;
          continue;
        }
        k = q + 1;
        break;
      }
      while (line[k] === ' ') k++;
      fields.push(field);
      if (k >= line.length) return fields;
      if (line[k] !== ',') return `unexpected ${JSON.stringify(line[k])} after a closing quote`;
      i = k + 1;
      continue;
    }
    const comma = line.indexOf(',', i);
    const field = comma < 0 ? line.slice(i) : line.slice(i, comma);
    if (field.includes('"')) return 'a quote inside an unquoted field';
    fields.push(field);
    if (comma < 0) return fields;
    i = comma + 1;
  }
}

function shown(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/**
 * Parses the accounts CSV against the configured chains. Throws `AccountsCsvError` only when
 * the header is missing or wrong; bad lines are returned in `rejected`.
 */
export function parseAccountsCsv(text: string, chains: readonly AccountChain[], source = 'accounts csv'): AccountsCsv {
  const familyOf = new Map(chains.map((c) => [c.id, c.family] as const));
  const configured = chains.length === 0 ? 'none configured' : `configured: ${chains.map((c) => c.id).join(', ')}`;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);

  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new AccountsCsvError(source, 1, `empty file; expected the header ${ACCOUNTS_CSV_COLUMNS.join(',')}`);
  const header = splitCsvLine(lines[headerIndex] ?? '');
  const columns = new Map<Column, number>();
  const headerProblem = (() => {
    if (typeof header === 'string') return header;
    const names = header.map((h) => h.trim().toLowerCase());
    for (const [i, name] of names.entries()) {
      const col = ACCOUNTS_CSV_COLUMNS.find((c) => c === name);
      if (col === undefined) return `unknown column "${header[i] ?? ''}"`;
      if (columns.has(col)) return `column "${col}" appears twice`;
      columns.set(col, i);
    }
    const missing = ACCOUNTS_CSV_COLUMNS.filter((c) => !columns.has(c));
    return missing.length > 0 ? `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : null;
  })();
  if (headerProblem !== null) {
    throw new AccountsCsvError(
      source,
      headerIndex + 1,
      `bad header (${headerProblem}); the first line must be ${ACCOUNTS_CSV_COLUMNS.join(',')}`,
    );
  }

  const rejected: RejectedAccountLine[] = [];
  const byKey = new Map<string, AccountRow>();
  const conflicting = new Map<string, number[]>();
  const lineTexts = new Map<number, string>();

  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const line = i + 1;
    const reject = (reason: string) => rejected.push({ line, reason, text: shown(raw) });
    const fields = splitCsvLine(raw);
    if (typeof fields === 'string') {
      reject(fields);
      continue;
    }
    if (fields.length !== ACCOUNTS_CSV_COLUMNS.length) {
      reject(`expected ${ACCOUNTS_CSV_COLUMNS.length} fields (${ACCOUNTS_CSV_COLUMNS.join(',')}), got ${fields.length}`);
      continue;
    }
    const field = (c: Column): string => (fields[columns.get(c) ?? -1] ?? '').trim();

    const chain = field('chain');
    const family = familyOf.get(chain);
    if (family === undefined) {
      reject(chain === '' ? 'chain: empty' : `chain: unknown chain "${chain}" (${configured})`);
      continue;
    }
    let address: NormalisedAddress;
    try {
      address = normaliseForFamily(field('address'), family);
    } catch (err) {
      if (!(err instanceof InvalidAddressError)) throw err;
      reject(`address: ${err.reason} (chain ${chain} is ${family})`);
      continue;
    }
    const accountId = field('account_id');
    if (!isValidAccountId(accountId)) {
      reject(accountId === '' ? 'account_id: empty' : 'account_id: must be 1-128 printable characters');
      continue;
    }
    const kind = field('kind').toLowerCase();
    if (!isWatchedKind(kind)) {
      reject(`kind: must be ${WATCHED_KINDS.join(' or ')}, got "${field('kind')}"`);
      continue;
    }

    const key = `${chain}\u0000${address}`;
    const earlier = byKey.get(key);
    if (earlier === undefined) {
      byKey.set(key, { chain, address, accountId, kind, line });
      lineTexts.set(line, raw);
    } else if (earlier.accountId !== accountId || earlier.kind !== kind) {
      const lines = conflicting.get(key) ?? [];
      lines.push(line);
      conflicting.set(key, lines);
      lineTexts.set(line, raw);
    }
  }

  for (const [key, lines] of conflicting) {
    const first = byKey.get(key);
    if (first === undefined) continue;
    byKey.delete(key);
    const all = [first.line, ...lines];
    for (const line of all) {
      rejected.push({
        line,
        reason: `address: ${first.address} on ${first.chain} is given to different accounts or kinds on lines ${all.join(', ')}; none of them imported`,
        text: shown(lineTexts.get(line) ?? ''),
      });
    }
  }
  rejected.sort((a, b) => a.line - b.line);
  const rows = [...byKey.values()].sort((a, b) => a.line - b.line);
  return { rows, rejected };
}

export interface ImportResult {
  /** Addresses not watched before. */
  readonly added: number;
  /** Addresses moved to another account or kind. */
  readonly changed: number;
  /** Already stored exactly so. */
  readonly unchanged: number;
  readonly batches: number;
}

/** Imports writing at least this many rows refresh the table's statistics afterwards. */
const STATISTICS_AFTER_ROWS = 1_000;

/**
 * Upserts the rows in batches of `batchSize` (one statement each). Each (chain, address) may
 * appear once (`parseAccountsCsv` guarantees it); a batch is atomic, the import as a whole is
 * not: re-running it after a failure is safe.
 */
export async function importAccounts(
  repo: Pick<AccountsRepo, 'upsertWatchedAddresses' | 'refreshWatchedStatistics'>,
  rows: readonly NewWatchedAddress[],
  options: { readonly batchSize?: number } = {},
): Promise<ImportResult> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`accounts import: batchSize must be a positive integer, got ${batchSize}`);
  }
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.chain}\u0000${r.address}`;
    if (seen.has(key)) throw new RangeError(`accounts import: ${r.address} on ${r.chain} appears twice; deduplicate first`);
    seen.add(key);
  }
  let added = 0;
  let changed = 0;
  let batches = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize).map(({ chain, address, accountId, kind }) => ({ chain, address, accountId, kind }));
    const r = await repo.upsertWatchedAddresses(batch);
    added += r.added;
    changed += r.changed;
    batches += 1;
  }
  // The planner's statistics follow the import, so the index's page queries stay index reads.
  if (added + changed >= STATISTICS_AFTER_ROWS) await repo.refreshWatchedStatistics();
  return { added, changed, unchanged: rows.length - added - changed, batches };
}
