import type { AddressFamily } from '../domain/address-family.js';
import { InvalidAddressError, normaliseForFamily, readAddress, unreadableReason, type ParsedAddress } from '../domain/address.js';
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

/**
 * What screening one input concludes, the rule every front end (CLI, API) applies: a screening
 * tool never says "clean" for something it could not read as an address.
 * - `listed`: some reading is on a list (an exact-string entry of an unverifiable format too);
 * - `clean`: it reads as a valid address and no reading is listed;
 * - `invalid`: it is no valid address (of `family`, or without one of any format Cordon
 *   verifies) and is on no list as written; `reason` says why. For a mixed-case 0x input (a
 *   broken EIP-55 checksum) `lowerCase` says whether the lower-case reading is listed, so a
 *   mistyped case neither hides a listed address nor passes as clean.
 */
export type ScreenVerdict =
  | { readonly status: 'listed' | 'clean'; readonly readings: readonly ParsedAddress[]; readonly matches: readonly SanctionEntry[] }
  | {
      readonly status: 'invalid';
      readonly readings: readonly ParsedAddress[];
      readonly matches: readonly [];
      readonly reason: string;
      readonly lowerCase?: { readonly address: string; readonly matches: readonly SanctionEntry[] };
    };

const MIXED_CASE_EVM = /^0x(?=.*[a-f])(?=.*[A-F])[0-9a-fA-F]{40}$/;

export function screenVerdict(index: AddressIndex, raw: string, family?: AddressFamily): ScreenVerdict {
  let result: ScreenResult;
  try {
    result = screenAddress(index, raw, family);
  } catch (err) {
    if (!(err instanceof InvalidAddressError)) throw err;
    return { status: 'invalid', readings: [], matches: [], reason: err.reason, ...lowerCaseReading(index, raw, family) };
  }
  if (result.matches.length > 0) return { status: 'listed', ...result };
  // Without a family, a string that reads as no verified address was only compared as written.
  const unreadable = family === undefined ? unreadableReason(raw) : undefined;
  if (unreadable === undefined) return { status: 'clean', ...result };
  return { status: 'invalid', readings: result.readings, matches: [], reason: unreadable, ...lowerCaseReading(index, raw, family) };
}

function lowerCaseReading(index: AddressIndex, raw: string, family: AddressFamily | undefined): { lowerCase?: { address: string; matches: readonly SanctionEntry[] } } {
  const s = raw.trim();
  if (!MIXED_CASE_EVM.test(s)) return {};
  const lower = s.toLowerCase();
  try {
    return { lowerCase: { address: lower, matches: screenAddress(index, lower, family).matches } };
  } catch (err) {
    // Not an address of the family given even in lower case: the reason already says why.
    if (err instanceof InvalidAddressError) return {};
    throw err;
  }
}
