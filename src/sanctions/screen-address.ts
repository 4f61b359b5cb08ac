import type { AddressFamily } from '../domain/address-family.js';
import { normaliseForFamily, readAddress, type ParsedAddress } from '../domain/address.js';
import type { SanctionEntry } from '../domain/sanction-entry.js';
import type { AddressIndex } from './address-index.js';

export interface ScreenResult {
  /** The readings of the input that were looked up. */
  readonly readings: readonly ParsedAddress[];
  readonly matches: readonly SanctionEntry[];
}

/**
 * Screens one address. With a family (the chain it was seen on) it must be a valid address of
 * that family (InvalidAddressError otherwise); without one, every valid reading is checked.
 */
export function screenAddress(index: AddressIndex, raw: string, family?: AddressFamily): ScreenResult {
  const readings: ParsedAddress[] = family
    ? [{ family, address: normaliseForFamily(raw, family) }]
    : readAddress(raw);
  const matches = readings.flatMap((r) => index.lookup(r));
  return { readings, matches };
}
