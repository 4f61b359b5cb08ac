/**
 * Address validation and normalisation per family. Every address that reaches the sanctions
 * index or is screened against it goes through here, so that one key holder has exactly one
 * string per family however a list or a chain spells it (checksum case, bech32 case, BCH
 * legacy vs cashaddr, Tron base58 vs hex).
 *
 * Formats: EIP-55, base58check, BIP-173/350 (segwit), Bitcoin Cash cashaddr, Tron base58check,
 * BNB Beacon Chain bech32 (`bnb1…`).
 */
import { bech32, bech32m } from 'bech32';
import bs58check from 'bs58check';

import type { AddressFamily } from './address-family.js';
import { encodeCashAddr, tryDecodeCashAddr, type CashAddrPrefix, type CashAddrType } from './cashaddr.js';
import { eip55Checksummed } from './eip55.js';
import { familyHintForTicker, KNOWN_FORMAT_TICKERS, normaliseTicker } from './ticker.js';

declare const normalised: unique symbol;
/** A normalised address string: made only by this module. */
export type NormalisedAddress = string & { readonly [normalised]: true };

export interface ParsedAddress {
  readonly family: AddressFamily;
  readonly address: NormalisedAddress;
}

export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError';
  /** The input as given (untrimmed). */
  readonly input: string;
  readonly reason: string;
  constructor(input: string, reason: string) {
    // A garbage list line can be long; keep the message readable, the field keeps it whole.
    const shown = input.length > 120 ? `${input.slice(0, 117)}...` : input;
    super(`invalid address "${shown}": ${reason}`);
    this.input = input;
    this.reason = reason;
  }
}

type Families = readonly [AddressFamily, ...AddressFamily[]];

/**
 * Base58check version (1 byte, or 2 for Zcash) -> the families that use it, default first.
 * Bitcoin's versions are shared by its forks (BCH, BSV) and by Litecoin's old p2sh and testnet.
 */
const BASE58_VERSIONS: ReadonlyMap<number, Families> = new Map<number, Families>([
  [0x00, ['bitcoin', 'bitcoin-cash', 'bitcoin-sv']],
  [0x05, ['bitcoin', 'bitcoin-cash', 'bitcoin-sv', 'litecoin']],
  [0x6f, ['bitcoin', 'bitcoin-cash', 'bitcoin-sv', 'litecoin']],
  [0xc4, ['bitcoin', 'bitcoin-cash', 'bitcoin-sv', 'litecoin']],
  [0x30, ['litecoin']], // L
  [0x32, ['litecoin']], // M
  [0x3a, ['litecoin']], // Q (testnet p2sh)
  [0x41, ['tron']], // T
  [0x26, ['bitcoin-gold']], // G
  [0x17, ['bitcoin-gold']], // A
  [0x4c, ['dash']], // X
  [0x10, ['dash']], // 7
  [0x1e, ['dogecoin', 'verge']], // D
  [0x16, ['dogecoin']], // 9/A p2sh
  [0x21, ['verge']], // E p2sh
  [0x1cb8, ['zcash']], // t1
  [0x1cbd, ['zcash']], // t3
  [0x1d25, ['zcash']], // tm (testnet)
  [0x1cba, ['zcash']], // t2 (testnet)
]);

/** Legacy Bitcoin versions a Bitcoin Cash address may be written in, and their cashaddr twin. */
const BCH_LEGACY: ReadonlyMap<number, readonly [CashAddrPrefix, CashAddrType]> = new Map([
  [0x00, ['bitcoincash', 'p2pkh']],
  [0x05, ['bitcoincash', 'p2sh']],
  [0x6f, ['bchtest', 'p2pkh']],
  [0xc4, ['bchtest', 'p2sh']],
]);

const SEGWIT_HRPS: ReadonlyMap<string, 'bitcoin' | 'litecoin'> = new Map([
  ['bc', 'bitcoin'],
  ['tb', 'bitcoin'],
  ['bcrt', 'bitcoin'],
  ['ltc', 'litecoin'],
  ['tltc', 'litecoin'],
  ['rltc', 'litecoin'],
] as const);

