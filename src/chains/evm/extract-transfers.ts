/**
 * Block contents → every value movement in it, as Transfers. Pure: no I/O, no clock. The
 * inputs must already be checked against the block (see consistency.ts).
 *
 * What counts, per transaction, in this order:
 * - `native` (position `tx`): the transaction's own value, when > 0 and it succeeded. `to` is
 *   null for contract creation.
 * - `call` (position `tx`, amount 0): a successful transaction with value 0 to an address,
 *   with calldata. Calling a listed contract (a mixer pool) is a finding by itself.
 * - `erc20` (position `log:<logIndex>`): `Transfer(address indexed, address indexed, uint256)`
 *   logs, exactly 3 topics and 32 bytes of data. ERC-721's 4-topic form and the old
 *   all-unindexed form are not ERC-20 transfers and are skipped, as are logs whose address
 *   topics have bits above the 20 address bytes (no real token emits them). Zero amounts are
 *   kept: screening decides what they mean.
 * - `internal` (position `trace:<path>`): call frames below the top one that moved value
 *   (CALL, CREATE, CREATE2, SELFDESTRUCT), skipping frames that reverted and everything under
 *   them. DELEGATECALL, STATICCALL and CALLCODE move nothing between accounts; their
 *   children are still walked. `path` is the frame's position under the top frame (`0`, `0.2`,
 *   `1.0.3`), the same for callTracer and parity-style traces.
 */
import { evmAddressFromNode, type NormalisedAddress } from '../../domain/address.js';
import type { HexAddressLookup } from '../../domain/hex-address-set.js';
import type { Asset, Transfer, TransferKind } from '../../domain/transfer.js';
import type { CallFrame, EvmBlock, EvmLog, EvmTx, FlatTrace, TxCallTrace } from './rpc-shapes.js';

/** keccak256("Transfer(address,address,uint256)"). */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/**
 * The addresses a read is narrowed to: those of a block's parties that `among` found in scope,
 * or the scope's whole address set held in memory.
 */
export type ScopeAddresses = ReadonlySet<NormalisedAddress> | HexAddressLookup;

export type BlockTraces =
  | { readonly kind: 'call'; readonly traces: readonly TxCallTrace[] }
  | { readonly kind: 'flat'; readonly traces: readonly FlatTrace[] };

export interface BlockContents {
  readonly chain: string;
  /** With full transactions. */
  readonly block: EvmBlock;
  /**
   * Receipt status by transaction hash: true success, false reverted, null unknown
   * (pre-Byzantium; treated as success). Required for every transaction in `txsNeedingStatus`:
   * those that carry value or call an address with calldata, have no log in `logs` (only
   * successful transactions leave logs) and, with a scope, touch it. Internal moves are gated
   * by the trace's own top-frame error.
   */
  readonly status: ReadonlyMap<string, boolean | null>;
  /** The block's logs; any topic (non-Transfer logs are ignored). */
  readonly logs: readonly EvmLog[];
  /** Present when the chain's config enables traces. */
  readonly traces?: BlockTraces;
  /**
   * When given, only transfers whose `from` or `to` is in it are produced (the exchange's
   * addresses: nothing else can be a deposit or a withdrawal), so only their statuses are needed.
   */
  readonly scope?: ScopeAddresses;
  /**
   * The transactions to look at, when not every one of `block.txs` (`narrowToScope`'s; the block
   * may then come without its full transactions). Logs and traces of others are ignored.
   */
  readonly txs?: readonly EvmTx[];
}

/** The extractor was given incomplete input (a fetcher bug, not a node problem). */
export class IncompleteBlockContents extends Error {
  override readonly name = 'IncompleteBlockContents';
}

const VALUE_MOVING_FRAMES = new Set(['CALL', 'CREATE', 'CREATE2', 'SELFDESTRUCT']);
const ADDRESS_TOPIC_PAD = '0x000000000000000000000000';
const NATIVE = { kind: 'native' } as const;

