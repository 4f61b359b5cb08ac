import type { NormalisedAddress } from '../domain/address.js';
import type { ListId } from '../domain/sanction-entry.js';
import type { Db } from './db.js';
import { HoldNotFound, HoldStateConflict } from './errors.js';
import { one, toBigInt, toDate, toEnum, toSafeNumber, toStringArray } from './convert.js';

export const HOLD_STATES = ['open', 'released', 'confirmed', 'orphaned'] as const;
export type HoldState = (typeof HOLD_STATES)[number];

export const TRANSFER_DIRECTIONS = ['deposit', 'withdrawal'] as const;
export type TransferDirection = (typeof TRANSFER_DIRECTIONS)[number];

/** The actor recorded when Cordon itself raises a hold. */
export const CORDON_ACTOR = 'cordon';

export interface NewHold {
  /** Unique per (account, transfer, list entry); a second insert with it changes nothing. */
  readonly holdKey: string;
  readonly accountId: string;
  readonly chain: string;
  readonly txid: string;
  readonly transferId: string;
  readonly direction: TransferDirection;
  readonly counterparty: NormalisedAddress;
  readonly listId: ListId;
  readonly listVersion: number;
  readonly entryUid: string;
  readonly entityName: string | null;
  readonly programs: readonly string[];
  readonly amount: bigint;
  readonly asset: string;
  readonly blockNumber: bigint;
  readonly blockHash: string;
  readonly confirmations: number;
}