/** What an address of a family looks like, for errors. */
/** How a family is named in a message: `not an EVM address`, `not a Bitcoin address`. */
const FAMILY_NAME: Readonly<Record<AddressFamily, string>> = {
  evm: 'an EVM',
  tron: 'a Tron',
  bitcoin: 'a Bitcoin',
  litecoin: 'a Litecoin',
  'bitcoin-cash': 'a Bitcoin Cash',
  'bitcoin-sv': 'a Bitcoin SV',
  'bitcoin-gold': 'a Bitcoin Gold',
  dash: 'a Dash',
  zcash: 'a Zcash',
  dogecoin: 'a Dogecoin',
  verge: 'a Verge',
  'bnb-beacon': 'a BNB Beacon Chain',
  unverified: 'an unverified',
};

const EXPECTED_FORMAT: Readonly<Record<AddressFamily, string>> = {
  evm: '0x followed by 40 hex digits',
  tron: 'a base58check T… address or its 0x/41 hex form',
  bitcoin: 'a base58check 1…/3… or bech32 bc1… address',
  litecoin: 'a base58check L…/M…/3… or bech32 ltc1… address',
  'bitcoin-cash': 'a cashaddr (bitcoincash:q…) or legacy 1…/3… address',
  'bitcoin-sv': 'a base58check 1…/3… address',
  'bitcoin-gold': 'a base58check G…/A… address',
  dash: 'a base58check X…/7… address',
  zcash: 'a transparent t1…/t3… address',
  dogecoin: 'a base58check D…/A…/9… address',
  verge: 'a base58check D…/E… address',
  'bnb-beacon': 'a bech32 bnb1… address (20-byte account)',
  unverified: 'any string without whitespace',
};

// Cheap shape checks, run before any decoding.
const EVM_SHAPE = /^0x[0-9a-fA-F]{40}$/;
const TRON_HEX_SHAPE = /^41[0-9a-fA-F]{40}$/;
const BECH32_START = /^(bc|tb|bcrt|ltc|tltc|rltc)1/i;
const BNB_BEACON_START = /^bnb1/i;
const BECH32_DATA = /^[02-9ac-hj-np-z]+$/;
const BASE58_SHAPE = /^[1-9A-HJ-NP-Za-km-z]{25,36}$/;
const BARE_CASHADDR_SHAPE = /^[qpzr][02-9ac-hj-np-z]{41,120}$/i;
const WHITESPACE = /\s/;

/** A string recognised as one concrete format, decoded just enough to normalise it. */
type Decoded =
  | { readonly format: 'evm'; readonly hex: string }
  | { readonly format: 'base58'; readonly text: string; readonly version: number; readonly hash: Uint8Array }
  | { readonly format: 'segwit'; readonly text: string; readonly family: 'bitcoin' | 'litecoin' }
  | { readonly format: 'cashaddr'; readonly text: string }
  | { readonly format: 'bnb-beacon'; readonly text: string };

/**
 * `definite`: the string's shape names its chain on its own (0x+40 hex, a bech32 HRP, a cashaddr
 * prefix), so a failure is an error whatever the ticker. Otherwise (base58, bare cashaddr) other
 * chains share the shape, and only a ticker whose format we know makes the failure an error.
 */
type Attempt =
  | { readonly ok: true; readonly decoded: Decoded }
  | { readonly ok: false; readonly reason: string; readonly definite: boolean };

function bad(reason: string, definite: boolean): Attempt {
  return { ok: false, reason, definite };
}

function decodeEvm(s: string): Attempt {
  const hex = s.slice(2);
  const lower = hex.toLowerCase();
  // Single-case hex carries no checksum; mixed case is EIP-55 and must verify.
  if (hex !== lower && hex !== hex.toUpperCase() && eip55Checksummed(lower) !== s) {
    return bad('bad EIP-55 checksum', true);
  }
  return { ok: true, decoded: { format: 'evm', hex: `0x${lower}` } };
}

