import { toBigInt, toDate } from './convert.js';
import type { Db } from './db.js';

/** A block as the follower handed it on (what its extract job is made of again). */
export interface HandedBlock {
  readonly number: bigint;
  readonly hash: string;
  readonly parentHash: string;
  /** Unix seconds, as the node gave it. */
  readonly timestamp: number;
}

export interface PendingBlock extends HandedBlock {
  readonly handedAt: Date;
  /** Keys of the act jobs still to complete; null until the screen stage has run. */
  readonly actsPending: readonly string[] | null;
}

/**
 * Which blocks handed on by a follower every stage is through with (migration 010). The store is
 * the record: Redis losing its queues loses nothing, because a block without `done` is queued
 * again (pipeline/pending-blocks.ts). Every write is idempotent, one statement per block (plus
 * one per match), so retried and duplicated jobs change nothing twice.
 */
export interface HandedBlocksRepo {
  /** Recorded before the block's extract job is queued; a repeat changes nothing (a done block stays done). */
  recordHanded(chain: string, block: HandedBlock): Promise<void>;
  /** Every stage is through with the block (nothing to screen, no match, or every act job done). */
  markDone(chain: string, hash: string): Promise<void>;
  /**
   * The screen stage found matches: the block is done once each of these act keys is reported
   * done. Kept from the first call: a screen job run again (after Redis lost the queues) leaves
   * the keys still pending, so act jobs that already completed are not waited for again.
   */
  expectActs(chain: string, hash: string, actKeys: readonly string[]): Promise<void>;
  /** One of the block's act jobs completed; the last one marks the block done. */
  actDone(chain: string, hash: string, actKey: string): Promise<void>;
  /** Blocks handed on and not yet done, oldest first. */
  pending(chain: string, limit?: number): Promise<PendingBlock[]>;
  /** A reorg removed these blocks: nothing is left to do for them. */
  forget(chain: string, hashes: readonly string[]): Promise<void>;
  /** Drops the rows of done blocks at or below `number` (final blocks): the table stays small. */
  pruneDone(chain: string, number: bigint): Promise<number>;
}

interface Row {
  block_number: string;
  block_hash: string;
  parent_hash: string;
  block_time: string;
  handed_at: Date;
  acts_pending: string[] | null;
}

export function handedBlocksRepo(db: Db): HandedBlocksRepo {
  const markDone = async (chain: string, hash: string): Promise<void> => {
    await db.query(`UPDATE handed_blocks SET done_at = now() WHERE chain = $1 AND block_hash = $2 AND done_at IS NULL`, [chain, hash]);
  };
  return {
    async recordHanded(chain, b) {
      await db.query(
        `INSERT INTO handed_blocks (chain, block_hash, block_number, parent_hash, block_time)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (chain, block_hash) DO NOTHING`,
        [chain, b.hash, b.number.toString(), b.parentHash, String(b.timestamp)],
      );
    },
    markDone,
    async expectActs(chain, hash, actKeys) {
      if (actKeys.length === 0) return markDone(chain, hash);
      await db.query(
        `UPDATE handed_blocks SET acts_pending = COALESCE(acts_pending, $3::text[])
         WHERE chain = $1 AND block_hash = $2 AND done_at IS NULL`,
        [chain, hash, [...new Set(actKeys)]],
      );
    },
    async actDone(chain, hash, actKey) {
      // Row-locked: two act jobs of one block finishing together both see the other's removal.
      await db.query(
        `UPDATE handed_blocks
         SET acts_pending = array_remove(acts_pending, $3::text),
             done_at = CASE WHEN cardinality(array_remove(acts_pending, $3::text)) = 0 THEN now() ELSE NULL END
         WHERE chain = $1 AND block_hash = $2 AND done_at IS NULL AND acts_pending IS NOT NULL`,
        [chain, hash, actKey],
      );
    },
    async pending(chain, limit = 10_000) {
      const rows = await db.query<Row>(
        `SELECT block_number, block_hash, parent_hash, block_time, handed_at, acts_pending FROM handed_blocks
         WHERE chain = $1 AND done_at IS NULL ORDER BY block_number LIMIT $2`,
        [chain, limit],
      );
      return rows.map((r) => ({
        number: toBigInt(r.block_number, 'handed_blocks.block_number'),
        hash: r.block_hash,
        parentHash: r.parent_hash,
        timestamp: Number(r.block_time),
        handedAt: toDate(r.handed_at, 'handed_blocks.handed_at'),
        actsPending: r.acts_pending,
      }));
    },
    async forget(chain, hashes) {
      if (hashes.length === 0) return;
      await db.query(`DELETE FROM handed_blocks WHERE chain = $1 AND block_hash = ANY($2::text[])`, [chain, [...hashes]]);
    },
    async pruneDone(chain, number) {
      const rows = await db.query<{ block_hash: string }>(
        `DELETE FROM handed_blocks WHERE chain = $1 AND done_at IS NOT NULL AND block_number <= $2 RETURNING block_hash`,
        [chain, number.toString()],
      );
      return rows.length;
    },
  };
}
