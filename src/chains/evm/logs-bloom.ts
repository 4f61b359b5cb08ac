/**
 * A block header's `logsBloom`: 2048 bits, 3 set per log address and per topic (Yellow Paper
 * §4.3.1). A value whose bits are not all set is certainly in no log of the block; one whose
 * bits are set probably is. Used to catch an eth_getLogs range answer that left a block out
 * (a load-balanced backend behind the others, clamping the range to its own head).
 */
import { getBytes, keccak256 } from 'ethers';

/** The 3 (byte index, mask) pairs a 32-byte value or 20-byte address sets in a bloom. */
export function bloomBits(value: string): readonly (readonly [number, number])[] {
  const h = getBytes(keccak256(value));
  const bits: [number, number][] = [];
  for (let i = 0; i < 6; i += 2) {
    const bit = (((h[i] as number) << 8) | (h[i + 1] as number)) & 2047;
    bits.push([255 - (bit >> 3), 1 << (bit & 7)]);
  }
  return bits;
}

/** Whether the bloom (0x + 512 hex digits) may hold the value whose `bloomBits` these are. */
export function bloomMayContain(bloom: string, bits: readonly (readonly [number, number])[]): boolean {
  for (const [byte, mask] of bits) {
    const v = parseInt(bloom.slice(2 + byte * 2, 4 + byte * 2), 16);
    if ((v & mask) === 0) return false;
  }
  return true;
}