export function extractTransfers(input: BlockContents): Transfer[] {
  const { chain, block } = input;
  const txs = input.txs ?? block.txs;
  if (txs === null) throw new IncompleteBlockContents(`block ${block.hash}: extraction needs full transactions`);
  const scope = input.scope === undefined ? undefined : scopeTest(input.scope);

  const count = block.txHashes.length;
  const logsByTx = groupLogs(input.logs, count);
  const framesByTx = input.traces === undefined ? undefined : internalMoves(input.traces, block, count);

  const out: Transfer[] = [];
  for (const tx of txs) {
    const logs = logsByTx[tx.index];
    if (movesOrCalls(tx)) {
      if (inScope(scope, tx.from, tx.to)) {
        // A transaction with logs succeeded: a reverted one leaves none.
        const status = logs !== undefined ? true : input.status.get(tx.hash);
        if (status === undefined) throw new IncompleteBlockContents(`block ${block.hash}: no receipt status for ${tx.hash}`);
        // false: reverted, and nothing under it happened (it has no logs; its traces say so too).
        if (status === false) continue;
        if (tx.value > 0n) out.push(transfer(chain, block, tx, 'tx', 'native', NATIVE, tx.from, tx.to, tx.value));
        else if (tx.to !== null) out.push(transfer(chain, block, tx, 'tx', 'call', NATIVE, tx.from, tx.to, 0n));
      }
    }
    if (logs !== undefined) {
      for (const log of logs) {
        if (!isErc20Transfer(log)) continue;
        const [, t1, t2] = log.topics as [string, string, string];
        if (scope !== undefined && !scope.hasTopic(t1) && !scope.hasTopic(t2)) continue;
        out.push(transfer(chain, block, tx, `log:${log.logIndex}`, 'erc20', { kind: 'token', contract: log.address }, topicAddress(t1), topicAddress(t2), BigInt(log.data)));
      }
    }
    const moves = framesByTx?.[tx.index];
    if (moves !== undefined) {
      for (const m of moves) {
        if (inScope(scope, m.from, m.to)) out.push(transfer(chain, block, tx, `trace:${m.path}`, 'internal', NATIVE, m.from, m.to, m.value));
      }
    }
  }
  return out;
}

function inScope(scope: ScopeTest | undefined, from: NormalisedAddress, to: NormalisedAddress | null): boolean {
  return scope === undefined || scope.has(from) || (to !== null && scope.has(to));
}

/** Membership in a scope, for addresses and for address topics (without building an address from the topic). */
interface ScopeTest {
  has(address: NormalisedAddress): boolean;
  hasTopic(topic: string): boolean;
}

/**
 * Per scope (a set `among` gave is never changed; an in-memory set only grows, and its test
 * reads it live): a chunk's blocks share one (narrowed, then extracted), so it is built once.
 */
const scopeTests = new WeakMap<ScopeAddresses, ScopeTest>();

function scopeTest(scope: ScopeAddresses): ScopeTest {
  let test = scopeTests.get(scope);
  if (test === undefined) scopeTests.set(scope, (test = 'hasDigitsAt' in scope ? lookupTest(scope) : setTest(scope)));
  return test;
}

/** An address topic is `0x`, 24 zero digits, then the address's 40 digits. */
const TOPIC_ADDRESS_OFFSET = 26;

/** The set reads the digits in place, in addresses and topics alike. */
function lookupTest(lookup: HexAddressLookup): ScopeTest {
  return { has: (a) => lookup.hasDigitsAt(a, 2), hasTopic: (t) => lookup.hasDigitsAt(t, TOPIC_ADDRESS_OFFSET) };
}

function setTest(scope: ReadonlySet<NormalisedAddress>): ScopeTest {
  // Topics are tested without building a `0x…` address each: by their last 8 digits (a short
  // string, cheap to hash), then in full against the few addresses sharing them.
  const byTail = new Map<string, string[]>();
  for (const a of scope) {
    const tail = a.slice(34);
    const list = byTail.get(tail);
    if (list === undefined) byTail.set(tail, [a.slice(2)]);
    else list.push(a.slice(2));
  }
  return {
    has: (a) => scope.has(a),
    hasTopic(t) {
      const list = byTail.get(t.slice(58));
      if (list === undefined) return false;
      for (const digits of list) if (t.endsWith(digits)) return true;
      return false;
    },
  };
}

/** One literal shape for every Transfer (object spread measured 8 µs per transfer here). */
function transfer(
  chain: string,
  block: EvmBlock,
  tx: EvmTx,
  position: string,
  kind: TransferKind,
  asset: Asset,
  from: NormalisedAddress,
  to: NormalisedAddress | null,
  amount: bigint,
): Transfer {
  return { chain, blockNumber: block.number, blockHash: block.hash, txHash: tx.hash, position, kind, asset, from, to, amount, txFrom: tx.from };
}

/**
 * Every address a transfer of this block could name (parties of top-level value and calls,
 * of ERC-20 Transfer logs and of internal moves): what to ask a scope. Appended to `parties`;
 * an address may repeat.
 */
