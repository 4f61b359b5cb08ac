/**
 * Output script → address, by pattern, the way Bitcoin Core's `Solver` / `ExtractDestination`
 * see it: p2pkh, p2sh, segwit v0 (p2wpkh, p2wsh), v1 (p2tr) and later witness versions have
 * an address; p2pk, bare multisig, OP_RETURN and anything non-standard have none. Bitcoin Cash
 * has no segwit but adds p2sh32 and CashTokens prefixes, and spells addresses as cashaddr.
 *
 * The address is exactly what `normaliseForFamily(address, family)` returns for it, so it can
 * be looked up in the sanctions index and the exchange's watched addresses as it is.
 */
import type { NormalisedAddress } from '../../domain/address.js';
import { encodeCashAddr } from '../../domain/cashaddr.js';
import { base58CheckAddress, segwitAddress } from './encode-address.js';
import type { UtxoNetwork } from './networks.js';

export type OutputScriptType =
  | 'p2pkh'
  | 'p2sh'
  | 'p2sh32'
  | 'p2wpkh'
  | 'p2wsh'
  | 'p2tr'
  | 'witness-unknown'
  | 'p2pk'
  | 'multisig'
  | 'op-return'
  | 'nonstandard';

const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_RETURN = 0x6a;
const OP_DUP = 0x76;
const OP_EQUAL = 0x87;
const OP_EQUALVERIFY = 0x88;
const OP_HASH160 = 0xa9;
const OP_HASH256 = 0xaa;
const OP_CHECKSIG = 0xac;
const OP_CHECKMULTISIG = 0xae;
/** Bitcoin Cash CashTokens: a token prefix before the locking bytecode. */
const PREFIX_TOKEN = 0xef;

/** script[start..end) is a witness program: OP_n, one push of 2-40 bytes, nothing else. */
function witnessVersion(s: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len < 4 || len > 42) return -1;
  const op = s[start] as number;
  if (s[start + 1] !== len - 2) return -1;
  if (op === OP_0) return 0;
  if (op >= OP_1 && op <= OP_16) return op - OP_1 + 1;
  return -1;
}

function isPubkey(s: Uint8Array, at: number, end: number): number {
  const n = s[at];
  if (n === 33 && at + 34 <= end && (s[at + 1] === 2 || s[at + 1] === 3)) return 34;
  if (n === 65 && at + 66 <= end && s[at + 1] === 4) return 66;
  return 0;
}

function isMultisig(s: Uint8Array, start: number, end: number): boolean {
  const m = (s[start] as number) - OP_1 + 1;
  const n = (s[end - 2] as number) - OP_1 + 1;
  if (s[end - 1] !== OP_CHECKMULTISIG || m < 1 || m > 16 || n < m || n > 16) return false;
  let at = start + 1;
  for (let k = 0; k < n; k++) {
    const step = isPubkey(s, at, end - 2);
    if (step === 0) return false;
    at += step;
  }
  return at === end - 2;
}

/**
 * Where the locking bytecode starts after a CashTokens prefix (`0xef`, category, bitfield,
 * optional commitment, optional amount), or -1 if the prefix is malformed.
 */
function afterTokenPrefix(s: Uint8Array, start: number, end: number): number {
  let at = start + 1 + 32;
  if (at >= end) return -1;
  const bits = s[at++] as number;
  const hasAmount = (bits & 0x10) !== 0;
  const hasNft = (bits & 0x20) !== 0;
  const hasCommitment = (bits & 0x40) !== 0;
  if (hasCommitment) {
    if (!hasNft) return -1;
    const [len, size] = compactSize(s, at, end);
    if (size === 0 || len < 1 || len > 40) return -1;
    at += size + len;
  }
  if (hasAmount) {
    const [, size] = compactSize(s, at, end);
    if (size === 0) return -1;
    at += size;
  }
  return at <= end ? at : -1;
}