function decodeSegwit(s: string): Attempt {
  if (s.length > 90) return bad('bech32 address longer than 90 characters', true);
  const lower = s.toLowerCase();
  if (s !== lower && s !== s.toUpperCase()) return bad('mixed-case bech32 address', true);
  const sep = lower.lastIndexOf('1');
  const hrp = lower.slice(0, sep);
  const family = SEGWIT_HRPS.get(hrp);
  if (family === undefined) return bad(`unknown bech32 prefix "${hrp}"`, true);
  if (!BECH32_DATA.test(lower.slice(sep + 1))) return bad('character outside the bech32 alphabet', true);
  const asBech32 = bech32.decodeUnsafe(lower);
  const dec = asBech32 ?? bech32m.decodeUnsafe(lower);
  if (dec === undefined) return bad('bad bech32 checksum', true);
  const [version, ...programWords] = dec.words;
  if (version === undefined || version > 16) return bad('invalid witness version', true);
  if (version === 0 && asBech32 === undefined) return bad('witness v0 must use bech32, not bech32m (BIP-350)', true);
  if (version !== 0 && asBech32 !== undefined) return bad(`witness v${version} must use bech32m, not bech32 (BIP-350)`, true);
  const program = bech32.fromWordsUnsafe(programWords);
  if (program === undefined) return bad('invalid witness program padding', true);
  if (version === 0 && program.length !== 20 && program.length !== 32) {
    return bad(`witness v0 program is ${program.length} bytes; must be 20 or 32`, true);
  }
  if (program.length < 2 || program.length > 40) return bad(`witness program is ${program.length} bytes; must be 2-40`, true);
  return { ok: true, decoded: { format: 'segwit', text: lower, family } };
}

/**
 * BNB Beacon Chain (Cosmos SDK style): plain bech32 (BIP-173 checksum, no witness version) over
 * the 20-byte account, HRP `bnb`. OFAC lists such addresses under the ticker BNB.
 */
function decodeBnbBeacon(s: string): Attempt {
  if (s.length > 90) return bad('bech32 address longer than 90 characters', true);
  const lower = s.toLowerCase();
  if (s !== lower && s !== s.toUpperCase()) return bad('mixed-case bech32 address', true);
  if (!BECH32_DATA.test(lower.slice(4))) return bad('character outside the bech32 alphabet', true);
  const dec = bech32.decodeUnsafe(lower);
  if (dec === undefined || dec.prefix !== 'bnb') return bad('bad bech32 checksum', true);
  const account = bech32.fromWordsUnsafe(dec.words);
  if (account === undefined) return bad('invalid bech32 data padding', true);
  if (account.length !== 20) return bad(`BNB Beacon Chain account is ${account.length} bytes; must be 20`, true);
  return { ok: true, decoded: { format: 'bnb-beacon', text: lower } };
}

function decodeBase58(s: string): Attempt {
  const payload = bs58check.decodeUnsafe(s);
  if (payload === undefined) return bad('bad base58check checksum', false);
  let version: number;
  let hash: Uint8Array;
  if (payload.length === 21) {
    version = payload[0] as number;
    hash = payload.subarray(1);
  } else if (payload.length === 22) {
    version = ((payload[0] as number) << 8) | (payload[1] as number);
    hash = payload.subarray(2);
  } else {
    return bad(`base58check payload is ${payload.length} bytes; an address has 21 (22 for Zcash)`, false);
  }
  if (!BASE58_VERSIONS.has(version)) {
    const width = payload.length === 22 ? 4 : 2;
    return bad(`unknown base58check version 0x${version.toString(16).padStart(width, '0')}`, false);
  }
  return { ok: true, decoded: { format: 'base58', text: s, version, hash } };
}

function decodeCash(s: string, definite: boolean): Attempt {
  const r = tryDecodeCashAddr(s);
  if (!r.ok) return bad(r.reason, definite);
  // Token-aware (CashTokens) addresses pay the same script, so they share the plain form.
  return { ok: true, decoded: { format: 'cashaddr', text: encodeCashAddr(r.value.prefix, r.value.type, r.value.hash) } };
}

/** Recognise `s` (trimmed, non-empty) by shape and decode it; undefined if no known shape fits. */
function decode(s: string): Attempt | undefined {
  if (EVM_SHAPE.test(s)) return decodeEvm(s);
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const prefix = s.slice(0, colon).toLowerCase();
    return prefix === 'bitcoincash' || prefix === 'bchtest' || prefix === 'bchreg' ? decodeCash(s, true) : undefined;
  }
  if (BECH32_START.test(s)) return decodeSegwit(s);
  if (BNB_BEACON_START.test(s)) return decodeBnbBeacon(s);
  if (BASE58_SHAPE.test(s)) return decodeBase58(s);
  if (BARE_CASHADDR_SHAPE.test(s)) return decodeCash(s, false);
  return undefined;
}

