import { createHash } from 'node:crypto';
import type { NormalisedAddress } from '../domain/address.js';
import type { BlockHash, BlockRef } from '../domain/block.js';
import type { Alert } from '../domain/alert.js';
import type { Direction, ListPolicy } from '../domain/match.js';
import type { SanctionEntry } from '../domain/sanction-entry.js';
import type { Asset, Transfer, TransferKind } from '../domain/transfer.js';

/**
 * Job shapes. Job data is JSON in Redis, so bigints travel as decimal strings; the wire types
 * below are the only place that knows it.
 */
export interface WireBlock {
  readonly number: string;
  readonly hash: string;
  readonly parentHash: string;
  readonly timestamp: number;
}

export interface WireTransfer {
  readonly chain: string;
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly txHash: string;
  readonly position: string;
  readonly kind: TransferKind;
  readonly asset: Asset;
  readonly from: string;
  readonly to: string | null;
  readonly amount: string;
  readonly txFrom: string;
  readonly payment?: string;
}

/** A replay run a job belongs to (absent for live following). */
export interface RunTag {
  readonly runId: string;
  /** Raise nothing: record what would have been held. */
  readonly dryRun: boolean;
  /** Screen against these list versions instead of the active ones. */
  readonly listVersions?: Readonly<Record<string, number>>;
}

/** One block the follower handed on, or a range of blocks a replay pushes through. */
export type ExtractJob =
  | { readonly kind: 'block'; readonly chain: string; readonly block: WireBlock; readonly run?: RunTag }
  | { readonly kind: 'range'; readonly chain: string; readonly from: string; readonly to: string; readonly run: RunTag };

export interface AttributedTransfer {
  readonly transfer: WireTransfer;
  readonly direction: Direction;
  readonly accountId: string | null;
  readonly exchangeAddress: string;
  readonly counterparties: readonly string[];
}

/** A block's transfers touching the exchange, to be screened. */
export interface ScreenBlock {
  readonly block: WireBlock;
  readonly items: readonly AttributedTransfer[];
}

/**
 * The blocks of one extract job that touch the exchange: one block when following live, those
 * of a replay's range together (one job, not one per block). A job queued by an earlier
 * version carries one block as `block` and `items` instead of `blocks`.
 */
export type ScreenJob =
  | { readonly chain: string; readonly blocks: readonly ScreenBlock[]; readonly run?: RunTag }
  | { readonly chain: string; readonly block: WireBlock; readonly items: readonly AttributedTransfer[]; readonly run?: RunTag };

export function screenBlocksOf(job: ScreenJob): readonly ScreenBlock[] {
  return 'blocks' in job ? job.blocks : [{ block: job.block, items: job.items }];
}

/** One match of a screen job, with the block it was found in. */
export interface BlockMatch {
  readonly block: WireBlock;
  readonly match: WireMatch;
}

export interface WireMatch {
  readonly item: AttributedTransfer;
  readonly counterparty: string;
  readonly entry: WireEntry;
  readonly policy: ListPolicy;
  readonly authority: string;
}

export type WireEntry = Omit<SanctionEntry, 'address'> & { readonly address: string };

/**
 * `matches`: every match of one screen job, acted on in one job (holds, then their alerts as
 * one `alerts` job). `match` (one match) is what earlier versions queued; still run.
 */
export type ActJob =
  | { readonly kind: 'matches'; readonly chain: string; readonly matches: readonly BlockMatch[]; readonly run?: RunTag }
  | { readonly kind: 'match'; readonly chain: string; readonly block: WireBlock; readonly match: WireMatch; readonly run?: RunTag }
  | { readonly kind: 'reorg'; readonly chain: string; readonly orphaned: readonly WireBlock[]; readonly forkPoint: WireBlock }
  | { readonly kind: 'alert'; readonly alert: Alert }
  | { readonly kind: 'alerts'; readonly alerts: readonly Alert[] };

export function toWireBlock(b: BlockRef): WireBlock {
  return { number: b.number.toString(), hash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp };
}

export function fromWireBlock(b: WireBlock): BlockRef {
  return { number: BigInt(b.number), hash: b.hash as BlockHash, parentHash: b.parentHash as BlockHash, timestamp: b.timestamp };
}

export function toWireTransfer(t: Transfer): WireTransfer {
  return { ...t, blockNumber: t.blockNumber.toString(), amount: t.amount.toString() };
}

export function fromWireTransfer(t: WireTransfer): Transfer {
  return {
    ...t,
    blockNumber: BigInt(t.blockNumber),
    blockHash: t.blockHash as BlockHash,
    amount: BigInt(t.amount),
    from: t.from as NormalisedAddress,
    to: t.to as NormalisedAddress | null,
    txFrom: t.txFrom as NormalisedAddress,
  };
}

/**
 * BullMQ job ids may not contain ':' and must be stable: the same work always gets the same id,
 * so a duplicate enqueue (a retried follower round, a replay of the same range) runs once.
 */
export function jobId(kind: string, ...parts: readonly string[]): string {
  const key = parts.join('|');
  return `${kind}-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}