export function partiesOf(block: EvmBlock, logs: readonly EvmLog[], traces: BlockTraces | undefined, parties: NormalisedAddress[] = []): NormalisedAddress[] {
  for (const tx of block.txs ?? []) {
    if (!movesOrCalls(tx)) continue;
    parties.push(tx.from);
    if (tx.to !== null) parties.push(tx.to);
  }
  const txs = block.txs ?? [];
  for (const log of logs) {
    if (!isErc20Transfer(log)) continue;
    const from = log.topics[1] as string;
    // Most token transfers are sent by their holder, the sender of a transaction that calls the
    // token: asked about already, above.
    const tx = txs[log.txIndex];
    if (tx === undefined || !movesOrCalls(tx) || !topicIs(from, tx.from)) parties.push(topicAddress(from));
    parties.push(topicAddress(log.topics[2] as string));
  }
  if (traces !== undefined) {
    for (const moves of internalMoves(traces, block, block.txHashes.length)) {
      for (const m of moves ?? []) {
        parties.push(m.from);
        if (m.to !== null) parties.push(m.to);
      }
    }
  }
  return parties;
}

/**
 * The transactions whose receipt status `extractTransfers` will need: a top-level transfer
 * (value, or a call with calldata) with no log in `logs` to prove success, and, with a scope,
 * `from` or `to` in it. `txs`: those to look at (default: all the block's).
 */
export function txsNeedingStatus(block: EvmBlock, logs: readonly EvmLog[], scope?: ScopeAddresses, txs: readonly EvmTx[] = block.txs ?? []): EvmTx[] {
  const logged = new Set<number>();
  for (const log of logs) logged.add(log.txIndex);
  const test = scope === undefined ? undefined : scopeTest(scope);
  return txs.filter((tx) => movesOrCalls(tx) && !logged.has(tx.index) && inScope(test, tx.from, tx.to));
}

/** A block narrowed to a scope: the part of it `extractTransfers` needs for the transfers touching the scope. */
export interface NarrowedBlock {
  /** The block without its full transactions (hashes kept: receipts are checked against them). */
  readonly block: EvmBlock;
  /** The transactions whose own value or call, ERC-20 Transfer logs or internal moves touch the scope. */
  readonly txs: EvmTx[];
  /** Those transactions' logs (a transaction with logs succeeded). */
  readonly logs: EvmLog[];
}

/**
 * The part of a block that can yield a transfer touching `scope`, in one pass, so that the rest
 * (most of a block) can be let go before the receipts are fetched. `extractTransfers` and
 * `txsNeedingStatus` over it, with the same scope, give what they give over the whole block.
 */
export function narrowToScope(block: EvmBlock, logs: readonly EvmLog[], traces: BlockTraces | undefined, scope: ScopeAddresses): NarrowedBlock {
  const txs = block.txs;
  if (txs === null) throw new IncompleteBlockContents(`block ${block.hash}: narrowing needs full transactions`);
  const count = block.txHashes.length;
  const keep = new Uint8Array(count);
  for (const log of logs) {
    if (log.txIndex >= count) throw new IncompleteBlockContents(`log ${log.logIndex} names tx index ${log.txIndex} of ${count}`);
    if (logTouchesScope(log, scope)) keep[log.txIndex] = 1;
  }
  for (const tx of txs) if (txTouchesScope(tx, scope)) keep[tx.index] = 1;
  if (traces !== undefined) markInternalMovesInScope(traces, block, scope, keep);
  return {
    block: { ...block, txs: null },
    txs: txs.filter((tx) => keep[tx.index] === 1),
    logs: logs.filter((log) => keep[log.txIndex] === 1),
  };
}

/** Does the transaction's own value or call touch the scope (so that narrowing keeps it)? */
export function txTouchesScope(tx: EvmTx, scope: ScopeAddresses): boolean {
  return movesOrCalls(tx) && inScope(scopeTest(scope), tx.from, tx.to);
}

/** Is the log an ERC-20 Transfer with a party in the scope (so that narrowing keeps its transaction)? */
export function logTouchesScope(log: EvmLog, scope: ScopeAddresses): boolean {
  if (!isErc20Transfer(log)) return false;
  const test = scopeTest(scope);
  return test.hasTopic(log.topics[1] as string) || test.hasTopic(log.topics[2] as string);
}

/** Sets `keep[i]` for each transaction `i` with an internal move touching the scope. */
export function markInternalMovesInScope(traces: BlockTraces, block: EvmBlock, scope: ScopeAddresses, keep: Uint8Array): void {
  const test = scopeTest(scope);
  internalMoves(traces, block, block.txHashes.length).forEach((moves, i) => {
    if (moves?.some((m) => inScope(test, m.from, m.to))) keep[i] = 1;
  });
}

/** Does the transaction itself move value, or call an address with calldata? */
function movesOrCalls(tx: EvmTx): boolean {
  return tx.value > 0n || (tx.to !== null && tx.hasInput);
}

function groupLogs(logs: readonly EvmLog[], txCount: number): (EvmLog[] | undefined)[] {
  const byTx: (EvmLog[] | undefined)[] = new Array<EvmLog[] | undefined>(txCount);
  for (const log of logs) {
    if (log.txIndex >= txCount) throw new IncompleteBlockContents(`log ${log.logIndex} names tx index ${log.txIndex} of ${txCount}`);
    (byTx[log.txIndex] ??= []).push(log);
  }
  for (const l of byTx) l?.sort((a, b) => a.logIndex - b.logIndex);
  return byTx;
}