export interface StoredHold extends NewHold {
  readonly id: number;
  readonly state: HoldState;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface HoldEvent {
  readonly id: number;
  readonly holdId: number;
  readonly at: Date;
  readonly fromState: HoldState | null;
  readonly toState: HoldState;
  readonly actor: string;
  readonly reason: string | null;
}

export interface HoldTransition {
  readonly to: HoldState;
  readonly expectedFrom: HoldState;
  readonly actor: string;
  readonly reason: string | null;
}

export interface HoldsRepo {
  /**
   * Inserts the hold unless its key exists. When created, appends the `null → open` audit
   * event (actor `cordon`) in the same transaction.
   */
  insertHoldIfAbsent(hold: NewHold, reason?: string): Promise<{ hold: StoredHold; created: boolean }>;
  /** By numeric id or by hold key. */
  getHold(idOrKey: number | string): Promise<StoredHold | null>;
  /** Newest first. */
  listHolds(filter: { state?: HoldState; accountId?: string; limit: number }): Promise<StoredHold[]>;
  /**
   * Moves a hold from `expectedFrom` to `to` and appends the audit event, atomically.
   * Throws `HoldStateConflict` if the hold is not in `expectedFrom`, `HoldNotFound` if absent.
   * Whether the move is allowed at all is the domain's rule, not the store's.
   */
  transitionHold(id: number, transition: HoldTransition): Promise<{ hold: StoredHold; event: HoldEvent }>;
  /** The audit trail, oldest first. */
  holdEvents(holdId: number): Promise<HoldEvent[]>;
}

interface HoldRow {
  id: string;
  hold_key: string;
  account_id: string;
  chain: string;
  txid: string;
  transfer_id: string;
  direction: string;
  counterparty: string;
  list_id: string;
  list_version: number;
  entry_uid: string;
  entity_name: string | null;
  programs: unknown;
  amount: string;
  asset: string;
  block_number: string;
  block_hash: string;
  confirmations: number;
  state: string;
  created_at: Date;
  updated_at: Date;
}

interface EventRow {
  id: string;
  hold_id: string;
  at: Date;
  from_state: string | null;
  to_state: string;
  actor: string;
  reason: string | null;
}

function toHold(r: HoldRow): StoredHold {
  return {
    id: toSafeNumber(r.id, 'holds.id'),
    holdKey: r.hold_key,
    accountId: r.account_id,
    chain: r.chain,
    txid: r.txid,
    transferId: r.transfer_id,
    direction: toEnum(r.direction, TRANSFER_DIRECTIONS, 'holds.direction'),
    counterparty: r.counterparty as NormalisedAddress,
    listId: r.list_id as ListId,
    listVersion: r.list_version,
    entryUid: r.entry_uid,
    entityName: r.entity_name,
    programs: toStringArray(r.programs, 'holds.programs'),
    amount: toBigInt(r.amount, 'holds.amount'),
    asset: r.asset,
    blockNumber: toBigInt(r.block_number, 'holds.block_number'),
    blockHash: r.block_hash,
    confirmations: r.confirmations,
    state: toEnum(r.state, HOLD_STATES, 'holds.state'),
    createdAt: toDate(r.created_at, 'holds.created_at'),
    updatedAt: toDate(r.updated_at, 'holds.updated_at'),
  };
}

function toEvent(r: EventRow): HoldEvent {
  return {
    id: toSafeNumber(r.id, 'hold_events.id'),
    holdId: toSafeNumber(r.hold_id, 'hold_events.hold_id'),
    at: toDate(r.at, 'hold_events.at'),
    fromState: r.from_state === null ? null : toEnum(r.from_state, HOLD_STATES, 'hold_events.from_state'),
    toState: toEnum(r.to_state, HOLD_STATES, 'hold_events.to_state'),
    actor: r.actor,
    reason: r.reason,
  };
}

async function appendEvent(
  tx: Db,
  holdId: number,
  from: HoldState | null,
  to: HoldState,
  actor: string,
  reason: string | null,
): Promise<HoldEvent> {
  const row = one(
    await tx.query<EventRow>(
      `INSERT INTO hold_events (hold_id, from_state, to_state, actor, reason)
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [holdId, from, to, actor, reason],
    ),
    'append hold event',
  );
  return toEvent(row);
}

export function holdsRepo(db: Db): HoldsRepo {
  return {
    insertHoldIfAbsent(h, reason) {
      return db.transaction(async (tx) => {
        const inserted = await tx.query<HoldRow>(
          `INSERT INTO holds (hold_key, account_id, chain, txid, transfer_id, direction, counterparty,
                              list_id, list_version, entry_uid, entity_name, programs, amount, asset,
                              block_number, block_hash, confirmations)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::numeric, $14,
                   $15::bigint, $16, $17)
           ON CONFLICT (hold_key) DO NOTHING
           RETURNING *`,
          [
            h.holdKey,
            h.accountId,
            h.chain,
            h.txid,
            h.transferId,
            h.direction,
            h.counterparty,
            h.listId,
            h.listVersion,
            h.entryUid,
            h.entityName,
            JSON.stringify(h.programs),
            h.amount.toString(),
            h.asset,
            h.blockNumber.toString(),
            h.blockHash,
            h.confirmations,
          ],
        );
        const created = inserted[0];
        if (created) {
          const hold = toHold(created);
          await appendEvent(
            tx,
            hold.id,
            null,
            'open',
            CORDON_ACTOR,
            reason ?? `${h.counterparty} is ${h.listId} v${h.listVersion} entry ${h.entryUid}`,
          );
          return { hold, created: true };
        }
        const existing = one(
          await tx.query<HoldRow>('SELECT * FROM holds WHERE hold_key = $1', [h.holdKey]),
          `select hold ${h.holdKey}`,
        );
        return { hold: toHold(existing), created: false };
      });
    },

    async getHold(idOrKey) {
      const rows =
        typeof idOrKey === 'number'
          ? await db.query<HoldRow>('SELECT * FROM holds WHERE id = $1', [idOrKey])
          : await db.query<HoldRow>('SELECT * FROM holds WHERE hold_key = $1', [idOrKey]);
      return rows[0] ? toHold(rows[0]) : null;
    },

    async listHolds({ state, accountId, limit }) {
      const rows = await db.query<HoldRow>(
        `SELECT * FROM holds
         WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR account_id = $2)
         ORDER BY id DESC LIMIT $3`,
        [state ?? null, accountId ?? null, limit],
      );
      return rows.map(toHold);
    },

    transitionHold(id, t) {
      return db.transaction(async (tx) => {
        const updated = await tx.query<HoldRow>(
          `UPDATE holds SET state = $2, updated_at = now() WHERE id = $1 AND state = $3 RETURNING *`,
          [id, t.to, t.expectedFrom],
        );
        const row = updated[0];
        if (!row) {
          const current = await tx.query<{ state: string }>('SELECT state FROM holds WHERE id = $1', [id]);
          const actual = current[0];
          if (!actual) throw new HoldNotFound(id);
          throw new HoldStateConflict(id, t.expectedFrom, actual.state, t.to);
        }
        const event = await appendEvent(tx, id, t.expectedFrom, t.to, t.actor, t.reason);
        return { hold: toHold(row), event };
      });
    },

    async holdEvents(holdId) {
      const rows = await db.query<EventRow>('SELECT * FROM hold_events WHERE hold_id = $1 ORDER BY id', [holdId]);
      return rows.map(toEvent);
    },
  };
}
