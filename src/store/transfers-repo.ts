import type { Db } from './db.js';

export interface SeenTransfer {
  readonly chain: string;
  readonly transferId: string;
  readonly blockNumber: bigint;
  readonly blockHash: string;
  readonly txid: string;
}

export interface TransfersRepo {
  /** Records a transfer as seen; true the first time, false on every repeat (replay, retry). */
  markTransferSeen(transfer: SeenTransfer): Promise<boolean>;
}

export function transfersRepo(db: Db): TransfersRepo {
  return {
    async markTransferSeen(t) {
      const rows = await db.query<{ transfer_id: string }>(
        `INSERT INTO transfers_seen (chain, transfer_id, block_number, block_hash, txid)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (chain, transfer_id) DO NOTHING
         RETURNING transfer_id`,
        [t.chain, t.transferId, t.blockNumber.toString(), t.blockHash, t.txid],
      );
      return rows.length === 1;
    },
  };
}
