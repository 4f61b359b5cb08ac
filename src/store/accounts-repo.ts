import type { NormalisedAddress } from '../domain/address.js';
import type { Db } from './db.js';
import { WithdrawalConflict } from './errors.js';
import { one, toBigInt, toEnum } from './convert.js';

export const WATCHED_KINDS = ['deposit', 'hot_wallet'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

export interface WatchedAddress {
  readonly chain: string;
  readonly address: NormalisedAddress;
  readonly accountId: string;
  readonly kind: WatchedKind;
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
}

export interface NewWithdrawal {
  readonly id: string;
  readonly chain: string;
  readonly txid?: string | null;
  readonly destination?: NormalisedAddress | null;
  readonly accountId: string;
}

/** A page of `watchedAddressesSince`: how many rows at most, and the last address already read of the version asked from. */
export interface WatchedAddressPage {
  readonly limit: number;
  readonly after?: NormalisedAddress;
}

/** What `watchedAddressesSince` returns: the addresses and the version to ask from next. */
export interface WatchedAddressChanges {
  /**
   * The largest version among `addresses`; the version asked from when none came back (so
   * `null` when the chain has no watched address yet and the caller asked from the start).
   */
  readonly version: bigint | null;
  /** In no particular order. */
  readonly addresses: NormalisedAddress[];
  /** The page's last address in (version, address) order, where the next page starts; absent when the page is empty. */
  readonly after?: NormalisedAddress;
}

export interface AccountsRepo {
  /**
   * Adds or re-assigns a watched address (the newest account/kind wins). Bumps the chain's
   * change counter and stamps the row with it when the row is new or changed.
   */
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
  /**
   * Adds or re-assigns many watched addresses in one statement. Each (chain, address) may
   * appear once per call (deduplicate first). Unchanged rows are left alone and not counted.
   * Bumps the change counter of every chain written; added and changed rows get its new value.
   */
  upsertWatchedAddresses(addresses: readonly NewWatchedAddress[]): Promise<{ added: number; changed: number }>;
  /**
   * The watched addresses of `chain` added or changed since `version` (`null`: every one), at
   * most `page.limit` of them, ordered by (version, address), from after the row (`version`,
   * `page.after`) when `after` is given; with the version to pass next time. One indexed query
   * (migration 007). Lets an in-memory index of a chain's addresses stay exactly current by
   * asking only for what changed: writers of one chain commit in version order (see migration
   * 006), so a later commit never carries a version at or below one already returned. A reader
   * takes a chain's millions of addresses a page at a time, passing back the version returned
   * and the page's last address until a page comes back short; one write stamps all its rows
   * with one version and commits them at once, so a version is never seen in part.
   *
   * Watched addresses are never deleted today. If deletion is ever added it needs tombstones
   * (a versioned "removed" row), or this will never report the removal.
   */
  watchedAddressesSince(chain: string, version: bigint | null, page: WatchedAddressPage): Promise<WatchedAddressChanges>;
  /** How many addresses are watched on `chain` (to size the in-memory index before its first load). */
  countWatchedAddresses(chain: string): Promise<number>;
  /** The watched rows among `addresses` on `chain`, in one query (a block's worth of lookups). */
  findWatchedAddresses(chain: string, addresses: readonly NormalisedAddress[]): Promise<WatchedAddress[]>;
  /**
   * Brings the planner's statistics of the watched addresses up to date (ANALYZE). Run after a
   * bulk import: until autovacuum gets to it, a table that grew by millions of rows is planned
   * as if it were small, and each page query of the watched-address index then sorts every
   * remaining row instead of reading the (chain, version, address) index in order.
   */
  refreshWatchedStatistics(): Promise<void>;
  /** A withdrawal by the exchange's own id. */
  findWithdrawal(id: string): Promise<Withdrawal | null>;
  /** Like `addWithdrawal`, and says whether the id was new (`created`) or already recorded. */
  recordWithdrawal(withdrawal: NewWithdrawal): Promise<{ withdrawal: Withdrawal; created: boolean }>;
  /** The withdrawals registered with any of `txids` on `chain`, in one query. */
  findWithdrawalsByTxids(chain: string, txids: readonly string[]): Promise<Withdrawal[]>;
  /** The withdrawals to any of `destinations` on `chain`, newest first, in one query. */
  findWithdrawalsByDestinations(chain: string, destinations: readonly NormalisedAddress[]): Promise<Withdrawal[]>;
}

interface WatchedRow {
  chain: string;
  address: string;
  account_id: string;
  kind: string;
}

interface WithdrawalRow {
  id: string;
  chain: string;
  txid: string | null;
  destination: string | null;
  account_id: string;
}

interface RecordedWithdrawalRow extends WithdrawalRow {
  /** `xmax = 0`: the row was inserted by this statement rather than updated. */
  inserted: boolean;
}

function toWatched(r: WatchedRow): WatchedAddress {
  return {
    chain: r.chain,
    address: r.address as NormalisedAddress,
    accountId: r.account_id,
    kind: toEnum(r.kind, WATCHED_KINDS, 'watched_addresses.kind'),
  };
}

function toWithdrawal(r: WithdrawalRow): Withdrawal {
  return {
    id: r.id,
    chain: r.chain,
    txid: r.txid,
    destination: r.destination as NormalisedAddress | null,
    accountId: r.account_id,
  };
}

export function accountsRepo(db: Db): AccountsRepo {
  const recordWithdrawal = async (w: NewWithdrawal): Promise<{ withdrawal: Withdrawal; created: boolean }> => {
    const rows = await db.query<RecordedWithdrawalRow>(
      `INSERT INTO withdrawals (id, chain, txid, destination, account_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE
         SET txid = COALESCE(withdrawals.txid, EXCLUDED.txid),
             destination = COALESCE(withdrawals.destination, EXCLUDED.destination)
         WHERE withdrawals.account_id = EXCLUDED.account_id AND withdrawals.chain = EXCLUDED.chain
       RETURNING *, (xmax = 0) AS inserted`,
      [w.id, w.chain, w.txid ?? null, w.destination ?? null, w.accountId],
    );
    const row = rows[0];
    if (!row) {
      throw new WithdrawalConflict(
        w.id,
        `already recorded for a different account or chain than ${w.accountId} on ${w.chain}; not changed`,
      );
    }
    return { withdrawal: toWithdrawal(row), created: row.inserted === true };
  };

  return {
    async upsertWatchedAddress(a) {
      // The counter row is locked until commit: writers of this chain queue behind it (see
      // migration 006). An unchanged row keeps its version, so readers are not told again.
      const row = one(
        await db.query<WatchedRow>(
          `WITH v AS (
             INSERT INTO watched_address_versions (chain, version) VALUES ($1::text, 1)
             ON CONFLICT (chain) DO UPDATE SET version = watched_address_versions.version + 1
             RETURNING version
           )
           INSERT INTO watched_addresses (chain, address, account_id, kind, version)
           SELECT $1::text, $2::text, $3::text, $4::text, v.version FROM v
           ON CONFLICT (chain, address) DO UPDATE
             SET account_id = EXCLUDED.account_id, kind = EXCLUDED.kind,
                 version = CASE
                   WHEN watched_addresses.account_id = EXCLUDED.account_id AND watched_addresses.kind = EXCLUDED.kind
                   THEN watched_addresses.version
                   ELSE EXCLUDED.version
                 END
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
      return (await recordWithdrawal(w)).withdrawal;
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

    recordWithdrawal,

    async upsertWatchedAddresses(addresses) {
      if (addresses.length === 0) return { added: 0, changed: 0 };
      // One counter bump per chain, taken in chain order so writers of several chains cannot
      // deadlock on each other's counter rows; each lock is held until commit (migration 006).
      const rows = await db.query<{ inserted: boolean }>(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS i (chain, address, account_id, kind)
         ), v AS (
           INSERT INTO watched_address_versions (chain, version)
           SELECT DISTINCT chain, 1 FROM input ORDER BY chain
           ON CONFLICT (chain) DO UPDATE SET version = watched_address_versions.version + 1
           RETURNING chain, version
         )
         INSERT INTO watched_addresses (chain, address, account_id, kind, version)
         SELECT input.chain, input.address, input.account_id, input.kind, v.version FROM input JOIN v USING (chain)
         ON CONFLICT (chain, address) DO UPDATE
           SET account_id = EXCLUDED.account_id, kind = EXCLUDED.kind, version = EXCLUDED.version
           WHERE watched_addresses.account_id <> EXCLUDED.account_id OR watched_addresses.kind <> EXCLUDED.kind
         RETURNING (xmax = 0) AS inserted`,
        [
          addresses.map((a) => a.chain),
          addresses.map((a) => a.address),
          addresses.map((a) => a.accountId),
          addresses.map((a) => a.kind),
        ],
      );
      const added = rows.filter((r) => r.inserted === true).length;
      return { added, changed: rows.length - added };
    },

    async watchedAddressesSince(chain, version, page) {
      // -1: below every version, including the 0 of rows written before migration 006.
      const from = version === null ? '-1' : version.toString();
      if (!Number.isSafeInteger(page.limit) || page.limit < 1) throw new RangeError(`page limit must be a positive integer, got ${page.limit}`);
      // One range of the (chain, version, address) index (migration 007), sent back as one text
      // of newline-separated addresses: a driver decodes one value instead of a row per address
      // (PGlite decodes rows in JavaScript on this thread: 10 µs a row). The text is in no
      // promised order (the set does not need one); the page's last row, where the next page
      // starts, is read by its position in the same range, in the same statement (one snapshot).
      // Half the cost of ordering the aggregate itself, which sorts the page again (PostgreSQL 15).
      const range =
        page.after === undefined || version === null
          ? { where: 'chain = $1 AND version > $2::bigint', params: [chain, from, page.limit] }
          : { where: 'chain = $1 AND (version, address) > ($2::bigint, $4::text)', params: [chain, from, page.limit, page.after] };
      const [packed] = await db.query<{ addresses: string | null; n: string; version: string | null; last: string | null }>(
        `SELECT p.addresses, p.n, l.version::text AS version, l.address AS last
         FROM (SELECT string_agg(address, E'\\n') AS addresses, count(*) AS n
               FROM (SELECT address FROM watched_addresses WHERE ${range.where} ORDER BY version, address LIMIT $3) page) p
         LEFT JOIN LATERAL (SELECT version, address FROM watched_addresses WHERE ${range.where}
                            ORDER BY version, address OFFSET greatest(p.n - 1, 0) LIMIT 1) l ON p.n > 0`,
        range.params,
      );
      if (packed?.addresses == null || packed.version === null || packed.last === null) return { version, addresses: [] };
      const addresses = packed.addresses.split('\n') as NormalisedAddress[];
      if (addresses.length !== Number(packed.n)) throw new Error(`watched addresses of ${chain}: an address holds a line break; the page cannot be read`);
      const last = toBigInt(packed.version, 'watched_addresses.version');
      return { version: version === null || last > version ? last : version, addresses, after: packed.last as NormalisedAddress };
    },

    async countWatchedAddresses(chain) {
      const [row] = await db.query<{ n: string }>('SELECT count(*) AS n FROM watched_addresses WHERE chain = $1', [chain]);
      return Number(row?.n ?? 0);
    },

    async findWatchedAddresses(chain, addresses) {
      if (addresses.length === 0) return [];
      const rows = await db.query<WatchedRow>(
        // The columns that are read, no more: an extract job looks up ~500 addresses, and decoding
        // columns nobody reads (a timestamp a row) was CPU on the daemon's busiest thread.
        'SELECT chain, address, account_id, kind FROM watched_addresses WHERE chain = $1 AND address = ANY($2::text[]) ORDER BY address',
        [chain, [...new Set(addresses)]],
      );
      return rows.map(toWatched);
    },

    async refreshWatchedStatistics() {
      await db.query('ANALYZE watched_addresses');
    },

    async findWithdrawal(id) {
      const rows = await db.query<WithdrawalRow>('SELECT * FROM withdrawals WHERE id = $1', [id]);
      return rows[0] ? toWithdrawal(rows[0]) : null;
    },

    async findWithdrawalsByTxids(chain, txids) {
      if (txids.length === 0) return [];
      const rows = await db.query<WithdrawalRow>(
        'SELECT id, chain, txid, destination, account_id FROM withdrawals WHERE chain = $1 AND txid = ANY($2::text[]) ORDER BY txid',
        [chain, [...new Set(txids)]],
      );
      return rows.map(toWithdrawal);
    },

    async findWithdrawalsByDestinations(chain, destinations) {
      if (destinations.length === 0) return [];
      const rows = await db.query<WithdrawalRow>(
        `SELECT id, chain, txid, destination, account_id FROM withdrawals WHERE chain = $1 AND destination = ANY($2::text[])
         ORDER BY created_at DESC, id`,
        [chain, [...new Set(destinations)]],
      );
      return rows.map(toWithdrawal);
    },
  };
}
