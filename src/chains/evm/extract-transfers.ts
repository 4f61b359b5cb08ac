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
import { normaliseForFamily, type NormalisedAddress } from '../../domain/address.js';
import type { Asset, Transfer, TransferKind } from '../../domain/transfer.js';
import type { CallFrame, EvmBlock, EvmLog, EvmTx, FlatTrace, TxCallTrace } from './rpc-shapes.js';

/** keccak256("Transfer(address,address,uint256)"). */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

export type BlockTraces =
  | { readonly kind: 'call'; readonly traces: readonly TxCallTrace[] }
  | { readonly kind: 'flat'; readonly traces: readonly FlatTrace[] };

export interface BlockContents {
  readonly chain: string;
  /** With full transactions. */
  readonly block: EvmBlock;
  /**
   * Receipt status by transaction hash: true success, false reverted, null unknown
   * (pre-Byzantium; treated as success). Required for every transaction that carries value or
   * calls an address with calldata, unless it has a log in `logs` (only successful
   * transactions leave logs). Internal moves are gated by the trace's own top-frame error.
   */
  readonly status: ReadonlyMap<string, boolean | null>;
  /** The block's logs; any topic (non-Transfer logs are ignored). */
  readonly logs: readonly EvmLog[];
  /** Present when the chain's config enables traces. */
  readonly traces?: BlockTraces;
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
  const txs = block.txs;
  if (txs === null) throw new IncompleteBlockContents(`block ${block.hash}: extraction needs full transactions`);

  const addresses = new Map<string, NormalisedAddress>();
  const addr = (raw: string): NormalisedAddress => {
    let a = addresses.get(raw);
    if (a === undefined) {
      a = normaliseForFamily(raw, 'evm');
      addresses.set(raw, a);
    }
    return a;
  };

  const logsByTx = groupLogs(input.logs, txs.length);
  const framesByTx = input.traces === undefined ? undefined : internalMoves(input.traces, block, txs.length);

  const out: Transfer[] = [];
  for (const tx of txs) {
    const logs = logsByTx[tx.index];
    const status = input.status.get(tx.hash);
    // A transaction with logs succeeded: a reverted one leaves none.
    const succeeded = status === false ? false : status === true || status === null || logs !== undefined ? true : undefined;
    if (succeeded === false) continue;

    const txFrom = addr(tx.from);
    // One literal shape for every Transfer (object spread measured 8 µs per transfer here).
    const make = (position: string, kind: TransferKind, asset: Asset, from: NormalisedAddress, to: NormalisedAddress | null, amount: bigint): Transfer => ({
      chain,
      blockNumber: block.number,
      blockHash: block.hash,
      txHash: tx.hash,
      position,
      kind,
      asset,
      from,
      to,
      amount,
      txFrom,
    });
    if (tx.value > 0n || (tx.to !== null && tx.hasInput)) {
      if (succeeded === undefined) throw new IncompleteBlockContents(`block ${block.hash}: no receipt status for ${tx.hash}`);
      if (tx.value > 0n) {
        out.push(make('tx', 'native', NATIVE, txFrom, tx.to === null ? null : addr(tx.to), tx.value));
      } else if (tx.to !== null) {
        out.push(make('tx', 'call', NATIVE, txFrom, addr(tx.to), 0n));
      }
    }
    if (logs !== undefined) {
      for (const log of logs) {
        const t = erc20Transfer(log);
        if (t === undefined) continue;
        out.push(make(`log:${log.logIndex}`, 'erc20', { kind: 'token', contract: addr(log.address) }, addr(t.from), addr(t.to), t.amount));
      }
    }
    const moves = framesByTx?.[tx.index];
    if (moves !== undefined) {
      for (const m of moves) {
        out.push(make(`trace:${m.path}`, 'internal', NATIVE, addr(m.from), m.to === null ? null : addr(m.to), m.value));
      }
    }
  }
  return out;
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

/** An ERC-20 Transfer log's parties and amount, or undefined if the log is not one. */
export function erc20Transfer(log: EvmLog): { from: string; to: string; amount: bigint } | undefined {
  const [t0, t1, t2] = log.topics;
  if (log.topics.length !== 3 || t0 !== TRANSFER_TOPIC || t1 === undefined || t2 === undefined) return undefined;
  if (log.data.length !== 66) return undefined;
  if (!t1.startsWith(ADDRESS_TOPIC_PAD) || !t2.startsWith(ADDRESS_TOPIC_PAD)) return undefined;
  return { from: `0x${t1.slice(26)}`, to: `0x${t2.slice(26)}`, amount: BigInt(log.data) };
}

interface InternalMove {
  readonly path: string;
  readonly from: string;
  readonly to: string | null;
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
