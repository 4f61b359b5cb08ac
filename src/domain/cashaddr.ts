/**
 * Bitcoin Cash CashAddr (https://upgradespecs.bitcoincashnode.org/cashaddr/): a base32 payload
 * of one version byte plus a hash, under a network prefix, with a 40-bit BCH-code checksum.
 * Pure code; the 5<->8 bit regrouping is the same as bech32's, so it is borrowed from `bech32`.
 */
import { bech32 } from 'bech32';

export const CASHADDR_PREFIXES = ['bitcoincash', 'bchtest', 'bchreg'] as const;
export type CashAddrPrefix = (typeof CASHADDR_PREFIXES)[number];

export type CashAddrType = 'p2pkh' | 'p2sh';

export interface CashAddr {
  readonly prefix: CashAddrPrefix;
  readonly type: CashAddrType;
  /** Hash160 (or larger script hash), 20 to 64 bytes. */
  readonly hash: Uint8Array;
  /**
   * Type bits 2/3 (CashTokens): the same locking script as p2pkh/p2sh, only signalling that the
   * wallet accepts tokens. Screening treats it as the plain address.
   */
  readonly tokenAware: boolean;
}

export type CashAddrResult = { readonly ok: true; readonly value: CashAddr } | { readonly ok: false; readonly reason: string };

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHARSET_REV: ReadonlyMap<string, number> = new Map([...CHARSET].map((c, i) => [c, i]));
/** Hash length in bytes for each 3-bit size code of the version byte. */
const HASH_SIZES = [20, 24, 28, 32, 40, 48, 56, 64] as const;

/**
 * Generator constants of the spec's polymod, split into the top 8 bits and low 32 bits: the
 * checksum state is 40 bits wide and JS bitwise operators only work on 32.
 */
const GEN_HI = [0x98, 0x79, 0xf3, 0xae, 0x1e] as const;
const GEN_LO = [0xf2bc8e61, 0xb76d99e2, 0x3e5fb3c4, 0x2eabe2a8, 0x4f43e470] as const;

/** The spec's PolyMod over 5-bit values; returns the 40-bit result as [hi8, lo32]. */
function polymod(values: readonly number[]): [number, number] {
  let hi = 0;
  let lo = 1;
  for (const d of values) {
    const c0 = hi >>> 3;
    hi = ((hi & 0x07) << 5) | (lo >>> 27);
    lo = ((lo << 5) | d) >>> 0;
    for (let bit = 0; bit < 5; bit++) {
      if ((c0 >>> bit) & 1) {
        hi ^= GEN_HI[bit] as number;
        lo = (lo ^ (GEN_LO[bit] as number)) >>> 0;
      }
    }
  }
  return [hi, (lo ^ 1) >>> 0];
}

function prefixValues(prefix: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < prefix.length; i++) out.push(prefix.charCodeAt(i) & 0x1f);
  out.push(0);
  return out;
}

function isPrefix(value: string): value is CashAddrPrefix {
  return (CASHADDR_PREFIXES as readonly string[]).includes(value);
}

/** Encodes a hash as a lowercase CashAddr with its prefix, e.g. `bitcoincash:qp…`. */
export function encodeCashAddr(prefix: CashAddrPrefix, type: CashAddrType, hash: Uint8Array): string {
  const sizeCode = HASH_SIZES.indexOf(hash.length as (typeof HASH_SIZES)[number]);
  if (sizeCode < 0) throw new RangeError(`cashaddr hash must be one of ${HASH_SIZES.join('/')} bytes, got ${hash.length}`);
  const version = ((type === 'p2sh' ? 1 : 0) << 3) | sizeCode;
  const payload = bech32.toWords([version, ...hash]);
  const [hi, lo] = polymod([...prefixValues(prefix), ...payload, 0, 0, 0, 0, 0, 0, 0, 0]);
  // 40-bit checksum, most significant 5-bit group first; hi*2^32+lo is exact in a double.
  const checksum = hi * 0x1_0000_0000 + lo;
  let out = `${prefix}:`;
  for (const w of payload) out += CHARSET[w];
  for (let i = 7; i >= 0; i--) out += CHARSET[Math.floor(checksum / 2 ** (5 * i)) % 32];
  return out;
}

/**
 * Decodes a CashAddr, with or without its prefix (prefix-less strings are read under
 * `defaultPrefix`, as wallets display them). All lower or all upper case; mixed case is invalid.
 */
export function tryDecodeCashAddr(input: string, defaultPrefix: CashAddrPrefix = 'bitcoincash'): CashAddrResult {
  const lower = input.toLowerCase();
  if (input !== lower && input !== input.toUpperCase()) return fail('mixed-case cashaddr');
  const colon = lower.indexOf(':');
  const prefix = colon < 0 ? defaultPrefix : lower.slice(0, colon);
  const body = colon < 0 ? lower : lower.slice(colon + 1);
  if (!isPrefix(prefix)) return fail(`unknown cashaddr prefix "${prefix}" (expected ${CASHADDR_PREFIXES.join(', ')})`);
  // Shortest real payload: 1 version byte + 20-byte hash = 34 groups, plus 8 of checksum.
  if (body.length < 42) return fail('cashaddr payload too short');
  const values: number[] = [];
  for (const ch of body) {
    const v = CHARSET_REV.get(ch);
    if (v === undefined) return fail(`character "${ch}" is not in the cashaddr alphabet`);
    values.push(v);
  }
  const [hi, lo] = polymod([...prefixValues(prefix), ...values]);
  if (hi !== 0 || lo !== 0) return fail('bad cashaddr checksum');
  const bytes = bech32.fromWordsUnsafe(values.slice(0, -8));
  if (bytes === undefined || bytes.length < 1) return fail('cashaddr payload has invalid padding');
  const version = bytes[0] as number;
  if (version & 0x80) return fail('cashaddr version byte has the reserved bit set');
  const typeBits = (version >> 3) & 0x0f;
  if (typeBits > 3) return fail(`unknown cashaddr type ${typeBits}`);
  const expected = HASH_SIZES[version & 0x07] as number;
  const hash = Uint8Array.from(bytes.slice(1));
  if (hash.length !== expected) return fail(`cashaddr hash is ${hash.length} bytes, version byte says ${expected}`);
  return {
    ok: true,
    value: { prefix, type: typeBits % 2 === 0 ? 'p2pkh' : 'p2sh', hash, tokenAware: typeBits >= 2 },
  };
}

export class CashAddrError extends Error {
  override readonly name = 'CashAddrError';
  readonly input: string;
  readonly reason: string;
  constructor(input: string, reason: string) {
    super(`invalid cashaddr "${input}": ${reason}`);
    this.input = input;
    this.reason = reason;
  }
}

/** As `tryDecodeCashAddr`, throwing `CashAddrError` on failure. */
export function decodeCashAddr(input: string, defaultPrefix: CashAddrPrefix = 'bitcoincash'): CashAddr {
  const r = tryDecodeCashAddr(input, defaultPrefix);
  if (!r.ok) throw new CashAddrError(input, r.reason);
  return r.value;
}

function fail(reason: string): CashAddrResult {
  return { ok: false, reason };
}
