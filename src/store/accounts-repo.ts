import type { NormalisedAddress } from '../domain/address.js';
import type { Db } from './db.js';
import { WithdrawalConflict } from './errors.js';
import { one, toDate, toEnum } from './convert.js';

export const WATCHED_KINDS = ['deposit', 'hot_wallet'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

export interface WatchedAddress {
  readonly chain: string;
  readonly address: NormalisedAddress;
  readonly accountId: string;
  readonly kind: WatchedKind;
  readonly createdAt: Date;
}

export interface NewWatchedAddress {
  readonly chain: string;
  readonly address: NormalisedAddress;
  readonly accountId: string;
  readonly kind: WatchedKind;
}

export interface Withdrawal {
  /** The exchange's own withdrawal reference. */
  readonly id: string;
  readonly chain: string;
  readonly txid: string | null;
  readonly destination: NormalisedAddress | null;
  readonly accountId: string;
  readonly createdAt: Date;
}

export interface NewWithdrawal {
  readonly id: string;
  readonly chain: string;
  readonly txid?: string | null;
  readonly destination?: NormalisedAddress | null;
  readonly accountId: string;
}

export interface AccountsRepo {
  /** Adds or re-assigns a watched address (the newest account/kind wins). */
  upsertWatchedAddress(address: NewWatchedAddress): Promise<WatchedAddress>;
  findWatchedAddress(chain: string, address: NormalisedAddress): Promise<WatchedAddress | null>;
  listWatchedAddresses(chain?: string): Promise<WatchedAddress[]>;
  /**
   * Records a withdrawal, or completes one already known by id (e.g. its txid arrives after
   * its destination). Known fields are never overwritten; a different account or chain for
   * the same id throws `WithdrawalConflict`.
   */
  addWithdrawal(withdrawal: NewWithdrawal): Promise<Withdrawal>;
  findWithdrawalByTxid(chain: string, txid: string): Promise<Withdrawal | null>;
  /** Every withdrawal to that address, newest first (several accounts may pay the same one). */
  findWithdrawalByDestination(chain: string, destination: NormalisedAddress): Promise<Withdrawal[]>;
}

interface WatchedRow {
  chain: string;
  address: string;
  account_id: string;
  kind: string;
  created_at: Date;
}

interface WithdrawalRow {
  id: string;
  chain: string;
  txid: string | null;
  destination: string | null;
  account_id: string;
  created_at: Date;
}

function toWatched(r: WatchedRow): WatchedAddress {
  return {
    chain: r.chain,
    address: r.address as NormalisedAddress,
    accountId: r.account_id,
    kind: toEnum(r.kind, WATCHED_KINDS, 'watched_addresses.kind'),
    createdAt: toDate(r.created_at, 'watched_addresses.created_at'),
  };
}

function toWithdrawal(r: WithdrawalRow): Withdrawal {
  return {
    id: r.id,
    chain: r.chain,
    txid: r.txid,
    destination: r.destination as NormalisedAddress | null,
    accountId: r.account_id,
    createdAt: toDate(r.created_at, 'withdrawals.created_at'),
  };
}

export function accountsRepo(db: Db): AccountsRepo {
  return {
    async upsertWatchedAddress(a) {
      const row = one(
        await db.query<WatchedRow>(
          `INSERT INTO watched_addresses (chain, address, account_id, kind) VALUES ($1, $2, $3, $4)
           ON CONFLICT (chain, address) DO UPDATE
             SET account_id = EXCLUDED.account_id, kind = EXCLUDED.kind
           RETURNING *`,
          [a.chain, a.address, a.accountId, a.kind],
        ),
        'upsert watched address',
      );
      return toWatched(row);
    },

    async findWatchedAddress(chain, address) {
      const rows = await db.query<WatchedRow>(
        'SELECT * FROM watched_addresses WHERE chain = $1 AND address = $2',
        [chain, address],
      );
      return rows[0] ? toWatched(rows[0]) : null;
    },

    async listWatchedAddresses(chain) {
      const rows = await db.query<WatchedRow>(
        `SELECT * FROM watched_addresses WHERE $1::text IS NULL OR chain = $1 ORDER BY chain, address`,
        [chain ?? null],
      );
      return rows.map(toWatched);
    },

    async addWithdrawal(w) {
      const rows = await db.query<WithdrawalRow>(
        `INSERT INTO withdrawals (id, chain, txid, destination, account_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE
           SET txid = COALESCE(withdrawals.txid, EXCLUDED.txid),
               destination = COALESCE(withdrawals.destination, EXCLUDED.destination)
           WHERE withdrawals.account_id = EXCLUDED.account_id AND withdrawals.chain = EXCLUDED.chain
         RETURNING *`,
        [w.id, w.chain, w.txid ?? null, w.destination ?? null, w.accountId],
      );
      const row = rows[0];
      if (!row) {
        throw new WithdrawalConflict(
          w.id,
          `already recorded for a different account or chain than ${w.accountId} on ${w.chain}; not changed`,
        );
      }
      return toWithdrawal(row);
    },

    async findWithdrawalByTxid(chain, txid) {
      const rows = await db.query<WithdrawalRow>('SELECT * FROM withdrawals WHERE chain = $1 AND txid = $2', [
        chain,
        txid,
      ]);
      return rows[0] ? toWithdrawal(rows[0]) : null;
    },

    async findWithdrawalByDestination(chain, destination) {
      const rows = await db.query<WithdrawalRow>(
        `SELECT * FROM withdrawals WHERE chain = $1 AND destination = $2 ORDER BY created_at DESC, id`,
        [chain, destination],
      );
      return rows.map(toWithdrawal);
    },
  };
}
