/**
 * Blocks read (full-tx blocks and their Transfer logs, as the node sent them) narrowed to a
 * scope held in memory before anything is typed: only the transactions that can touch the
 * scope, and their logs, become EvmTx and EvmLog (rpc-shapes.ts, every field checked). Every
 * other transaction and log is checked where it stands, on the fields Cordon reads of it:
 * - it names its block by the answer's own hash and number, and its position (a log: the hash
 *   of the transaction at the index it gives), and a log is not marked removed;
 * - its parties are `0x` and 40 characters (address topics: `0x` and 64), of which the scope
 *   reads the hex digits it needs, and its hash `0x` and 64 (lower-cased, as typing does).
 * Their other digits are not read one by one: a party whose digits are not hex cannot be one of
 * the scope's addresses, and a transaction hash is only ever compared with hashes that were
 * checked (of logs, receipts, traces, kept transactions), so neither changes what is kept or
 * emitted; a wrong one can only fail a comparison, and the answer is then refused. (Measured:
 * checking every digit of every party and hash cost as much as the rest of the scan.)
 * Anything spelled otherwise than the block's own fields (upper case, a JSON number), and any log
 * that is not a plain 3-topic Transfer, goes through the typed parser and the consistency checks
 * (consistency.ts) instead, which decide. What comes out is what `narrowToScope` gives for the
 * typed blocks and logs, with the same scope.
 *
 * Why: an exchange's addresses are a few of a block's parties; typing every transaction and log
 * was most of Cordon's own cost on top of JSON.parse in replay (bench/evm-replay.ts).
 */
import type { HexAddressLookup } from '../../domain/hex-address-set.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { checkBlock, checkLogs, checkTxPlace, shaped } from './consistency.js';
import { logTouchesScope, markInternalMovesInScope, TRANSFER_TOPIC, txTouchesScope, type BlockTraces, type NarrowedBlock } from './extract-transfers.js';
import { arr, hash, items, obj, parseBlockFields, parseLog, parseTx, smallInt, type EvmBlock, type EvmLog, type EvmTx, type Obj } from './rpc-shapes.js';

/** A block's own fields and transaction hashes, typed and checked; its transactions scanned against the scope. */
export interface ScannedBlock {
  /** Without full transactions (`txs` null). */
  readonly block: EvmBlock;
  /** Per transaction: 1 when it touches the scope (by its own value or call, a Transfer log, an internal move). */
  readonly keep: Uint8Array;
  /** The answer's transactions as sent, to type the kept ones. */
  readonly rawTxs: readonly unknown[];
  /** Transactions typed while scanning, by index. */
  readonly typed: ReadonlyMap<number, EvmTx>;
  /** The answer's own `hash` and `number`, as spelled there. */
  readonly rawHash: string;
  readonly rawNumber: unknown;
}

/** Logs of a chunk's blocks, scanned against the scope and placed in the blocks. */
export interface ScannedLogs {
  readonly raw: readonly unknown[];
  /** Per log: its block's position among the chunk's blocks, and its transaction's index there. */
  readonly blockAt: Int32Array;
  readonly txAt: Int32Array;
  /** Logs typed while scanning, by position in `raw`. */
  readonly typed: ReadonlyMap<number, EvmLog>;
  /** Per block of the chunk: how many logs the answer gave it. */
  readonly perBlock: Int32Array;
}

const TXS_PATH = 'block.transactions';
const LOGS_PATH = 'logs';

/** A transaction's position as nodes spell it (`0x` + hex), cached for the usual block sizes. */
const INDEX_HEX = Array.from({ length: 2048 }, (_, i) => `0x${i.toString(16)}`);
const indexHex = (i: number): string => INDEX_HEX[i] ?? `0x${i.toString(16)}`;

/**
 * An eth_getBlockBy*(full) answer, checked as `readBlock` checks it, with only its own fields
 * and transaction hashes typed; each transaction whose own value or call touches `scope` is
 * marked. Null when the node does not know the block.
 */
