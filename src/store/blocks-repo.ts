import type { Db } from './db.js';

export interface OrphanedBlock {
  readonly number: bigint;
  readonly hash: string;
}

/** Blocks that a reorg removed from a chain, as the follower saw them. */
export interface BlocksRepo {
  markOrphaned(chain: string, blocks: readonly OrphanedBlock[]): Promise<void>;
  /** The block is canonical again (a reorg back): forget that it was orphaned. */
  markCanonical(chain: string, hash: string): Promise<void>;
  isOrphaned(chain: string, hash: string): Promise<boolean>;
  /** Which of `hashes` are orphaned, in one query. */
  orphanedAmong(chain: string, hashes: readonly string[]): Promise<Set<string>>;
}

export function blocksRepo(db: Db): BlocksRepo {
  return {
    async markOrphaned(chain, blocks) {
      if (blocks.length === 0) return;
      await db.query(
        `INSERT INTO orphaned_blocks (chain, block_hash, block_number)
         SELECT $1, h, n::bigint FROM unnest($2::text[], $3::text[]) AS t(h, n)
         ON CONFLICT (chain, block_hash) DO NOTHING`,
        [chain, blocks.map((b) => b.hash), blocks.map((b) => b.number.toString())],
      );
    },
    async markCanonical(chain, hash) {
      await db.query(`DELETE FROM orphaned_blocks WHERE chain = $1 AND block_hash = $2`, [chain, hash]);
    },
    async isOrphaned(chain, hash) {
      const rows = await db.query<{ one: number }>(`SELECT 1 AS one FROM orphaned_blocks WHERE chain = $1 AND block_hash = $2`, [chain, hash]);
      return rows.length > 0;
    },
    async orphanedAmong(chain, hashes) {
      if (hashes.length === 0) return new Set();
      const rows = await db.query<{ block_hash: string }>(
        `SELECT block_hash FROM orphaned_blocks WHERE chain = $1 AND block_hash = ANY($2::text[])`,
        [chain, [...new Set(hashes)]],
      );
      return new Set(rows.map((r) => r.block_hash));
    },
  };
}
