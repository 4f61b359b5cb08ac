/**
 * Address encoders tuned for the block extractor, which spells every output of every block
 * (about 3,600 per full block): base58check (p2pkh / p2sh) and bech32 / bech32m (segwit).
 *
 * The general-purpose libraries spend most of their time on things this path does not need:
 * bs58check hashes 21 bytes with a streaming SHA-256 and encodes base58 digit by digit (about
 * 20 µs an address). Here the checksum is a single-block SHA-256 (the payload always fits in
 * one 64-byte block) and base58 works on limbs of 58^5, about 1 µs in all. The output is
 * checked against bitcoinjs-lib for every output of a real block in the tests.
 */
import { checksum4 } from './sha256-short.js';

// ---------------------------------------------------------------- base58check

const B58 = Buffer.from('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz', 'latin1');
const LIMB = 58 ** 5; // 656,356,768 < 2^30
const limbs = new Float64Array(16);
const scratch = new Uint8Array(64);
/** Base58 characters, written from the end. */
const chars = Buffer.alloc(80);

/** Base58 of bytes[0..len) (len ≤ 50), leading zero bytes as '1'. */
function base58(bytes: Uint8Array, len: number): string {
  let zeros = 0;
  while (zeros < len && bytes[zeros] === 0) zeros++;
  let n = 0; // limbs in use, least significant first
  // Two bytes at a time: limb × 65,536 + carry < 2^46, exact in a double.
  let i = zeros;
  if ((len - zeros) & 1) {
    limbs[0] = bytes[i++] as number;
    n = limbs[0] > 0 ? 1 : 0;
  }
  for (; i < len; i += 2) {
    let carry = ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
    for (let j = 0; j < n; j++) {
      const v = (limbs[j] as number) * 65536 + carry;
      carry = Math.floor(v / LIMB);
      limbs[j] = v - carry * LIMB;
    }
    while (carry > 0) {
      const q = Math.floor(carry / LIMB);
      limbs[n++] = carry - q * LIMB;
      carry = q;
    }
  }
  let at = chars.length;
  for (let j = 0; j < n; j++) {
    let v = (limbs[j] as number) | 0;
    const last = j === n - 1;
    for (let k = 0; k < 5 && (!last || v > 0); k++) {
      const q = (v / 58) | 0; // v < 2^30: int32 division
      chars[--at] = B58[v - q * 58] as number;
      v = q;
    }
  }
  for (let k = 0; k < zeros; k++) chars[--at] = 0x31; // '1'
  return chars.toString('latin1', at, chars.length);
}

/** Base58check of a version byte and a 20-byte hash taken from `src` at `offset`. */
export function base58CheckAddress(version: number, src: Uint8Array, offset: number): string {
  scratch[0] = version;
  for (let i = 0; i < 20; i++) scratch[1 + i] = src[offset + i] as number;
  const c = checksum4(scratch, 21);
  scratch[21] = c >>> 24;
  scratch[22] = (c >>> 16) & 0xff;
  scratch[23] = (c >>> 8) & 0xff;
  scratch[24] = c & 0xff;
  return base58(scratch, 25);
}

// ---------------------------------------------------------------- bech32 / bech32m

const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;
const words = new Uint8Array(80);

function polymodStep(chk: number, v: number): number {
  const top = chk >>> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ v;
  if (top & 1) chk ^= 0x3b6a57b2;
  if (top & 2) chk ^= 0x26508e6d;
  if (top & 4) chk ^= 0x1ea119fa;
  if (top & 8) chk ^= 0x3d4233dd;
  if (top & 16) chk ^= 0x2a1462b3;
  return chk;
}

const hrpChecksumStart = new Map<string, number>();

/** The polymod state after the expanded HRP; cached per HRP (there are a handful). */
function hrpState(hrp: string): number {
  let chk = hrpChecksumStart.get(hrp);
  if (chk !== undefined) return chk;
  chk = 1;
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) >> 5);
  chk = polymodStep(chk, 0);
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) & 31);
  hrpChecksumStart.set(hrp, chk);
  return chk;
}

/**
 * A segwit address (BIP-173 for v0, BIP-350 bech32m for v1+), lower case, for the witness
 * program src[offset .. offset+length).
 */
export function segwitAddress(hrp: string, version: number, src: Uint8Array, offset: number, length: number): string {
  let n = 0;
  words[n++] = version;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < length; i++) {
    acc = ((acc << 8) | (src[offset + i] as number)) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words[n++] = (acc >>> bits) & 31;
    }
  }
  if (bits > 0) words[n++] = (acc << (5 - bits)) & 31;
  let chk = hrpState(hrp);
  let out = `${hrp}1`;
  for (let i = 0; i < n; i++) {
    const w = words[i] as number;
    chk = polymodStep(chk, w);
    out += BECH32_CHARSET[w];
  }
  for (let i = 0; i < 6; i++) chk = polymodStep(chk, 0);
  chk ^= version === 0 ? BECH32_CONST : BECH32M_CONST;
  for (let i = 0; i < 6; i++) out += BECH32_CHARSET[(chk >>> (5 * (5 - i))) & 31];
  return out;
}
