/**
 * Raw JSON-RPC answers of EVM nodes → typed values, defensively: every field Cordon uses is
 * checked for presence and shape, and anything else is ignored. A bad answer throws
 * ShapeError naming the field; fetchers turn it into RpcBadAnswer (retried). (Scoped reads type
 * only what touches the scope, and check the rest where it stands: narrow-raw.ts.)
 *
 * Hashes are kept as the node's lower-cased hex strings; addresses become NormalisedAddress
 * here (lower case, `evmAddressFromNode`), so extraction and scoping compare them as they are.
 */
import { evmAddressFromNode, type NormalisedAddress } from '../../domain/address.js';
import { blockHash, type BlockHash, type BlockRef } from '../../domain/block.js';

export class ShapeError extends Error {
  override readonly name = 'ShapeError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** A top-level transaction, as far as transfers are concerned. */
export interface EvmTx {
  readonly hash: string;
  readonly index: number;
  readonly blockHash: string;
  readonly blockNumber: bigint;
  readonly from: NormalisedAddress;
  /** Null for contract creation. */
  readonly to: NormalisedAddress | null;
  readonly value: bigint;
  /** Calldata is not empty. */
  readonly hasInput: boolean;
}

export interface EvmBlock extends BlockRef {
  /** Transaction hashes in block order (present in both the hashes-only and the full form). */
  readonly txHashes: readonly string[];
  /** Full transactions, when the block was asked for with them. */
  readonly txs: readonly EvmTx[] | null;
  /** The header's logs bloom (0x + 512 hex digits), where the node sent one. */
  readonly logsBloom: string | null;
}

export interface EvmLog {
  readonly address: NormalisedAddress;
  readonly topics: readonly string[];
  readonly data: string;
  readonly blockHash: string;
  readonly blockNumber: bigint;
  readonly txHash: string;
  readonly txIndex: number;
  readonly logIndex: number;
  readonly removed: boolean;
}

export interface EvmReceipt {
  readonly txHash: string;
  readonly txIndex: number;
  readonly blockHash: string;
  readonly blockNumber: bigint;
  /** true: success; false: reverted; null: pre-Byzantium receipt without a status. */
  readonly status: boolean | null;
  readonly logs: readonly EvmLog[];
}

/** A geth callTracer frame. `path` is the position among its ancestors' calls (`''` for the top frame, `0.1`). */
export interface CallFrame {
  readonly type: string;
  readonly from: NormalisedAddress;
  readonly to: NormalisedAddress | null;
  readonly value: bigint;
  readonly error: string | null;
  readonly calls: readonly CallFrame[];
}

/** One transaction's call tree from debug_traceBlockBy*. */
export interface TxCallTrace {
  /** Newer geth, reth and anvil include it; old geth does not. */
  readonly txHash: string | null;
  /** Null when the node could not trace the transaction (`error` instead of `result`). */
  readonly root: CallFrame | null;
  readonly error: string | null;
}

/** One entry of parity-style `trace_block`. */
export interface FlatTrace {
  readonly type: string;
  readonly callType: string | null;
  readonly from: NormalisedAddress;
  readonly to: NormalisedAddress | null;
  readonly value: bigint;
  readonly error: string | null;
  readonly traceAddress: readonly number[];
  /** Null for block rewards. */
  readonly txHash: string | null;
  readonly txPosition: number | null;
  readonly blockHash: string;
  readonly blockNumber: bigint;
}

const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const HEX = /^0x[0-9a-fA-F]*$/;

export type Obj = Record<string, unknown>;

/**
 * By char code: 1 for 0-9 and a-f, 2 for A-F, 0 otherwise. A loop over it measured faster than
 * /^0x[0-9a-fA-F]{64}$/ and tells upper case apart for free.
 */
const HEX_DIGIT = new Uint8Array(128);
for (const c of '0123456789abcdef') HEX_DIGIT[c.charCodeAt(0)] = 1;
for (const c of 'ABCDEF') HEX_DIGIT[c.charCodeAt(0)] = 2;

const NOT_HEX = 0;
const LOWER_HEX = 1;
const MIXED_HEX = 2;

/** `0x` and exactly `digits` hex digits: NOT_HEX, LOWER_HEX, or MIXED_HEX (some upper case). */
function hexKind(v: unknown, digits: number): number {
  if (typeof v !== 'string' || v.length !== digits + 2 || v.charCodeAt(0) !== 48 || v.charCodeAt(1) !== 120) return NOT_HEX;
  let kind = LOWER_HEX;
  for (let i = 2; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const d = c < 128 ? (HEX_DIGIT[c] as number) : 0;
    if (d === 0) return NOT_HEX;
    kind |= d;
  }
  return kind === 3 ? MIXED_HEX : kind;
}

/** `0x` and exactly `digits` hex digits, either case. */
export function isHex(v: unknown, digits: number): v is string {
  return hexKind(v, digits) !== NOT_HEX;
}

// Checkers take the path of the object and the field's name apart, and join them only for an
// error; elements of an array are parsed under the array's path, and `items` puts the index in
// when one fails. A block has hundreds of fields to check, and building each path cost more
// than the check.
const at = (path: string, field: string, index?: number): string =>
  `${field === '' ? path : `${path}.${field}`}${index === undefined ? '' : `[${index}]`}`;

/** `parse` over an array's elements, each under the array's path; an error's path gets the element's index. */
export function items<T>(raw: readonly unknown[], path: string, parse: (v: unknown, path: string) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < raw.length; i++) {
    try {
      out.push(parse(raw[i], path));
    } catch (e) {
      if (e instanceof ShapeError && e.path.startsWith(path)) throw new ShapeError(`${path}[${i}]${e.path.slice(path.length)}`, e.problem);
      throw e;
    }
  }
  return out;
}

