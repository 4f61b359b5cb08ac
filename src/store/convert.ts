import { StoreDataError } from './errors.js';

/** int8 / numeric columns (strings from both backends) → bigint. */
export function toBigInt(value: unknown, column: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new StoreDataError(column, `expected an integer, got ${JSON.stringify(String(value))}`);
}

/** int8 ids → number, refusing anything past 2^53 rather than rounding it. */
export function toSafeNumber(value: unknown, column: string): number {
  const n = toBigInt(value, column);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new StoreDataError(column, `${n} does not fit a safe JS number`);
  }
  return Number(n);
}

export function toDate(value: unknown, column: string): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new StoreDataError(column, `expected a timestamp, got ${JSON.stringify(String(value))}`);
}

/** jsonb array of strings (e.g. sanctions programs). */
export function toStringArray(value: unknown, column: string): string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (Array.isArray(parsed) && parsed.every((p): p is string => typeof p === 'string')) {
    return parsed;
  }
  throw new StoreDataError(column, `expected a JSON array of strings, got ${JSON.stringify(value)}`);
}

/** Narrows a text column to one of its CHECKed values. */
export function toEnum<T extends string>(value: unknown, allowed: readonly T[], column: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new StoreDataError(column, `expected one of ${allowed.join('|')}, got ${JSON.stringify(value)}`);
}

/** First row or a clear error for statements that must return one. */
export function one<R>(rows: R[], what: string): R {
  const row = rows[0];
  if (row === undefined) throw new Error(`store: ${what} returned no row`);
  return row;
}