export function scanBlock(
  ep: Pick<Endpoint, 'label'>,
  method: string,
  raw: unknown,
  asked: { readonly number?: bigint; readonly hash?: string },
  scope: HexAddressLookup,
): ScannedBlock | null {
  const fields = shaped(ep, method, () => parseBlockFields(raw));
  if (fields === null) return null;
  const { rawHash, rawNumber } = fields;
  const txHashes: string[] = [];
  const typed = new Map<number, EvmTx>();
  const marks = shaped(ep, method, () =>
    items(fields.transactions, TXS_PATH, (v, path): number => {
      const i = txHashes.length;
      const o = obj(v, path);
      const h = o['hash'];
      txHashes.push(isHexShaped(h, 64) ? h.toLowerCase() : hash(h, path, 'hash'));
      if (o['blockHash'] === rawHash && o['blockNumber'] === rawNumber && o['transactionIndex'] === indexHex(i)) {
        const mark = txMark(o, scope);
        if (mark !== undefined) return mark;
      }
      const tx = parseTx(o, path);
      typed.set(i, tx);
      return txTouchesScope(tx, scope) ? 1 : 0;
    }),
  );
  const block: EvmBlock = { ...fields.block, txHashes, txs: null };
  checkBlock(ep, method, block, asked);
  for (const [i, tx] of typed) checkTxPlace(ep, method, block, tx, i);
  return { block, keep: Uint8Array.from(marks), rawTxs: fields.transactions, typed, rawHash, rawNumber };
}

/** `0x` and `digits` more characters: an address or a hash as far as the scan reads it. */
const isHexShaped = (v: unknown, digits: number): v is string =>
  typeof v === 'string' && v.length === digits + 2 && v.charCodeAt(0) === 48 && v.charCodeAt(1) === 120;
const isAddressText = (v: unknown): v is string => isHexShaped(v, 40);

/**
 * 1 if the transaction moves value, or calls with calldata, from or to an address in scope;
 * else 0. Undefined when a field is not what the quick look expects (the typed parser decides).
 */
function txMark(o: Obj, scope: HexAddressLookup): number | undefined {
  const from = o['from'];
  const to = o['to'] === null || o['to'] === undefined || o['to'] === '0x' ? null : o['to'];
  const value = o['value'];
  const input = o['input'] ?? o['data'];
  if (!isAddressText(from) || (to !== null && !isAddressText(to)) || typeof value !== 'string' || typeof input !== 'string') return undefined;
  // `0x0` is no value; any other spelling may be some, and is read in full if the tx is kept.
  if (value === '0x0' && (to === null || input.length <= 2)) return 0;
  return scope.hasDigitsAt(from, 2) || (to !== null && scope.hasDigitsAt(to, 2)) ? 1 : 0;
}

/**
 * An eth_getLogs answer for the chunk's blocks (numbers `range`), checked as `checkLogs`
 * checks it: each log names one of the blocks by its hash and number, and that block's
 * transaction at the index it gives; none is removed. In its block's `keep`, marks the
 * transaction of each ERC-20 Transfer log with a party in `scope`.
 */
export function scanLogs(
  ep: Pick<Endpoint, 'label'>,
  method: string,
  raw: unknown,
  blocks: readonly ScannedBlock[],
  range: { readonly from: bigint; readonly to: bigint },
  scope: HexAddressLookup,
): ScannedLogs {
  const list = shaped(ep, method, () => arr(raw, LOGS_PATH));
  const byRawNumber = new Map<unknown, number>(blocks.map((b, i) => [b.rawNumber, i]));
  const typedBlocks = new Map(blocks.map((b) => [b.block.number, b.block]));
  const blockAt = new Int32Array(list.length);
  const txAt = new Int32Array(list.length);
  const perBlock = new Int32Array(blocks.length);
  const typed = new Map<number, EvmLog>();
  let k = 0;
  shaped(ep, method, () =>
    items(list, LOGS_PATH, (v, path): void => {
      const i = k++;
      const o = obj(v, path);
      const b = byRawNumber.get(o['blockNumber']);
      const scanned = b === undefined ? undefined : (blocks[b] as ScannedBlock);
      if (scanned !== undefined && o['blockHash'] === scanned.rawHash && o['removed'] !== true) {
        const t = smallInt(o['transactionIndex'], path, 'transactionIndex');
        const mark = o['transactionHash'] === scanned.block.txHashes[t] ? logMark(o['topics'], scope) : undefined;
        if (mark !== undefined) {
          if (mark === 1) scanned.keep[t] = 1;
          blockAt[i] = b as number;
          txAt[i] = t;
          perBlock[b as number] = (perBlock[b as number] as number) + 1;
          return;
        }
      }
      const log = parseLog(o, path);
      checkLogs(ep, method, typedBlocks, [log], range);
      const at = blocks.findIndex((s) => s.block.number === log.blockNumber);
      typed.set(i, log);
      blockAt[i] = at;
      txAt[i] = log.txIndex;
      perBlock[at] = (perBlock[at] as number) + 1;
      if (logTouchesScope(log, scope)) (blocks[at] as ScannedBlock).keep[log.txIndex] = 1;
    }),
  );
  return { raw: list, blockAt, txAt, typed, perBlock };
}

