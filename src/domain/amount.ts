/**
 * Amounts in an asset's own units. Cordon keeps every amount in base units (wei, satoshi,
 * token base units) as a bigint; people read them in the asset's units, so each amount shown
 * carries both (`1285 USDT (1285000000 base units)`).
 */

/** How an asset's base units read: its symbol and the number of decimals of one whole unit. */
export interface AssetUnits {
  readonly symbol: string;
  readonly decimals: number;
}

/** A decimal amount in units, as written in a config file: `1`, `0.5`, `1285.000001`. */
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export function checkDecimals(decimals: number): void {
  if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > 255) {
    throw new RangeError(`decimals must be a whole number from 0 to 255, got ${decimals}`);
  }
}

/** `amount` base units in whole units, without trailing zeros: 1285000000n, 6 → `1285`; 1n, 18 → `0.000000000000000001`. */
export function formatUnits(amount: bigint, decimals: number): string {
  checkDecimals(decimals);
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/**
 * A decimal string in units as base units: `1.5`, 6 → 1500000n. Throws a RangeError saying
 * what is wrong for anything else (a sign, an exponent, more fraction digits than `decimals`).
 */
export function parseUnits(text: string, decimals: number): bigint {
  checkDecimals(decimals);
  const m = DECIMAL.exec(text.trim());
  if (m === null) throw new RangeError(`"${text}" is not a decimal amount like 1 or 0.25`);
  const fraction = m[2] ?? '';
  if (fraction.length > decimals) {
    throw new RangeError(`"${text}" has ${fraction.length} decimal places; this asset has ${decimals}`);
  }
  return BigInt(`${m[1]}${fraction.padEnd(decimals, '0')}`);
}

/** `amount` in whole units, or null when the asset's units are not known. */
export function amountInUnits(amount: bigint, units: AssetUnits | null): string | null {
  return units === null ? null : formatUnits(amount, units.decimals);
}