/**
 * Is this log an ERC-20 `Transfer`: exactly 3 topics, 32 bytes of data, and address topics with
 * nothing above the 20 address bytes?
 */
function isErc20Transfer(log: EvmLog): boolean {
  const [t0, t1, t2] = log.topics;
  return (
    log.topics.length === 3 &&
    t0 === TRANSFER_TOPIC &&
    log.data.length === 66 &&
    t1 !== undefined &&
    t2 !== undefined &&
    t1.startsWith(ADDRESS_TOPIC_PAD) &&
    t2.startsWith(ADDRESS_TOPIC_PAD)
  );
}

/** The address in an indexed address topic (checked, lower-cased 32-byte hex, rpc-shapes.ts): its low 20 bytes. */
function topicAddress(topic: string): NormalisedAddress {
  return evmAddressFromNode(`0x${topic.slice(26)}`, true);
}

/** Does the address topic (checked, lower-cased) hold this address? Compared in place, without building either. */
function topicIs(topic: string, address: NormalisedAddress): boolean {
  for (let i = 2; i < 42; i++) if (topic.charCodeAt(i + 24) !== address.charCodeAt(i)) return false;
  return true;
}

/** An ERC-20 Transfer log's parties and amount, or undefined if the log is not one. */
export function erc20Transfer(log: EvmLog): { from: NormalisedAddress; to: NormalisedAddress; amount: bigint } | undefined {
  if (!isErc20Transfer(log)) return undefined;
  return { from: topicAddress(log.topics[1] as string), to: topicAddress(log.topics[2] as string), amount: BigInt(log.data) };
}

interface InternalMove {
  readonly path: string;
  readonly from: NormalisedAddress;
  readonly to: NormalisedAddress | null;
  readonly value: bigint;
}

/** Value-moving, non-reverted frames below each transaction's top frame, by transaction index. */
function internalMoves(traces: BlockTraces, block: EvmBlock, txCount: number): (InternalMove[] | undefined)[] {
  const byTx: (InternalMove[] | undefined)[] = new Array<InternalMove[] | undefined>(txCount);
  if (traces.kind === 'call') {
    traces.traces.forEach((t, i) => {
      if (t.root === null) throw new IncompleteBlockContents(`block ${block.hash}: tx ${i} could not be traced (${t.error ?? 'no result'})`);
      if (t.root.error !== null) return; // the whole transaction reverted
      const moves: InternalMove[] = [];
      walk(t.root.calls, '', moves);
      if (moves.length > 0) byTx[i] = moves;
    });
    return byTx;
  }
  // Parity-style: a flat list; a frame is reverted if it or any ancestor has an error.
  const failed = new Map<number, Set<string>>();
  for (const t of traces.traces) {
    if (t.txPosition === null || t.error === null) continue;
    let s = failed.get(t.txPosition);
    if (s === undefined) failed.set(t.txPosition, (s = new Set()));
    s.add(t.traceAddress.join('.'));
  }
  for (const t of traces.traces) {
    if (t.txPosition === null || t.traceAddress.length === 0 || t.value === 0n) continue;
    const type = t.type === 'call' ? (t.callType ?? 'call').toUpperCase() : t.type === 'suicide' ? 'SELFDESTRUCT' : t.type.toUpperCase();
    if (!VALUE_MOVING_FRAMES.has(type)) continue;
    const dead = failed.get(t.txPosition);
    if (dead !== undefined) {
      let reverted = dead.has('');
      for (let n = 1; !reverted && n <= t.traceAddress.length; n++) reverted = dead.has(t.traceAddress.slice(0, n).join('.'));
      if (reverted) continue;
    }
    (byTx[t.txPosition] ??= []).push({ path: t.traceAddress.join('.'), from: t.from, to: t.to, value: t.value });
  }
  // Depth-first order, as callTracer gives it.
  for (const moves of byTx) moves?.sort((a, b) => comparePaths(a.path, b.path));
  return byTx;
}

function walk(frames: readonly CallFrame[], prefix: string, out: InternalMove[]): void {
  frames.forEach((f, i) => {
    if (f.error !== null) return; // reverted: nothing under it happened either
    const path = prefix === '' ? String(i) : `${prefix}.${i}`;
    if (f.value > 0n && VALUE_MOVING_FRAMES.has(f.type)) out.push({ path, from: f.from, to: f.to, value: f.value });
    walk(f.calls, path, out);
  });
}

function comparePaths(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const d = (pa[i] as number) - (pb[i] as number);
    if (d !== 0) return d;
  }
  return pa.length - pb.length;
}

export type { EvmTx };
