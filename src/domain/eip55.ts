/**
 * EIP-55, the checksum an EVM address carries in the case of its hex letters: a letter is upper
 * case where the matching nibble of keccak-256(lower-case hex) is 8 or more. Here rather than
 * ethers' getAddress so that reading an address does not load ethers (`cordon screen` starts in
 * a fraction of a second); test/domain/eip55.test.ts checks it against ethers.
 */
import { keccak_256 } from '@noble/hashes/sha3';

/** `0x` + the checksummed form of 40 lower-case hex digits (given without `0x`). */
export function eip55Checksummed(lowerHex: string): string {
  const hash = keccak_256(new TextEncoder().encode(lowerHex));
  let out = '0x';
  for (let i = 0; i < lowerHex.length; i++) {
    const c = lowerHex[i] as string;
    const nibble = ((hash[i >> 1] as number) >> (i % 2 === 0 ? 4 : 0)) & 0x0f;
    out += nibble >= 8 ? c.toUpperCase() : c;
  }
  return out;
}
