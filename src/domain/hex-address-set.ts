/**
 * A set of EVM-family addresses (20 bytes, written `0x` + 40 hex digits) that answers "is this
 * one of them?" by reading the digits where they stand: in an address string, or in a 32-byte
 * log topic that holds one. Nothing is sliced, lower-cased or hashed as a string on the way.
 *
 * Why not a `Set<string>`: the EVM source asks about every party of every transaction and
 * Transfer log it reads, hundreds a block, each a fresh string from the node's JSON. Hashing
 * those strings for a Set of an exchange's 100,000+ addresses cost more than the rest of the
 * block's checks together (bench/evm-replay.ts).
 *
 * Layout: open addressing with linear probing over flat typed arrays, 24 bytes a slot, 35% to
 * 70% of the slots used (34-69 bytes an address; a Set of the strings takes about 100 plus the
 * table).
 * The slot comes from the last 8 digits (their tag), mixed; an exchange's addresses are hashes, so their
 * tails are spread. A colliding tail only costs a comparison of the 20 bytes.
 */
import type { NormalisedAddress } from './address.js';

/** Hex digit value by char code (either case), -1 for anything else. */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) DIGIT[48 + i] = i;
for (let i = 0; i < 6; i++) {
  DIGIT[97 + i] = 10 + i;
  DIGIT[65 + i] = 10 + i;
}

const digitAt = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c < 128 ? (DIGIT[c] as number) : -1;
};

const ADDRESS_BYTES = 20;
const MIN_SLOTS = 1024;
/**
 * At most 7 slots in 10 used: a lookup that misses (most parties of a block) probes about
 * three slots, and 10 M addresses fit in 2^24 slots (420 MB) instead of 2^25.
 */
const LOAD_NUM = 7;
const LOAD_DEN = 10;

/**
 * The tail tag: the last 8 of the 40 digits at `offset` with the lowest bit set, so that 0
 * marks a free slot (no array of its own to miss the cache on); -1 if one is not a hex digit.
 */
function tailTag(text: string, offset: number): number {
  let key = 0;
  for (let i = offset + 32; i < offset + 40; i++) {
    const d = digitAt(text, i);
    if (d < 0) return -1;
    key = (key << 4) | d;
  }
  return (key | 1) >>> 0;
}

export class HexAddressSet {
  #slots: number;
  #mask: number;
  /** 32 − log2(slots): the slot is the top bits of the mixed tail. */
  #shift: number;
  /** Per slot: the tail tag (compared before the bytes), 0 when the slot is free. */
  #tails: Uint32Array;
  /** Per slot: the address's 20 bytes. */
  #bytes: Uint8Array;
  /** The bytes of the address being added, parsed once. */
  readonly #scratch = new Uint8Array(ADDRESS_BYTES);
  #size = 0;

