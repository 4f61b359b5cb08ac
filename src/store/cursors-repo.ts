import type { Db } from './db.js';
import { toBigInt, toDate } from './convert.js';

export interface BlockRef {
  readonly number: bigint;
  readonly hash: string;
}

export interface ChainCursor extends BlockRef {
  readonly chain: string;
  readonly updatedAt: Date;
}

export interface CursorsRepo {
  getCursor(chain: string): Promise<ChainCursor | null>;
  /** Moves the cursor (in either direction: a reorg moves it back). */
  setCursor(chain: string, block: BlockRef): Promise<ChainCursor>;
}

interface CursorRow {
  chain: string;
  block_number: string;
  block_hash: string;
  updated_at: Date;
}

function toCursor(r: CursorRow): ChainCursor {
  return {
    chain: r.chain,
    number: toBigInt(r.block_number, 'chain_cursors.block_number'),
    hash: r.block_hash,
    updatedAt: toDate(r.updated_at, 'chain_cursors.updated_at'),
  };
}

export function cursorsRepo(db: Db): CursorsRepo {
  return {
    async getCursor(chain) {
      const rows = await db.query<CursorRow>('SELECT * FROM chain_cursors WHERE chain = $1', [chain]);
      return rows[0] ? toCursor(rows[0]) : null;
    },

    async setCursor(chain, block) {
      const rows = await db.query<CursorRow>(
        `INSERT INTO chain_cursors (chain, block_number, block_hash, updated_at)
         VALUES ($1, $2, $3, now())
         ON CONFLICT (chain) DO UPDATE
           SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, updated_at = now()
         RETURNING *`,
        [chain, block.number.toString(), block.hash],
      );
      const row = rows[0];
      if (!row) throw new Error(`store: setting cursor of ${chain} returned no row`);
      return toCursor(row);
    },
  };
}
