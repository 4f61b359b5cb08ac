import { InvalidAddressError, keepAsListed, parseListedAddress, type ParsedAddress } from '../domain/address.js';

/**
 * An address as OFAC publishes it (SDN XML feature, SDN CSV remark), read for the index.
 * `failed`: it does not verify under its ticker (bad checksum, a format Cordon does not expect
 * for that ticker) and is kept as the exact string; the caller tells the operator.
 */
export interface OfacAddress extends ParsedAddress {
  readonly failed?: string;
}

/**
 * OFAC's own sources keep every address they publish: one that fails verification under a known
 * ticker becomes an `unverified` entry (matched only exactly as written) instead of a rejected
 * item, because a dropped sanctioned address screens clean, which is the worse error. Only a
 * string that cannot be matched at all (empty, inner whitespace) throws InvalidAddressError.
 * Exchange-written lists (plain, custom) keep rejecting bad lines: their author can fix them.
 */
export function readOfacAddress(raw: string, ticker: string): OfacAddress {
  try {
    return parseListedAddress(raw, ticker);
  } catch (err) {
    if (!(err instanceof InvalidAddressError)) throw err;
    return { ...keepAsListed(raw), failed: err.reason };
  }
}

/** What the operator is told about an address kept though it failed verification. */
export function keptUnverifiedNote(where: string, ticker: string, address: string, reason: string): string {
  return (
    `${where}: ${ticker} address "${address}" fails verification (${reason}); ` +
    'kept as an exact-string (unverified) entry: it matches only when screened exactly as written'
  );
}