  constructor(expected = 0) {
    this.#slots = MIN_SLOTS;
    while (expected * LOAD_DEN > this.#slots * LOAD_NUM) this.#slots *= 2;
    this.#mask = this.#slots - 1;
    this.#shift = 32 - Math.log2(this.#slots);
    this.#tails = new Uint32Array(this.#slots);
    this.#bytes = new Uint8Array(this.#slots * ADDRESS_BYTES);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds a normalised EVM address (`0x` + 40 hex digits); false if it was already in. */
  add(address: NormalisedAddress): boolean {
    const added = this.tryAdd(address);
    if (added === undefined) throw new TypeError(`not an EVM address: "${address.slice(0, 50)}"`);
    return added;
  }

  /** Like `add`, but undefined (and nothing added) for what is not `0x` + 40 hex digits. */
  tryAdd(text: string): boolean | undefined {
    return text.length === 42 && text.charCodeAt(0) === 48 && (text.charCodeAt(1) | 0x20) === 120 ? this.addDigitsAt(text, 2) : undefined;
  }

  /**
   * Adds the address whose 40 hex digits (either case) stand in `text` from `offset` on:
   * true if it is new, false if it was already in, undefined (and nothing added) when they
   * are not 40 hex digits. Lets a caller add from a page of addresses without slicing it.
   */
  addDigitsAt(text: string, offset: number): boolean | undefined {
    if (offset < 0 || text.length < offset + 40) return undefined;
    const scratch = this.#scratch;
    for (let j = 0; j < ADDRESS_BYTES; j++) {
      const hi = digitAt(text, offset + 2 * j);
      const lo = digitAt(text, offset + 2 * j + 1);
      if (hi < 0 || lo < 0) return undefined;
      scratch[j] = (hi << 4) | lo;
    }
    if ((this.#size + 1) * LOAD_DEN > this.#slots * LOAD_NUM) this.#grow();
    const tail = ((scratch[16] as number) << 24 | (scratch[17] as number) << 16 | (scratch[18] as number) << 8 | (scratch[19] as number) | 1) >>> 0;
    const bytes = this.#bytes;
    const tails = this.#tails;
    let slot = mix(tail) >>> this.#shift;
    for (let t = tails[slot] as number; t !== 0; slot = (slot + 1) & this.#mask, t = tails[slot] as number) {
      if (t !== tail) continue;
      const base = slot * ADDRESS_BYTES;
      let j = 0;
      while (j < ADDRESS_BYTES && bytes[base + j] === scratch[j]) j++;
      if (j === ADDRESS_BYTES) return false;
    }
    // Linear probing: the first free slot on the way is where a lookup will look.
    tails[slot] = tail;
    bytes.set(scratch, slot * ADDRESS_BYTES);
    this.#size++;
    return true;
  }

  /** Is this address (`0x` + 40 hex digits, either case) in the set? */
  has(address: string): boolean {
    return address.length === 42 && this.hasDigitsAt(address, 2);
  }

  /**
   * Are the 40 hex digits of `text` from `offset` on one of the addresses? For an address
   * string, offset 2; for a 32-byte log topic (`0x` + 24 zero digits + the address), 26.
   * False when they are not 40 hex digits.
   */
  hasDigitsAt(text: string, offset: number): boolean {
    if (offset < 0 || text.length < offset + 40) return false;
    const tail = tailTag(text, offset);
    if (tail < 0) return false;
    const tails = this.#tails;
    for (let slot = mix(tail) >>> this.#shift, t = tails[slot] as number; t !== 0; slot = (slot + 1) & this.#mask, t = tails[slot] as number) {
      if (t === tail && this.#sameBytes(slot, text, offset)) return true;
    }
    return false;
  }

  #sameBytes(slot: number, text: string, offset: number): boolean {
    const base = slot * ADDRESS_BYTES;
    for (let j = 0; j < ADDRESS_BYTES; j++) {
      const hi = digitAt(text, offset + 2 * j);
      const lo = digitAt(text, offset + 2 * j + 1);
      if (hi < 0 || lo < 0 || this.#bytes[base + j] !== ((hi << 4) | lo)) return false;
    }
    return true;
  }

  #grow(): void {
    const tails = this.#tails;
    const bytes = this.#bytes;
    const old = this.#slots;
    this.#slots = old * 2;
    this.#mask = this.#slots - 1;
    this.#shift -= 1;
    this.#tails = new Uint32Array(this.#slots);
    this.#bytes = new Uint8Array(this.#slots * ADDRESS_BYTES);
    for (let s = 0; s < old; s++) {
      const tail = tails[s] as number;
      if (tail === 0) continue;
      let slot = mix(tail) >>> this.#shift;
      while (this.#tails[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#tails[slot] = tail;
      this.#bytes.set(bytes.subarray(s * ADDRESS_BYTES, (s + 1) * ADDRESS_BYTES), slot * ADDRESS_BYTES);
    }
  }
}

/** Fibonacci hashing: the top bits of the product spread tails that differ anywhere over the slots. */
const mix = (tail: number): number => Math.imul(tail, 0x9e3779b1) >>> 0;

/** `0x` and 40 hex digits (either case): what `add` takes. */
export function isHexAddress(text: string): boolean {
  if (text.length !== 42 || text.charCodeAt(0) !== 48 || (text.charCodeAt(1) | 0x20) !== 120) return false;
  for (let i = 2; i < 42; i++) if (digitAt(text, i) < 0) return false;
  return true;
}

/** What readers of a HexAddressSet need: membership (and how many there are). */
export type HexAddressLookup = Pick<HexAddressSet, 'has' | 'hasDigitsAt' | 'size'>;