function compactSize(s: Uint8Array, at: number, end: number): [number, number] {
  if (at >= end) return [0, 0];
  const b = s[at] as number;
  if (b < 0xfd) return [b, 1];
  const width = b === 0xfd ? 2 : b === 0xfe ? 4 : 8;
  if (at + 1 + width > end) return [0, 0];
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = v * 256 + (s[at + 1 + i] as number);
  return [v, 1 + width];
}

/** What kind of output script s[start..end) is (Bitcoin Cash token prefixes are skipped when `cash`). */
export function outputScriptType(s: Uint8Array, start = 0, end = s.length, cash = false): OutputScriptType {
  if (cash && s[start] === PREFIX_TOKEN && end - start > 34) {
    const at = afterTokenPrefix(s, start, end);
    if (at < 0) return 'nonstandard';
    start = at;
  }
  const len = end - start;
  const op = s[start];
  if (len === 25 && op === OP_DUP && s[start + 1] === OP_HASH160 && s[start + 2] === 20 && s[start + 23] === OP_EQUALVERIFY && s[start + 24] === OP_CHECKSIG) {
    return 'p2pkh';
  }
  if (len === 23 && op === OP_HASH160 && s[start + 1] === 20 && s[start + 22] === OP_EQUAL) return 'p2sh';
  if (len === 35 && op === OP_HASH256 && s[start + 1] === 32 && s[start + 34] === OP_EQUAL) return 'p2sh32';
  if (len > 0 && op === OP_RETURN) return 'op-return';
  const wv = witnessVersion(s, start, end);
  if (wv === 0) return len === 22 ? 'p2wpkh' : len === 34 ? 'p2wsh' : 'nonstandard';
  if (wv === 1 && len === 34) return 'p2tr';
  if (wv >= 1) return 'witness-unknown';
  if ((len === 35 || len === 67) && isPubkey(s, start, end - 1) === len - 1 && s[end - 1] === OP_CHECKSIG) return 'p2pk';
  if (len >= 37 && isMultisig(s, start, end)) return 'multisig';
  return 'nonstandard';
}

/**
 * The address an output script s[start..end) pays on `network`, or null when it pays none
 * (p2pk, bare multisig, OP_RETURN, non-standard).
 */
export function outputAddress(s: Uint8Array, network: UtxoNetwork, start = 0, end = s.length): NormalisedAddress | null {
  const cash = network.cashAddr;
  if (cash !== null && s[start] === PREFIX_TOKEN && end - start > 34) {
    const at = afterTokenPrefix(s, start, end);
    if (at < 0) return null;
    start = at;
  }
  const len = end - start;
  const op = s[start];
  // p2pkh and p2sh first: together they are nearly every output of a block.
  if (len === 25 && op === OP_DUP && s[start + 1] === OP_HASH160 && s[start + 2] === 20 && s[start + 23] === OP_EQUALVERIFY && s[start + 24] === OP_CHECKSIG) {
    if (cash !== null) return encodeCashAddr(cash, 'p2pkh', s.subarray(start + 3, start + 23)) as NormalisedAddress;
    return base58CheckAddress(network.pubKeyHash, s, start + 3) as NormalisedAddress;
  }
  if (len === 23 && op === OP_HASH160 && s[start + 1] === 20 && s[start + 22] === OP_EQUAL) {
    if (cash !== null) return encodeCashAddr(cash, 'p2sh', s.subarray(start + 2, start + 22)) as NormalisedAddress;
    return base58CheckAddress(network.scriptHash, s, start + 2) as NormalisedAddress;
  }
  if (cash !== null) {
    if (len === 35 && op === OP_HASH256 && s[start + 1] === 32 && s[start + 34] === OP_EQUAL) {
      return encodeCashAddr(cash, 'p2sh', s.subarray(start + 2, start + 34)) as NormalisedAddress;
    }
    return null;
  }
  const hrp = network.bech32;
  if (hrp === null) return null;
  const wv = witnessVersion(s, start, end);
  if (wv < 0 || (wv === 0 && len !== 22 && len !== 34)) return null;
  return segwitAddress(hrp, wv, s, start + 2, len - 2) as NormalisedAddress;
}
