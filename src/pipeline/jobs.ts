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
 * An attributed transfer as a screen job carries it: a row, not an object. The chain is the
 * job's and the block number and hash are the block's, and no field name is repeated. A replay
 * hands ~10 transfers a block to screen: as objects they were 6.6 of the 11 MB a 1,000-block
 * run took through Redis (bench:replay), each byte encoded, sent, stored, read and parsed again.
 */
export type ScreenRow = readonly [
  txHash: string,
  position: string,
  kind: TransferKind,
  /** The token contract; null for the chain's native asset. */
  contract: string | null,
  from: string,
  to: string | null,
  amount: string,
  txFrom: string,
  payment: string | null,
  direction: Direction,
  accountId: string | null,
  exchangeAddress: string,
  counterparties: readonly string[],
];

/** A block's transfers to screen, as rows. */
export interface ScreenRows {
  readonly block: WireBlock;
  readonly rows: readonly ScreenRow[];
}

/**
 * The blocks of one extract job that touch the exchange: one block when following live, those
 * of a replay's range together (one job, not one per block). Jobs queued by earlier versions
 * carry their transfers as objects (`items`), per block or, older still, for one `block`.
 */
export type ScreenJob =
  | { readonly chain: string; readonly blocks: readonly (ScreenRows | ScreenBlock)[]; readonly run?: RunTag }
  | { readonly chain: string; readonly block: WireBlock; readonly items: readonly AttributedTransfer[]; readonly run?: RunTag };

/** A screen job's blocks with their transfers as objects, whichever form the job has. */
export function screenBlocksOf(job: ScreenJob): readonly ScreenBlock[] {
  if (!('blocks' in job)) return [{ block: job.block, items: job.items }];
  // Loops, not callbacks made per job (those lose their optimised code with the job's closures).
  const out: ScreenBlock[] = [];
  for (const b of job.blocks) {
    if (!('rows' in b)) {
      out.push(b);
      continue;
    }
    const items: AttributedTransfer[] = [];
    for (const row of b.rows) items.push(fromScreenRow(job.chain, b.block, row));
    out.push({ block: b.block, items });
  }
  return out;
}

/** The blocks of a screen job, without decoding their transfers. */
export function screenJobBlocks(job: ScreenJob): readonly WireBlock[] {
  return 'blocks' in job ? job.blocks.map((b) => b.block) : [job.block];
}

/** A block's attributed transfers as rows; each must be of that block on that chain (the row leaves those out). */
export function toScreenRows(chain: string, block: WireBlock, items: readonly AttributedTransfer[]): ScreenRows {
  const rows: ScreenRow[] = [];
  for (const { transfer: t, direction, accountId, exchangeAddress, counterparties } of items) {
    if (t.chain !== chain || t.blockHash !== block.hash || t.blockNumber !== block.number) {
      throw new Error(`transfer ${t.txHash} ${t.position} of ${t.chain} #${t.blockNumber} ${t.blockHash} handed on with block ${chain} #${block.number} ${block.hash}`);
    }
    const contract = t.asset.kind === 'native' ? null : t.asset.contract;
    rows.push([t.txHash, t.position, t.kind, contract, t.from, t.to, t.amount, t.txFrom, t.payment ?? null, direction, accountId, exchangeAddress, counterparties]);
  }
  return { block, rows };
}

function fromScreenRow(chain: string, block: WireBlock, row: ScreenRow): AttributedTransfer {
  const [txHash, position, kind, contract, from, to, amount, txFrom, payment, direction, accountId, exchangeAddress, counterparties] = row;
  const asset: Asset = contract === null ? { kind: 'native' } : { kind: 'token', contract: contract as NormalisedAddress };
  const transfer: WireTransfer = { chain, blockNumber: block.number, blockHash: block.hash, txHash, position, kind, asset, from, to, amount, txFrom, ...(payment === null ? {} : { payment }) };
  return { transfer, direction, accountId, exchangeAddress, counterparties };
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
 * On-call alerts to deliver (queue `cordon-alerts`): one, or those of one act job together
 * (the job id is made of their keys, so queueing them again adds nothing).
 */
export type AlertJob = { readonly kind: 'alert'; readonly alert: Alert } | { readonly kind: 'alerts'; readonly alerts: readonly Alert[] };

/**
 * `matches`: every match of one screen job, acted on in one job (holds, then their alerts as
 * one `alerts` job). `match` (one match) is what earlier versions queued; still run, as are
 * the alert jobs earlier versions queued here, before alerts had a queue of their own.
 */
export type ActJob =
  | { readonly kind: 'matches'; readonly chain: string; readonly matches: readonly BlockMatch[]; readonly run?: RunTag }
  | { readonly kind: 'match'; readonly chain: string; readonly block: WireBlock; readonly match: WireMatch; readonly run?: RunTag }
  | { readonly kind: 'reorg'; readonly chain: string; readonly orphaned: readonly WireBlock[]; readonly forkPoint: WireBlock }
  | AlertJob;

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
