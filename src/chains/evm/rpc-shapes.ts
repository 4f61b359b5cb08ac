/**
 * Raw JSON-RPC answers of EVM nodes → typed values, defensively: every field Cordon uses is
 * checked for presence and shape, and anything else is ignored. A bad answer throws
 * ShapeError naming the field; fetchers turn it into RpcBadAnswer (retried).
 *
 * Hashes and addresses are kept as the node's lower-cased hex strings here; they become
 * NormalisedAddress only in extraction, for the transfers actually emitted.
 */
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
  readonly from: string;
  /** Null for contract creation. */
  readonly to: string | null;
  readonly value: bigint;
  /** Calldata is not empty. */
  readonly hasInput: boolean;
}

export interface EvmBlock extends BlockRef {
  /** Transaction hashes in block order (present in both the hashes-only and the full form). */
  readonly txHashes: readonly string[];
  /** Full transactions, when the block was asked for with them. */
  readonly txs: readonly EvmTx[] | null;
}

export interface EvmLog {
  readonly address: string;
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
  readonly from: string;
  readonly to: string | null;
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
  readonly from: string;
  readonly to: string | null;
  readonly value: bigint;
  readonly error: string | null;
  readonly traceAddress: readonly number[];
  /** Null for block rewards. */
  readonly txHash: string | null;
  readonly txPosition: number | null;
  readonly blockHash: string;
  readonly blockNumber: bigint;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const DATA = /^0x([0-9a-fA-F]{2})*$/;

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(path, `expected an object, got ${describe(v)}`);
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(path, `expected an array, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 20 ? `${v.slice(0, 20)}…` : v}"`;
  return typeof v;
}

function hash(v: unknown, path: string): string {
  if (typeof v !== 'string' || !HASH.test(v)) throw new ShapeError(path, `expected a 32-byte hash, got ${describe(v)}`);
  return v.toLowerCase();
}

function address(v: unknown, path: string): string {
  if (typeof v !== 'string' || !ADDRESS.test(v)) throw new ShapeError(path, `expected an address, got ${describe(v)}`);
  return v.toLowerCase();
}

function optAddress(v: unknown, path: string): string | null {
  return v === null || v === undefined || v === '0x' ? null : address(v, path);
}

function quantity(v: unknown, path: string): bigint {
  if (typeof v === 'string' && QUANTITY.test(v)) return BigInt(v);
  // trace_block's blockNumber and some clients' fields are JSON numbers.
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new ShapeError(path, `expected a hex quantity, got ${describe(v)}`);
}

function smallInt(v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && QUANTITY.test(v) && v.length <= 15) return parseInt(v, 16);
  throw new ShapeError(path, `expected a small hex quantity, got ${describe(v)}`);
}

function data(v: unknown, path: string): string {
  if (typeof v !== 'string' || !DATA.test(v)) throw new ShapeError(path, `expected hex data, got ${describe(v)}`);
  return v;
}

function optString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function txFrom(v: unknown, path: string): EvmTx {
  const o = obj(v, path);
  const input = o['input'] ?? o['data'];
  if (typeof input !== 'string') throw new ShapeError(`${path}.input`, `expected hex data, got ${describe(input)}`);
  return {
    hash: hash(o['hash'], `${path}.hash`),
    index: smallInt(o['transactionIndex'], `${path}.transactionIndex`),
    blockHash: hash(o['blockHash'], `${path}.blockHash`),
    blockNumber: quantity(o['blockNumber'], `${path}.blockNumber`),
    from: address(o['from'], `${path}.from`),
    to: optAddress(o['to'], `${path}.to`),
    value: quantity(o['value'], `${path}.value`),
    hasInput: input.length > 2,
  };
}

/**
 * eth_getBlockByNumber / eth_getBlockByHash (either form). Null stays null (unknown block or
 * above the head).
 */
export function parseBlock(v: unknown, path = 'block'): EvmBlock | null {
  if (v === null) return null;
  const o = obj(v, path);
  const number = quantity(o['number'], `${path}.number`);
  const h = blockHash(hash(o['hash'], `${path}.hash`));
  const parentHash = blockHash(hash(o['parentHash'], `${path}.parentHash`));
  const timestamp = smallInt(o['timestamp'], `${path}.timestamp`);
  const rawTxs = arr(o['transactions'], `${path}.transactions`);
  let txs: EvmTx[] | null = null;
  let txHashes: string[];
  if (rawTxs.length > 0 && typeof rawTxs[0] === 'object') {
    txs = rawTxs.map((t, i) => txFrom(t, `${path}.transactions[${i}]`));
    txHashes = txs.map((t) => t.hash);
  } else {
    txHashes = rawTxs.map((t, i) => hash(t, `${path}.transactions[${i}]`));
    if (rawTxs.length === 0) txs = [];
  }
  return { number, hash: h, parentHash, timestamp, txHashes, txs };
}

export function parseLog(v: unknown, path: string): EvmLog {
  const o = obj(v, path);
  const topics = arr(o['topics'], `${path}.topics`).map((t, i) => hash(t, `${path}.topics[${i}]`));
  return {
    address: address(o['address'], `${path}.address`),
    topics,
    data: data(o['data'], `${path}.data`),
    blockHash: hash(o['blockHash'], `${path}.blockHash`),
    blockNumber: quantity(o['blockNumber'], `${path}.blockNumber`),
    txHash: hash(o['transactionHash'], `${path}.transactionHash`),
    txIndex: smallInt(o['transactionIndex'], `${path}.transactionIndex`),
    logIndex: smallInt(o['logIndex'], `${path}.logIndex`),
    removed: o['removed'] === true,
  };
}

/** eth_getLogs. */
export function parseLogs(v: unknown, path = 'logs'): EvmLog[] {
  return arr(v, path).map((l, i) => parseLog(l, `${path}[${i}]`));
}

export function parseReceipt(v: unknown, path = 'receipt'): EvmReceipt {
  const o = obj(v, path);
  const s = o['status'];
  let status: boolean | null;
  if (s === undefined || s === null) status = null;
  else {
    const n = quantity(s, `${path}.status`);
    if (n !== 0n && n !== 1n) throw new ShapeError(`${path}.status`, `expected 0x0 or 0x1, got ${describe(s)}`);
    status = n === 1n;
  }
  return {
    txHash: hash(o['transactionHash'], `${path}.transactionHash`),
    txIndex: smallInt(o['transactionIndex'], `${path}.transactionIndex`),
    blockHash: hash(o['blockHash'], `${path}.blockHash`),
    blockNumber: quantity(o['blockNumber'], `${path}.blockNumber`),
    status,
    logs: parseLogs(o['logs'], `${path}.logs`),
  };
}

/** eth_getBlockReceipts: null when the node does not know the block. */
export function parseReceipts(v: unknown, path = 'receipts'): EvmReceipt[] | null {
  if (v === null) return null;
  return arr(v, path).map((r, i) => parseReceipt(r, `${path}[${i}]`));
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
    let from: string;
    let to: string | null;
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
      from = '0x0000000000000000000000000000000000000000';
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