export function obj(v: unknown, path: string, field = ''): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(at(path, field), `expected an object, got ${describe(v)}`);
  return v as Obj;
}

export function arr(v: unknown, path: string, field = ''): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(at(path, field), `expected an array, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 20 ? `${v.slice(0, 20)}…` : v}"`;
  return typeof v;
}

export function hash(v: unknown, path: string, field = '', index?: number): string {
  const kind = hexKind(v, 64);
  if (kind === NOT_HEX) throw new ShapeError(at(path, field, index), `expected a 32-byte hash, got ${describe(v)}`);
  return kind === LOWER_HEX ? (v as string) : (v as string).toLowerCase();
}

/**
 * A block's hash and number repeat in every tx, log and receipt of it: the last one checked is
 * remembered, so the repeats cost a string comparison.
 */
// Seeded with valid values, so that no invalid input can ever equal a remembered one.
const ZERO_HASH = `0x${'0'.repeat(64)}`;
let lastBlockHash = { raw: ZERO_HASH, lower: ZERO_HASH };
let lastBlockNumber = { raw: '0x0', value: 0n };
let lastTopic0 = { raw: ZERO_HASH, lower: ZERO_HASH };

function blockHashField(v: unknown, path: string, field: string): string {
  if (typeof v === 'string' && v === lastBlockHash.raw) return lastBlockHash.lower;
  const lower = hash(v, path, field);
  lastBlockHash = { raw: v as string, lower };
  return lower;
}

function blockNumberField(v: unknown, path: string, field: string): bigint {
  if (typeof v === 'string' && v === lastBlockNumber.raw) return lastBlockNumber.value;
  const value = quantity(v, path, field);
  if (typeof v === 'string') lastBlockNumber = { raw: v, value };
  return value;
}

function address(v: unknown, path: string, field = ''): NormalisedAddress {
  const kind = hexKind(v, 40);
  if (kind === NOT_HEX) throw new ShapeError(at(path, field), `expected an address, got ${describe(v)}`);
  return evmAddressFromNode(v as string, kind === LOWER_HEX);
}

function optAddress(v: unknown, path: string, field = ''): NormalisedAddress | null {
  return v === null || v === undefined || v === '0x' ? null : address(v, path, field);
}

function quantity(v: unknown, path: string, field = ''): bigint {
  if (typeof v === 'string' && QUANTITY.test(v)) return BigInt(v);
  // trace_block's blockNumber and some clients' fields are JSON numbers.
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new ShapeError(at(path, field), `expected a hex quantity, got ${describe(v)}`);
}

export function smallInt(v: unknown, path: string, field = ''): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && v.length <= 15 && v.length > 2 && isHex(v, v.length - 2)) return parseInt(v, 16);
  throw new ShapeError(at(path, field), `expected a small hex quantity, got ${describe(v)}`);
}

function data(v: unknown, path: string, field = ''): string {
  if (typeof v !== 'string' || v.length % 2 !== 0 || !HEX.test(v)) throw new ShapeError(at(path, field), `expected hex data, got ${describe(v)}`);
  return v;
}