function familiesOf(d: Decoded): Families {
  switch (d.format) {
    case 'evm':
      return ['evm'];
    case 'base58':
      // decodeBase58 only succeeds for versions in the table.
      return BASE58_VERSIONS.get(d.version) as Families;
    case 'segwit':
      return [d.family];
    case 'cashaddr':
      return ['bitcoin-cash'];
    case 'bnb-beacon':
      return ['bnb-beacon'];
  }
}

/**
 * The normal form of an EVM address a node returned, its shape (`0x` + 40 hex digits) already
 * checked by the caller: lower case, as `normaliseForFamily` gives for single-case input. Node
 * answers make no EIP-55 promise, so mixed case is lowered, not verified. For the RPC parsers'
 * hot path (hundreds of addresses a block); `lower`: the caller saw no upper-case digit.
 */
export function evmAddressFromNode(checkedHex: string, lower = false): NormalisedAddress {
  return (lower ? checkedHex : checkedHex.toLowerCase()) as NormalisedAddress;
}

/** `d` as an address of `family`, which must be one of `familiesOf(d)` (or tron for evm hex). */
function normalisedAs(d: Decoded, family: AddressFamily): NormalisedAddress {
  switch (d.format) {
    case 'evm':
      return (family === 'tron' ? tronFromBytes(hexToBytes(d.hex.slice(2))) : d.hex) as NormalisedAddress;
    case 'base58': {
      const legacy = family === 'bitcoin-cash' ? BCH_LEGACY.get(d.version) : undefined;
      return (legacy ? encodeCashAddr(legacy[0], legacy[1], d.hash) : d.text) as NormalisedAddress;
    }
    case 'segwit':
    case 'cashaddr':
    case 'bnb-beacon':
      return d.text as NormalisedAddress;
  }
}

function pick(families: Families, hint: AddressFamily | undefined): AddressFamily {
  return hint !== undefined && families.includes(hint) ? hint : families[0];
}

/**
 * For list loading. The family comes from the address's own format and checksum; the ticker is
 * only a hint for formats several families share. Throws InvalidAddressError for a malformed
 * address or bad checksum.
 */
export function parseListedAddress(raw: string, ticker: string): ParsedAddress {
  const s = raw.trim();
  if (s === '') throw new InvalidAddressError(raw, 'empty');
  const t = normaliseTicker(ticker);
  const hint = familyHintForTicker(t);
  const known = KNOWN_FORMAT_TICKERS.has(t);
  // A Tron entry in Tron's own hex (`41…`) is the same account as its base58 `T…`: stored as
  // that, so it matches Tron traffic. (A 0x string stays EVM under any ticker.)
  if (hint === 'tron' && TRON_HEX_SHAPE.test(s)) return { family: 'tron', address: tronFromBytes(hexToBytes(s.slice(2))) as NormalisedAddress };
  const a = decode(s);
  if (a?.ok) {
    const family = pick(familiesOf(a.decoded), hint);
    return { family, address: normalisedAs(a.decoded, family) };
  }
  if (a !== undefined && (a.definite || known)) throw new InvalidAddressError(raw, a.reason);
  if (known) {
    const expected = hint === undefined ? 'a known address format' : EXPECTED_FORMAT[hint];
    throw new InvalidAddressError(raw, `not a valid ${t} address (expected ${expected})`);
  }
  if (WHITESPACE.test(s)) throw new InvalidAddressError(raw, 'contains whitespace');
  // A format Cordon cannot check (Monero, XRP, …): kept as listed, matched only exactly.
  return { family: 'unverified', address: s as NormalisedAddress };
}

/**
 * `raw` kept as an exact-string (`unverified`) entry, whatever its ticker. For sources whose every
 * address must be kept even when it fails its ticker's format check (OFAC's own: dropping an
 * address OFAC publishes is worse than keeping an odd string, which still matches when screened
 * exactly as written). Throws InvalidAddressError for an empty string or one with whitespace,
 * which cannot be matched at all.
 */
export function keepAsListed(raw: string): ParsedAddress {
  const s = raw.trim();
  if (s === '') throw new InvalidAddressError(raw, 'empty');
  if (WHITESPACE.test(s)) throw new InvalidAddressError(raw, 'contains whitespace');
  return { family: 'unverified', address: s as NormalisedAddress };
}

