/**
 * Raw block bytes (REST `/rest/block/<hash>.bin`, `getblock <hash> 0`) → header and
 * transactions, in one pass without re-serialising anything:
 *
 * - txids are the double SHA-256 of each transaction's bytes as they lie in the block; for a
 *   segwit transaction, of its three non-witness ranges (version, inputs+outputs, locktime);
 * - output addresses come from the script bytes in place (output-address.ts);
 * - the merkle root of the txids is checked against the header, so the transactions are the
 *   ones the block hash commits to, not just any that a node sent along.
 *
 * Same format for Bitcoin and Bitcoin Cash. Litecoin adds MWEB: a HogEx transaction flagged
 * 0x08 with an empty MWEB part, and the MWEB block after the transactions; both are skipped
 * (they carry no addresses of the canonical chain's outputs).
 */
import { createHash, hash as oneShotHash } from 'node:crypto';

import type { NormalisedAddress } from '../../domain/address.js';
import { blockHash, type BlockHash } from '../../domain/block.js';
import { MalformedBlock } from './errors.js';
import type { UtxoNetwork } from './networks.js';
import { outputAddress } from './output-address.js';
import { sha256dOf64, sha256Of32 } from './sha256-short.js';
import type { Outpoint, UtxoHeader, UtxoOutput, UtxoTx } from './utxo-block.js';

export interface ParsedBlock {
  readonly header: UtxoHeader;
  readonly txs: UtxoTx[];
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const hexScratch = Buffer.alloc(64);

/**
 * 32 bytes at `at`, reversed (Bitcoin shows hashes byte-reversed), as hex. Written into a
 * scratch buffer and decoded once: one string, no intermediate ones (this runs for every input
 * and every transaction of a block).
 */
export function reversedHex(b: Uint8Array, at: number): string {
  for (let i = 0; i < 32; i++) {
    const v = b[at + 31 - i] as number;
    hexScratch[2 * i] = HEX_DIGITS[v >> 4] as number;
    hexScratch[2 * i + 1] = HEX_DIGITS[v & 15] as number;
  }
  return hexScratch.toString('latin1', 0, 64);
}

/** Hash of the 80-byte header at `at`, display order. */
export function headerHash(raw: Uint8Array, at = 0): BlockHash {
  const out = new Uint8Array(32);
  sha256Of32(oneShotHash('sha256', raw.subarray(at, at + 80), 'buffer'), 0, out, 0);
  return reversedHex(out, 0) as BlockHash;
}

/** The 80-byte header: hash, parent, merkle root, time. */
export function parseHeader(raw: Uint8Array, at = 0): UtxoHeader {
  if (raw.length < at + 80) throw new MalformedBlock('block header', raw.length, `${raw.length - at} bytes, a header has 80`);
  const t = (raw[at + 68] as number) | ((raw[at + 69] as number) << 8) | ((raw[at + 70] as number) << 16) | ((raw[at + 71] as number) << 24);
  return {
    hash: headerHash(raw, at),
    parentHash: blockHash(reversedHex(raw, at + 4)),
    merkleRoot: reversedHex(raw, at + 36),
    timestamp: t >>> 0,
  };
}

const ZERO_TXID = '0'.repeat(64);

function isZero32(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 32; i++) if (b[at + i] !== 0) return false;
  return true;
}

/**
 * An outpoint read from the block bytes; the txid string is made when asked for. A block has
 * thousands of inputs and the pipeline looks at the outpoints of a few transactions, so
 * spelling every one (a 64-character string each) up front is a third of the parse.
 */
class OutpointInBlock implements Outpoint {
  constructor(
    private readonly raw: Uint8Array,
    private readonly at: number,
    readonly vout: number,
  ) {}
  get txid(): string {
    return reversedHex(this.raw, this.at);
  }
  toJSON(): { txid: string; vout: number } {
    return { txid: this.txid, vout: this.vout };
  }
}

/**
 * A cursor over the bytes with bounds checks that throw MalformedBlock. Offsets are plain
 * numbers on the instance so V8 keeps this monomorphic and fast.
 */
class Reader {
  off = 0;
  constructor(
    readonly b: Uint8Array,
    readonly what: string,
  ) {}

  fail(reason: string): never {
    throw new MalformedBlock(this.what, this.off, reason);
  }

  need(n: number): void {
    if (this.off + n > this.b.length) this.fail(`needs ${n} more bytes, ${this.b.length - this.off} left`);
  }