/**
 * 1 if the topics are an ERC-20 Transfer's with a party in scope, 0 if not or not a 3-topic
 * Transfer; undefined when they are not what the quick look expects (the typed parser decides).
 */
function logMark(topics: unknown, scope: HexAddressLookup): number | undefined {
  if (!Array.isArray(topics) || topics[0] !== TRANSFER_TOPIC) return undefined;
  if (topics.length !== 3) return 0;
  const [, t1, t2] = topics as unknown[];
  if (!isHexShaped(t1, 64) || !isHexShaped(t2, 64)) return undefined;
  return scope.hasDigitsAt(t1, 26) || scope.hasDigitsAt(t2, 26) ? 1 : 0;
}

/**
 * The chunk's blocks narrowed to the scope: per block, the marked transactions (after marking
 * those with an internal move in scope, when the block has traces) and every log of theirs,
 * typed. `only`: the blocks to narrow (default all); the others give undefined.
 */
export function narrowScanned(
  ep: Pick<Endpoint, 'label'>,
  methods: { readonly block: string; readonly logs: string },
  blocks: readonly ScannedBlock[],
  logs: ScannedLogs,
  traces: readonly (BlockTraces | undefined)[],
  scope: HexAddressLookup,
  only: (i: number) => boolean = () => true,
): (NarrowedBlock | undefined)[] {
  const kept: (EvmLog[] | undefined)[] = blocks.map((_, i) => (only(i) ? [] : undefined));
  const out = blocks.map((scanned, i): NarrowedBlock | undefined => {
    if (kept[i] === undefined) return undefined;
    const t = traces[i];
    if (t !== undefined) markInternalMovesInScope(t, scanned.block, scope, scanned.keep);
    const txs: EvmTx[] = [];
    shaped(ep, methods.block, () =>
      scanned.keep.forEach((mark, j) => {
        if (mark === 1) txs.push(scanned.typed.get(j) ?? parseTx(scanned.rawTxs[j], `${TXS_PATH}[${j}]`));
      }),
    );
    return { block: scanned.block, txs, logs: kept[i] as EvmLog[] };
  });
  shaped(ep, methods.logs, () => {
    for (let i = 0; i < logs.raw.length; i++) {
      const list = kept[logs.blockAt[i] as number];
      const scanned = blocks[logs.blockAt[i] as number] as ScannedBlock;
      if (list !== undefined && scanned.keep[logs.txAt[i] as number] === 1) list.push(logs.typed.get(i) ?? parseLog(logs.raw[i], `${LOGS_PATH}[${i}]`));
    }
  });
  return out;
}

/** The block with every transaction typed, for the reads that need it whole (the typed path). */
export function wholeBlock(ep: Pick<Endpoint, 'label'>, method: string, scanned: ScannedBlock): EvmBlock {
  const txs = shaped(ep, method, () => scanned.rawTxs.map((v, j) => scanned.typed.get(j) ?? parseTx(v, `${TXS_PATH}[${j}]`)));
  return { ...scanned.block, txs };
}

/** The logs the answer gave block `b`, typed. */
export function logsOfBlock(ep: Pick<Endpoint, 'label'>, method: string, logs: ScannedLogs, b: number): EvmLog[] {
  const out: EvmLog[] = [];
  shaped(ep, method, () => {
    for (let i = 0; i < logs.raw.length; i++) if (logs.blockAt[i] === b) out.push(logs.typed.get(i) ?? parseLog(logs.raw[i], `${LOGS_PATH}[${i}]`));
  });
  return out;
}