/** For screening on a chain whose family is known: normalise `raw` as an address of that family or throw. */
export function normaliseForFamily(raw: string, family: AddressFamily): NormalisedAddress {
  const s = raw.trim();
  if (s === '') throw new InvalidAddressError(raw, 'empty');
  if (family === 'unverified') {
    if (WHITESPACE.test(s)) throw new InvalidAddressError(raw, 'contains whitespace');
    return s as NormalisedAddress;
  }
  if (family === 'tron' && TRON_HEX_SHAPE.test(s)) return tronFromBytes(hexToBytes(s.slice(2))) as NormalisedAddress;
  const a = decode(s);
  if (a === undefined) throw new InvalidAddressError(raw, `not ${FAMILY_NAME[family]} address (expected ${EXPECTED_FORMAT[family]})`);
  if (!a.ok) throw new InvalidAddressError(raw, a.reason);
  const families = familiesOf(a.decoded);
  if (!families.includes(family) && !(family === 'tron' && a.decoded.format === 'evm')) {
    throw new InvalidAddressError(raw, `reads as ${families.join(" or ")}, not as ${family}`);
  }
  return normalisedAs(a.decoded, family);
}

/** Every family `raw` can be read as (for screening when no chain is given); [] if none. */
export function readAddress(raw: string): ParsedAddress[] {
  const s = raw.trim();
  if (s === '') return [];
  const out: ParsedAddress[] = [];
  const a = decode(s);
  if (a?.ok) {
    for (const family of familiesOf(a.decoded)) out.push({ family, address: normalisedAs(a.decoded, family) });
    // The same 20 bytes are a Tron account too; Tron tooling often shows them as 0x hex.
    if (a.decoded.format === 'evm') out.push({ family: 'tron', address: normalisedAs(a.decoded, 'tron') });
  } else if (a === undefined && TRON_HEX_SHAPE.test(s)) {
    out.push({ family: 'tron', address: tronFromBytes(hexToBytes(s.slice(2))) as NormalisedAddress });
  }
  if (!WHITESPACE.test(s)) out.push({ family: 'unverified', address: s as NormalisedAddress });
  return out;
}

/**
 * Why `raw` is no valid address of any family Cordon can verify, or undefined when it is one
 * (then `readAddress` gives at least one reading other than `unverified`). Screening uses it
 * so that a string it could only compare as written is never reported clean.
 */
export function unreadableReason(raw: string): string | undefined {
  const s = raw.trim();
  if (s === '') return 'empty';
  const a = decode(s);
  if (a !== undefined) return a.ok ? undefined : a.reason;
  if (TRON_HEX_SHAPE.test(s)) return undefined;
  if (WHITESPACE.test(s)) return 'contains whitespace';
  return 'not an address of any known format';
}

/** Index key: `${family}:${address}`. */
export function addressKey(p: ParsedAddress): string {
  return `${p.family}:${p.address}`;
}

/** Tron base58 `T…` -> its 0x-hex twin (the 20 bytes after the 0x41 prefix), lowercase. */
export function tronToHex(tron: string): string {
  const s = tron.trim();
  const payload = BASE58_SHAPE.test(s) ? bs58check.decodeUnsafe(s) : undefined;
  if (payload === undefined) throw new InvalidAddressError(tron, 'not a base58check address');
  if (payload.length !== 21 || payload[0] !== 0x41) throw new InvalidAddressError(tron, 'not a Tron address (version 0x41)');
  return `0x${bytesToHex(payload.subarray(1))}`;
}

/** Tron hex (`0x`+40 hex or `41`+40 hex, any case) -> its base58 `T…` form. */
export function hexToTron(hex: string): string {
  const s = hex.trim();
  if (!EVM_SHAPE.test(s) && !TRON_HEX_SHAPE.test(s)) {
    throw new InvalidAddressError(hex, 'expected 0x or 41 followed by 40 hex digits');
  }
  return tronFromBytes(hexToBytes(s.slice(2)));
}

function tronFromBytes(account: Uint8Array): string {
  const payload = new Uint8Array(21);
  payload[0] = 0x41;
  payload.set(account, 1);
  return bs58check.encode(payload);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