  u8(): number {
    this.need(1);
    return this.b[this.off++] as number;
  }

  u32(): number {
    this.need(4);
    const b = this.b;
    const o = this.off;
    this.off = o + 4;
    return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
  }

  /** Bitcoin's CompactSize, minimally encoded as Core requires, and below `max`. */
  varint(max: number): number {
    const first = this.u8();
    let v: number;
    if (first < 0xfd) v = first;
    else if (first === 0xfd) {
      this.need(2);
      v = (this.b[this.off] as number) | ((this.b[this.off + 1] as number) << 8);
      this.off += 2;
      if (v < 0xfd) this.fail('non-canonical CompactSize');
    } else if (first === 0xfe) {
      v = this.u32();
      if (v < 0x10000) this.fail('non-canonical CompactSize');
    } else {
      const lo = this.u32();
      const hi = this.u32();
      v = hi * 0x1_0000_0000 + lo;
      if (v < 0x1_0000_0000) this.fail('non-canonical CompactSize');
    }
    if (v > max) this.fail(`count or size ${v} is larger than ${max}`);
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.off += n;
  }

  /** Little-endian unsigned 64-bit at the cursor. */
  u64(): bigint {
    this.need(8);
    const b = this.b;
    const o = this.off;
    this.off = o + 8;
    const lo = ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
    const hi = ((b[o + 4] as number) | ((b[o + 5] as number) << 8) | ((b[o + 6] as number) << 16) | ((b[o + 7] as number) << 24)) >>> 0;
    // Every real amount is below 2^53 (21e14 sat); only then is the Number path exact.
    return hi < 0x200000 ? BigInt(hi * 0x1_0000_0000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }
}

/** Far above any real block (4 MB weight), small enough to stop a garbage count early. */
const MAX_COUNT = 4_000_000;
const MAX_MONEY_SAT = 2_100_000_000_000_000n;

/**
 * One transaction at the reader's cursor. `index` is its position in the block (0: the
 * coinbase, whose single input spends nothing). Its txid digest (internal byte order) goes to
 * digests[32·slot ..]. A `standalone` transaction (not read from a block) may be a coinbase
 * wherever it was.
 */
function readTx(r: Reader, network: UtxoNetwork, index: number, digests: Uint8Array, slot: number, standalone = false): UtxoTx {
  const b = r.b;
  const start = r.off;
  r.skip(4); // version
  let flags = 0;
  let bodyStart = r.off;
  if (r.off + 1 < b.length && b[r.off] === 0 && b[r.off + 1] !== 0) {
    flags = b[r.off + 1] as number;
    r.off += 2;
    bodyStart = r.off;
    const known = network.family === 'litecoin' ? 0x09 : network.family === 'bitcoin' ? 0x01 : 0x00;
    if ((flags & ~known) !== 0) r.fail(`unknown transaction flags 0x${flags.toString(16)}`);
  }
  const nIn = r.varint(MAX_COUNT);
  if (nIn === 0 && (flags & 0x08) === 0) r.fail('transaction without inputs');
  let inputs: Outpoint[] = new Array<Outpoint>(nIn);
  for (let i = 0; i < nIn; i++) {
    r.need(36);
    const at = r.off;
    r.off += 36;
    const vout = ((b[at + 32] as number) | ((b[at + 33] as number) << 8) | ((b[at + 34] as number) << 16) | ((b[at + 35] as number) << 24)) >>> 0;
    const isNull = vout === 0xffffffff && isZero32(b, at);
    if (index === 0 || (standalone && isNull && nIn === 1)) {
      if (nIn !== 1 || !isNull) r.fail('the first transaction is not a coinbase');
      inputs = [];
    } else {
      if (isNull) r.fail(`transaction ${index} spends the null outpoint (a second coinbase)`);
      inputs[i] = new OutpointInBlock(b, at, vout);
    }
    r.skip(r.varint(MAX_COUNT)); // scriptSig
    r.skip(4); // sequence
  }
  const nOut = r.varint(MAX_COUNT);
  const outputs = new Array<UtxoOutput>(nOut);
  for (let vout = 0; vout < nOut; vout++) {
    const value = r.u64();
    if (value > MAX_MONEY_SAT) r.fail(`output ${vout} pays ${value} sat, more than the 21M coin supply`);
    const len = r.varint(MAX_COUNT);
    const at = r.off;
    r.skip(len);
    const address: NormalisedAddress | null = len === 0 ? null : outputAddress(b, network, at, at + len);
    outputs[vout] = { vout, value, address };
  }
  const bodyEnd = r.off;
  if (flags & 0x01) {
    for (let i = 0; i < nIn; i++) {
      const items = r.varint(MAX_COUNT);
      for (let k = 0; k < items; k++) r.skip(r.varint(MAX_COUNT));
    }
  }
  if (flags & 0x08) {
    // Litecoin MWEB: inside a block only the HogEx carries the flag, with an empty MWEB part.
    if (r.u8() !== 0) r.fail('MWEB transaction data inside the canonical transactions is not supported');
  }
  r.skip(4); // locktime
  const end = r.off;
  // txid: SHA-256 of the bytes natively, the second round (32 bytes) in JS, into digests[index].
  let first: Buffer;
  if (flags === 0) {
    first = oneShotHash('sha256', b.subarray(start, end), 'buffer');
  } else {
    first = createHash('sha256')
      .update(b.subarray(start, start + 4))
      .update(b.subarray(bodyStart, bodyEnd))
      .update(b.subarray(end - 4, end))
      .digest();
  }
  sha256Of32(first, 0, digests, slot * 32);
  return { txid: reversedHex(digests, slot * 32), index, inputs, outputs };
}

/**
 * Merkle root (display order) of the txids held as digests (internal byte order, 32 bytes
 * each, `count` of them). Works in place: `digests` is overwritten.
 */
function merkleRootInPlace(digests: Uint8Array, count: number): string {
  let n = count;
  while (n > 1) {
    let out = 0;
    for (let i = 0; i < n; i += 2) {
      // An odd last node is paired with itself.
      if (i + 1 === n) digests.copyWithin(i * 32 + 32, i * 32, i * 32 + 32);
      sha256dOf64(digests, i * 32, digests, out * 32);
      out++;
    }
    n = out;
  }
  return reversedHex(digests, 0);
}

/** Merkle root (display order) of txids given in display order. */
export function merkleRoot(txids: readonly string[]): string {
  if (txids.length === 0) return ZERO_TXID;
  const digests = new Uint8Array(32 * (txids.length + 1));
  txids.forEach((t, i) => digests.set(Buffer.from(t, 'hex').reverse(), i * 32));
  return merkleRootInPlace(digests, txids.length);
}

export interface ParseOptions {
  /** Names the bytes in errors (default `block <hash>` once the header is read). */
  readonly what?: string;
  /** Check the txids' merkle root against the header (default true). */
  readonly verifyMerkleRoot?: boolean;
}

/** A raw block → header and transactions with txids, outpoints and output addresses. */
export function parseBlock(raw: Uint8Array, network: UtxoNetwork, opts: ParseOptions = {}): ParsedBlock {
  const header = parseHeader(raw);
  const r = new Reader(raw, opts.what ?? `block ${header.hash}`);
  r.off = 80;
  const n = r.varint(MAX_COUNT);
  if (n === 0) r.fail('block without transactions');
  const txs = new Array<UtxoTx>(n);
  // One extra slot: the merkle pass pairs an odd last node with a copy of itself.
  const digests = new Uint8Array(32 * (n + 1));
  for (let i = 0; i < n; i++) txs[i] = readTx(r, network, i, digests, i);
  // Litecoin's MWEB block follows the transactions; anywhere else trailing bytes are an error.
  if (r.off !== raw.length && network.family !== 'litecoin') r.fail(`${raw.length - r.off} bytes after the last transaction`);
  if (opts.verifyMerkleRoot !== false) {
    const root = merkleRootInPlace(digests, n);
    if (root !== header.merkleRoot) {
      throw new MalformedBlock(r.what, 36, `the transactions hash to merkle root ${root}, the header commits to ${header.merkleRoot}`);
    }
  }
  return { header, txs };
}

/** One raw transaction (`getrawtransaction <txid> false`): its txid and outputs. */
export function parseTransaction(raw: Uint8Array, network: UtxoNetwork, what = 'transaction'): UtxoTx {
  const r = new Reader(raw, what);
  const tx = readTx(r, network, 1, new Uint8Array(32), 0, true);
  if (r.off !== raw.length) r.fail(`${raw.length - r.off} bytes after the transaction`);
  return tx;
}