function optString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** One transaction of a full-tx block (`path`: the block's transactions array, as `items` gives it). */
export function parseTx(v: unknown, path: string): EvmTx {
  const o = obj(v, path);
  const input = o['input'] ?? o['data'];
  if (typeof input !== 'string') throw new ShapeError(at(path, 'input'), `expected hex data, got ${describe(input)}`);
  return {
    hash: hash(o['hash'], path, 'hash'),
    index: smallInt(o['transactionIndex'], path, 'transactionIndex'),
    blockHash: blockHashField(o['blockHash'], path, 'blockHash'),
    blockNumber: blockNumberField(o['blockNumber'], path, 'blockNumber'),
    from: address(o['from'], path, 'from'),
    to: optAddress(o['to'], path, 'to'),
    // Most transactions move no ether: their value is not worth a regex and a BigInt.
    value: o['value'] === '0x0' ? 0n : quantity(o['value'], path, 'value'),
    hasInput: input.length > 2,
  };
}

/** A block's own fields, typed and checked, with its `transactions` array as the node sent it. */
export interface BlockFields {
  readonly block: Omit<EvmBlock, 'txs' | 'txHashes'>;
  /** The answer's own `hash` and `number` (what its transactions and logs repeat, in the node's spelling). */
  readonly rawHash: string;
  readonly rawNumber: unknown;
  readonly transactions: readonly unknown[];
}

/** An eth_getBlockBy* answer's own fields; null stays null (unknown block or above the head). */
export function parseBlockFields(v: unknown, path = 'block'): BlockFields | null {
  if (v === null) return null;
  const o = obj(v, path);
  const number = quantity(o['number'], `${path}.number`);
  const h = blockHash(hash(o['hash'], `${path}.hash`));
  const parentHash = blockHash(hash(o['parentHash'], `${path}.parentHash`));
  const timestamp = smallInt(o['timestamp'], `${path}.timestamp`);
  const transactions = arr(o['transactions'], `${path}.transactions`);
  const bloom = o['logsBloom'];
  const logsBloom = bloom === undefined || bloom === null ? null : data(bloom, path, 'logsBloom');
  if (logsBloom !== null && logsBloom.length !== 514) throw new ShapeError(at(path, 'logsBloom'), `expected 256 bytes, got ${(logsBloom.length - 2) / 2}`);
  return { block: { number, hash: h, parentHash, timestamp, logsBloom }, rawHash: o['hash'] as string, rawNumber: o['number'], transactions };
}

/**
 * eth_getBlockByNumber / eth_getBlockByHash (either form). Null stays null (unknown block or
 * above the head).
 */
export function parseBlock(v: unknown, path = 'block'): EvmBlock | null {
  const fields = parseBlockFields(v, path);
  if (fields === null) return null;
  const rawTxs = fields.transactions;
  let txs: EvmTx[] | null = null;
  let txHashes: string[];
  if (rawTxs.length > 0 && typeof rawTxs[0] === 'object') {
    txs = items(rawTxs, `${path}.transactions`, parseTx);
    txHashes = txs.map((t) => t.hash);
  } else {
    txHashes = rawTxs.map((t, i) => hash(t, path, 'transactions', i));
    if (rawTxs.length === 0) txs = [];
  }
  return { ...fields.block, txHashes, txs };
}

/** A header from an `eth_subscribe('newHeads')` notification. */
export function parseHead(v: unknown, path = 'head'): BlockRef {
  const o = obj(v, path);
  return {
    number: quantity(o['number'], path, 'number'),
    hash: blockHash(hash(o['hash'], path, 'hash')),
    parentHash: blockHash(hash(o['parentHash'], path, 'parentHash')),
    timestamp: smallInt(o['timestamp'], path, 'timestamp'),
  };
}

export function parseLog(v: unknown, path: string): EvmLog {
  const o = obj(v, path);
  const rawTopics = arr(o['topics'], path, 'topics');
  const topics: string[] = [];
  for (let i = 0; i < rawTopics.length; i++) {
    const t = rawTopics[i];
    // The event signature repeats in most logs of a block (Transfer): checked once.
    if (i === 0 && typeof t === 'string' && t === lastTopic0.raw) topics.push(lastTopic0.lower);
    else {
      topics.push(hash(t, path, 'topics', i));
      if (i === 0) lastTopic0 = { raw: t as string, lower: topics[0] as string };
    }
  }
  return {
    address: address(o['address'], path, 'address'),
    topics,
    data: data(o['data'], path, 'data'),
    blockHash: blockHashField(o['blockHash'], path, 'blockHash'),
    blockNumber: blockNumberField(o['blockNumber'], path, 'blockNumber'),
    txHash: hash(o['transactionHash'], path, 'transactionHash'),
    txIndex: smallInt(o['transactionIndex'], path, 'transactionIndex'),
    logIndex: smallInt(o['logIndex'], path, 'logIndex'),
    removed: o['removed'] === true,
  };
}

/** eth_getLogs. */
export function parseLogs(v: unknown, path = 'logs'): EvmLog[] {
  return items(arr(v, path), path, parseLog);
}

export function parseReceipt(v: unknown, path: string = 'receipt'): EvmReceipt {
  const o = obj(v, path);
  const s = o['status'];
  let status: boolean | null;
  if (s === undefined || s === null) status = null;
  else {
    const n = quantity(s, path, 'status');
    if (n !== 0n && n !== 1n) throw new ShapeError(at(path, 'status'), `expected 0x0 or 0x1, got ${describe(s)}`);
    status = n === 1n;
  }
  return {
    txHash: hash(o['transactionHash'], path, 'transactionHash'),
    txIndex: smallInt(o['transactionIndex'], path, 'transactionIndex'),
    blockHash: blockHashField(o['blockHash'], path, 'blockHash'),
    blockNumber: blockNumberField(o['blockNumber'], path, 'blockNumber'),
    status,
    logs: parseLogs(o['logs'], at(path, 'logs')),
  };
}

/** eth_getBlockReceipts: null when the node does not know the block. */
export function parseReceipts(v: unknown, path = 'receipts'): EvmReceipt[] | null {
  if (v === null) return null;
  return items(arr(v, path), path, parseReceipt);
}

function callFrame(v: unknown, path: string, depth: number): CallFrame {
  if (depth > 1100) throw new ShapeError(path, 'call tree deeper than the EVM allows');
  const o = obj(v, path);
  const type = o['type'];
  if (typeof type !== 'string') throw new ShapeError(`${path}.type`, `expected a frame type, got ${describe(type)}`);
  const calls = o['calls'] === undefined || o['calls'] === null ? [] : arr(o['calls'], `${path}.calls`);
  return {
    type: type.toUpperCase(),
    from: address(o['from'], `${path}.from`),
    to: optAddress(o['to'], `${path}.to`),
    value: o['value'] === undefined || o['value'] === null ? 0n : quantity(o['value'], `${path}.value`),
    error: optString(o['error']),
    calls: calls.map((c, i) => callFrame(c, `${path}.calls[${i}]`, depth + 1)),
  };
}

/** debug_traceBlockByNumber / debug_traceBlockByHash with `{ tracer: 'callTracer' }`. */
export function parseCallTraces(v: unknown, path = 'traces'): TxCallTrace[] {
  return arr(v, path).map((t, i) => {
    const o = obj(t, `${path}[${i}]`);
    const txHash = o['txHash'] === undefined || o['txHash'] === null ? null : hash(o['txHash'], `${path}[${i}].txHash`);
    if (o['result'] === undefined || o['result'] === null) {
      const error = optString(o['error']) ?? 'no result';
      return { txHash, root: null, error };
    }
    return { txHash, root: callFrame(o['result'], `${path}[${i}].result`, 0), error: null };
  });
}

/** parity-style trace_block. Null when the node does not know the block. */
export function parseFlatTraces(v: unknown, path = 'traces'): FlatTrace[] | null {
  if (v === null) return null;
  return arr(v, path).map((t, i) => {
    const p = `${path}[${i}]`;
    const o = obj(t, p);
    const type = typeof o['type'] === 'string' ? o['type'] : '';
    const action = obj(o['action'], `${p}.action`);
    const result = o['result'] === null || o['result'] === undefined ? null : obj(o['result'], `${p}.result`);
    let from: NormalisedAddress;
    let to: NormalisedAddress | null;
    let value: bigint;
    if (type === 'suicide' || type === 'selfdestruct') {
      from = address(action['address'], `${p}.action.address`);
      to = optAddress(action['refundAddress'], `${p}.action.refundAddress`);
      value = quantity(action['balance'] ?? '0x0', `${p}.action.balance`);
    } else if (type === 'create') {
      from = address(action['from'], `${p}.action.from`);
      to = result === null ? null : optAddress(result['address'], `${p}.result.address`);
      value = quantity(action['value'] ?? '0x0', `${p}.action.value`);
    } else if (type === 'reward') {
      from = evmAddressFromNode('0x0000000000000000000000000000000000000000');
      to = optAddress(action['author'], `${p}.action.author`);
      value = quantity(action['value'] ?? '0x0', `${p}.action.value`);
    } else {
      from = address(action['from'], `${p}.action.from`);
      to = optAddress(action['to'], `${p}.action.to`);
      value = quantity(action['value'] ?? '0x0', `${p}.action.value`);
    }
    const traceAddress = arr(o['traceAddress'], `${p}.traceAddress`).map((n, j) => smallInt(n, `${p}.traceAddress[${j}]`));
    return {
      type,
      callType: typeof action['callType'] === 'string' ? action['callType'] : null,
      from,
      to,
      value,
      error: optString(o['error']),
      traceAddress,
      txHash: o['transactionHash'] === null || o['transactionHash'] === undefined ? null : hash(o['transactionHash'], `${p}.transactionHash`),
      txPosition: o['transactionPosition'] === null || o['transactionPosition'] === undefined ? null : smallInt(o['transactionPosition'], `${p}.transactionPosition`),
      blockHash: hash(o['blockHash'], `${p}.blockHash`),
      blockNumber: quantity(o['blockNumber'], `${p}.blockNumber`),
    };
  });
}

/** eth_blockNumber. */
export function parseQuantity(v: unknown, path: string): bigint {
  return quantity(v, path);
}

export type { BlockHash };
