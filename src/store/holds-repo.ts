import type { NormalisedAddress } from '../domain/address.js';
import { HOLD_STATES, type HoldState, type NewHold } from '../domain/hold.js';
import type { ListId } from '../domain/sanction-entry.js';
import type { Db } from './db.js';
import { HoldNotFound, HoldStateConflict, StoreDataError } from './errors.js';
import { one, toBigInt, toDate, toEnum, toSafeNumber, toStringArray } from './convert.js';

// The hold's states and its shape as raised are the domain's; the store keeps them.
export { HOLD_STATES, type HoldState, type NewHold };

/** The exchange hook's progress on a hold (see migration 002). */
export const HOOK_STATUSES = ['pending', 'delivered', 'failed', 'not_configured'] as const;
export type HookStatus = (typeof HOOK_STATUSES)[number];

export const HOOK_ATTEMPT_OUTCOMES = ['delivered', 'failed'] as const;
export type HookAttemptOutcome = (typeof HOOK_ATTEMPT_OUTCOMES)[number];

export const TRANSFER_DIRECTIONS = ['deposit', 'withdrawal'] as const;
export type TransferDirection = (typeof TRANSFER_DIRECTIONS)[number];

/** The actor recorded when Cordon itself raises a hold. */
export const CORDON_ACTOR = 'cordon';

/**
 * Whether the list entry a hold cites is still in force: `withdrawn` when a newer active version
 * of its list removed the entry, `changed` when it changed the entry's programs. Never changes
 * the hold's state: release stays a person's decision.
 */
export const HOLD_BASES = ['in_force', 'withdrawn', 'changed'] as const;
export type HoldBasis = (typeof HOLD_BASES)[number];

export interface StoredHold extends NewHold {
  readonly id: number;
  readonly retroactive: boolean;
  readonly state: HoldState;
  readonly basis: HoldBasis;
  /** The list version that withdrew or changed the basis; null while in force as raised. */
  readonly basisVersion: number | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly hookStatus: HookStatus;
  /** 0 as raised, +1 on every change of state: what the exchange hook must deliver (again). */
  readonly hookRevision: number;
  readonly hookDeliveredAt: Date | null;
  /** When the delivery worker tries next; null: as soon as possible (or nothing to do). */
  readonly hookNextAttemptAt: Date | null;
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

/** A list version that removed or changed the entry a hold cites (append-only, one per hold and version). */
export interface HoldBasisEvent {
  readonly id: number;
  readonly holdId: number;
  readonly at: Date;
  readonly listId: ListId;
  readonly listVersion: number;
  readonly entryUid: string;
  readonly basis: Exclude<HoldBasis, 'in_force'>;
  /** The hold's state when it happened (unchanged by it). */
  readonly holdState: HoldState;
  readonly programsBefore: string[];
  /** Null when the entry was removed. */
  readonly programsAfter: string[] | null;
  readonly reason: string;
}

export interface NewHoldBasisEvent {
  readonly listId: ListId;
  readonly listVersion: number;
  readonly entryUid: string;
  readonly basis: Exclude<HoldBasis, 'in_force'>;
  readonly programsBefore: readonly string[];
  readonly programsAfter: readonly string[] | null;
  readonly reason: string;
}

export interface HoldTransition {
  readonly to: HoldState;
  readonly expectedFrom: HoldState;
  readonly actor: string;
  readonly reason: string | null;
}

/** Where a transition moves the hold's transaction to (a reopened hold's new canonical block). */
export interface HoldBlock {
  readonly number: bigint;
  readonly hash: string;
  readonly confirmations: number;
}

/** One HTTP attempt at delivering a hold to the exchange. */
export interface HookAttempt {
  readonly id: number;
  readonly holdId: number;
  /** 1, 2, 3 … per hold. */
  readonly attempt: number;
  readonly at: Date;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly outcome: HookAttemptOutcome;
}

export type NewHookAttempt = (
  | { readonly outcome: 'delivered'; readonly statusCode: number; readonly at?: Date }
  | {
      readonly outcome: 'failed';
      readonly statusCode: number | null;
      /** What went wrong, for on-call; required when there is no status code. */
      readonly error: string | null;
      readonly at?: Date;
      /** `pending` while retrying a transient failure; `failed` when the exchange refused it (still retried). */
      readonly hookStatus: 'pending' | 'failed';
      readonly nextAttemptAt: Date;
    }
) & {
  /** The hold's revision the attempt sent (default 0): it settles the hold only while that is still the hold's revision. */
  readonly revision?: number;
};

export interface HoldsRepo {
  /**
   * Inserts the hold unless its key exists. When created, appends the `null → open` audit
   * event (actor `cordon`) in the same transaction.
   */
  insertHoldIfAbsent(hold: NewHold, reason?: string): Promise<{ hold: StoredHold; created: boolean }>;
  /**
   * `insertHoldIfAbsent` for several holds (distinct keys) in one transaction of three
   * statements, whatever their number; answers in their order.
   */
  insertHoldsIfAbsent(holds: readonly NewHold[]): Promise<{ hold: StoredHold; created: boolean }[]>;
  /** By numeric id or by hold key. */
  getHold(idOrKey: number | string): Promise<StoredHold | null>;
  /** Newest first; each filter given narrows the result. */
  listHolds(filter: { state?: HoldState; accountId?: string; chain?: string; listId?: string; limit: number }): Promise<StoredHold[]>;
  /**
   * Moves a hold from `expectedFrom` to `to` and appends the audit event, atomically.
   * Throws `HoldStateConflict` if the hold is not in `expectedFrom`, `HoldNotFound` if absent.
   * Whether the move is allowed at all is the domain's rule, not the store's.
   */
  transitionHold(id: number, transition: HoldTransition): Promise<{ hold: StoredHold; event: HoldEvent }>;
  /** How many holds are in each state (for metrics). */
  countHoldsByState(): Promise<Partial<Record<HoldState, number>>>;
  /** The audit trail, oldest first. */
  holdEvents(holdId: number): Promise<HoldEvent[]>;
  /**
   * Like `transitionHold`, and in the same transaction moves the hold to `block` (a hold
   * reopened because its transaction was mined again in a new canonical block).
   */
  transitionHoldToBlock(id: number, transition: HoldTransition, block: HoldBlock): Promise<{ hold: StoredHold; event: HoldEvent }>;
  /** Holds on `chain` whose transaction is in the block `blockHash`, except orphaned ones; oldest first. */
  holdsInBlock(chain: string, blockHash: string): Promise<StoredHold[]>;
  /**
   * Appends the attempt (numbered after the hold's previous ones) and updates the hold's hook
   * status in the same transaction: a delivered attempt marks the hold delivered, a failed one
   * schedules the next attempt.
   */
  recordHookAttempt(holdId: number, attempt: NewHookAttempt): Promise<HookAttempt>;
  /** Marks the hold delivered (keeping the first delivery time if it already was). */
  markHookDelivered(holdId: number, at?: Date): Promise<StoredHold>;
  /** Marks a not yet delivered hold as raised while no exchange hook was configured. */
  markHookNotConfigured(holdId: number): Promise<StoredHold>;
  /**
   * Holds still to deliver (pending or failed) whose next attempt is due by `dueBy` (default
   * now), most overdue first.
   */
  holdsPendingDelivery(limit: number, dueBy?: Date): Promise<StoredHold[]>;
  /**
   * Claims up to `limit` holds due for delivery by `dueBy`, most overdue first, by moving their
   * next attempt to `leaseUntil`: no other worker (in this process or another) sees them as due
   * until the attempt is recorded or the lease runs out (a worker that died). Rows another
   * transaction is claiming are skipped, not waited for.
   */
  claimHoldsForDelivery(limit: number, dueBy: Date, leaseUntil: Date): Promise<StoredHold[]>;
  /**
   * Holds not yet delivered (pending or failed) that were raised at or before `raisedBy`: how
   * many, and the oldest. Reads the partial index of undelivered holds only.
   */
  undeliveredHolds(raisedBy: Date): Promise<UndeliveredHolds>;
  /** Every delivery attempt of a hold, oldest first. */
  hookAttempts(holdId: number): Promise<HookAttempt[]>;
  /** Holds not released that cite one of `entryUids` of a list, by id. */
  holdsCitingEntries(listId: ListId, entryUids: readonly string[]): Promise<StoredHold[]>;
  /**
   * Appends the basis event of a hold for a list version and updates the hold's `basis` (unless
   * a later version already set it), in one transaction. Keyed on (hold, list, version): a
   * second call returns the existing event with `created: false` and changes nothing.
   */
  recordBasisChange(holdId: number, e: NewHoldBasisEvent): Promise<{ hold: StoredHold; event: HoldBasisEvent; created: boolean }>;
  /** A hold's basis events, oldest first. */
  holdBasisEvents(holdId: number): Promise<HoldBasisEvent[]>;
}

export interface UndeliveredHolds {
  readonly count: number;
  /** The longest-waiting one; null when `count` is 0. */
  readonly oldest: { readonly id: number; readonly holdKey: string; readonly createdAt: Date } | null;
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
  asset_symbol: string | null;
  list_authority: string | null;
  asset_decimals: number | null;
  block_number: string;
  block_hash: string;
  confirmations: number;
  state: string;
  created_at: Date;
  updated_at: Date;
  hook_status: string;
  hook_revision: number;
  hook_delivered_at: Date | null;
  hook_next_attempt_at: Date | null;
  basis: string;
  basis_version: number | null;
  retroactive: boolean;
}

interface BasisEventRow {
  id: string;
  hold_id: string;
  at: Date;
  list_id: string;
  list_version: number;
  entry_uid: string;
  basis: string;
  hold_state: string;
  programs_before: unknown;
  programs_after: unknown;
  reason: string;
}

function toBasisEvent(r: BasisEventRow): HoldBasisEvent {
  const basis = toEnum(r.basis, HOLD_BASES, 'hold_basis_events.basis');
  if (basis === 'in_force') throw new StoreDataError('hold_basis_events.basis', 'in_force is not an event');
  return {
    id: toSafeNumber(r.id, 'hold_basis_events.id'),
    holdId: toSafeNumber(r.hold_id, 'hold_basis_events.hold_id'),
    at: toDate(r.at, 'hold_basis_events.at'),
    listId: r.list_id as ListId,
    listVersion: r.list_version,
    entryUid: r.entry_uid,
    basis,
    holdState: toEnum(r.hold_state, HOLD_STATES, 'hold_basis_events.hold_state'),
    programsBefore: toStringArray(r.programs_before, 'hold_basis_events.programs_before'),
    programsAfter: r.programs_after === null ? null : toStringArray(r.programs_after, 'hold_basis_events.programs_after'),
    reason: r.reason,
  };
}

interface HookAttemptRow {
  id: string;
  hold_id: string;
  attempt: number;
  at: Date;
  status_code: number | null;
  error: string | null;
  outcome: string;
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
    authority: r.list_authority,
    amount: toBigInt(r.amount, 'holds.amount'),
    asset: r.asset,
    units: r.asset_symbol === null || r.asset_decimals === null ? null : { symbol: r.asset_symbol, decimals: r.asset_decimals },
    blockNumber: toBigInt(r.block_number, 'holds.block_number'),
    blockHash: r.block_hash,
    confirmations: r.confirmations,
    retroactive: r.retroactive,
    state: toEnum(r.state, HOLD_STATES, 'holds.state'),
    basis: toEnum(r.basis, HOLD_BASES, 'holds.basis'),
    basisVersion: r.basis_version,
    createdAt: toDate(r.created_at, 'holds.created_at'),
    updatedAt: toDate(r.updated_at, 'holds.updated_at'),
    hookStatus: toEnum(r.hook_status, HOOK_STATUSES, 'holds.hook_status'),
    hookRevision: r.hook_revision,
    hookDeliveredAt: r.hook_delivered_at === null ? null : toDate(r.hook_delivered_at, 'holds.hook_delivered_at'),
    hookNextAttemptAt:
      r.hook_next_attempt_at === null ? null : toDate(r.hook_next_attempt_at, 'holds.hook_next_attempt_at'),
  };
}

function toHookAttempt(r: HookAttemptRow): HookAttempt {
  return {
    id: toSafeNumber(r.id, 'hold_deliveries.id'),
    holdId: toSafeNumber(r.hold_id, 'hold_deliveries.hold_id'),
    attempt: r.attempt,
    at: toDate(r.at, 'hold_deliveries.at'),
    statusCode: r.status_code,
    error: r.error,
    outcome: toEnum(r.outcome, HOOK_ATTEMPT_OUTCOMES, 'hold_deliveries.outcome'),
  };
}

async function markDelivered(tx: Db, holdId: number, at: Date | null): Promise<StoredHold> {
  const rows = await tx.query<HoldRow>(
    `UPDATE holds SET hook_status = 'delivered', hook_delivered_at = COALESCE(hook_delivered_at, $2::timestamptz, now()),
                      hook_next_attempt_at = NULL
     WHERE id = $1 RETURNING *`,
    [holdId, at],
  );
  const row = rows[0];
  if (!row) throw new HoldNotFound(holdId);
  return toHold(row);
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

/** The audit reason of a hold's `null → open` event. */
function openReason(h: NewHold): string {
  return h.retroactive === true
    ? `${h.counterparty} is ${h.listId} v${h.listVersion} entry ${h.entryUid}, added by v${h.listVersion} after the transfer: raised retroactively`
    : `${h.counterparty} is ${h.listId} v${h.listVersion} entry ${h.entryUid}`;
}

/** The holds columns `insertHoldsIfAbsent` unnests ($1 to $22, in the order of its SELECT list). */
const INSERTED_COLUMNS = 22;

/**
 * `insertHoldsIfAbsent`'s parameters in one pass: one array per column, then the actor ($23)
 * and each hold's open reason ($24). Written as loops in a function of the module, not as a
 * callback per column: callbacks made anew on each call lose their optimised code when the
 * call's closures are collected, and a replay's act jobs had them compiled again job after job
 * (`--trace-opt`).
 */
function insertParams(holds: readonly NewHold[]): unknown[] {
  const n = holds.length;
  const cols = Array.from({ length: INSERTED_COLUMNS }, () => new Array<unknown>(n));
  const reasons = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const h = holds[i] as NewHold;
    const retro = h.retroactive === true;
    const row = [
      h.holdKey, h.accountId, h.chain, h.txid, h.transferId, h.direction, h.counterparty, h.listId, h.listVersion, h.entryUid,
      h.entityName, JSON.stringify(h.programs), h.amount.toString(), h.asset, h.blockNumber.toString(), h.blockHash, h.confirmations,
      h.units?.symbol ?? null, h.units?.decimals ?? null, h.authority, retro, retro ? h.listVersion : null,
    ];
    for (let c = 0; c < INSERTED_COLUMNS; c++) (cols[c] as unknown[])[i] = row[c];
    reasons[i] = openReason(h);
  }
  return [...cols, CORDON_ACTOR, reasons];
}

const holdKeyOf = (h: NewHold): string => h.holdKey;

/** Stored holds by hold key. */
function byHoldKey(rows: readonly HoldRow[]): Map<string, StoredHold> {
  const out = new Map<string, StoredHold>();
  for (const r of rows) out.set(r.hold_key, toHold(r));
  return out;
}

export function holdsRepo(db: Db): HoldsRepo {
  return {
    async insertHoldsIfAbsent(holds) {
      if (holds.length === 0) return [];
      const keys = holds.map(holdKeyOf);
      if (new Set(keys).size !== keys.length) throw new RangeError('insertHoldsIfAbsent: a hold key appears twice');
      // One statement, atomic by itself: the holds and each new one's `null → open` event in one
      // round trip, not two inserts in a transaction of their own (an act job calls this inside
      // its own transaction, which then commits one statement instead of two).
      const inserted = await db.query<HoldRow>(
        `WITH created AS (
           INSERT INTO holds (hold_key, account_id, chain, txid, transfer_id, direction, counterparty,
                              list_id, list_version, entry_uid, entity_name, programs, amount, asset,
                              block_number, block_hash, confirmations, asset_symbol, asset_decimals, list_authority,
                              retroactive, retro_version)
           SELECT u.hold_key, u.account_id, u.chain, u.txid, u.transfer_id, u.direction, u.counterparty,
                  u.list_id, u.list_version, u.entry_uid, u.entity_name, u.programs::jsonb, u.amount, u.asset,
                  u.block_number, u.block_hash, u.confirmations, u.asset_symbol, u.asset_decimals, u.list_authority,
                  u.retroactive, u.retro_version
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::int[], $10::text[], $11::text[], $12::text[], $13::numeric[], $14::text[], $15::bigint[],
                       $16::text[], $17::int[], $18::text[], $19::int[], $20::text[], $21::boolean[], $22::int[])
             AS u(hold_key, account_id, chain, txid, transfer_id, direction, counterparty, list_id, list_version,
                  entry_uid, entity_name, programs, amount, asset, block_number, block_hash, confirmations,
                  asset_symbol, asset_decimals, list_authority, retroactive, retro_version)
           ON CONFLICT (hold_key) DO NOTHING
           RETURNING *
         ), opened AS (
           INSERT INTO hold_events (hold_id, from_state, to_state, actor, reason)
           SELECT created.id, NULL, 'open', $23, r.reason
           FROM created JOIN unnest($1::text[], $24::text[]) WITH ORDINALITY AS r(hold_key, reason, n) USING (hold_key)
           ORDER BY r.n
         )
         SELECT * FROM created`,
        insertParams(holds),
      );
      const created = byHoldKey(inserted);
      // Read after the insert, not in it: a row that a concurrent writer committed while the
      // insert waited on its key is not in the insert's snapshot.
      const others: string[] = [];
      for (const key of keys) if (!created.has(key)) others.push(key);
      const existing = others.length === 0 ? new Map<string, StoredHold>() : byHoldKey(await db.query<HoldRow>('SELECT * FROM holds WHERE hold_key = ANY($1::text[])', [others]));
      const out: { hold: StoredHold; created: boolean }[] = [];
      for (const h of holds) {
        const made = created.get(h.holdKey);
        const hold = made ?? existing.get(h.holdKey);
        if (!hold) throw new Error(`insert hold ${h.holdKey}: neither inserted nor found`);
        out.push({ hold, created: made !== undefined });
      }
      return out;
    },

    insertHoldIfAbsent(h, reason) {
      return db.transaction(async (tx) => {
        const inserted = await tx.query<HoldRow>(
          `INSERT INTO holds (hold_key, account_id, chain, txid, transfer_id, direction, counterparty,
                              list_id, list_version, entry_uid, entity_name, programs, amount, asset,
                              block_number, block_hash, confirmations, asset_symbol, asset_decimals, list_authority,
                              retroactive, retro_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::numeric, $14,
                   $15::bigint, $16, $17, $18, $19, $20, $21, $22::int)
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
            h.units?.symbol ?? null,
            h.units?.decimals ?? null,
            h.authority,
            h.retroactive === true,
            h.retroactive === true ? h.listVersion : null,
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
            reason ?? openReason(h),
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

    async listHolds({ state, accountId, chain, listId, limit }) {
      const rows = await db.query<HoldRow>(
        `SELECT * FROM holds
         WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR account_id = $2)
           AND ($3::text IS NULL OR chain = $3) AND ($4::text IS NULL OR list_id = $4)
         ORDER BY id DESC LIMIT $5`,
        [state ?? null, accountId ?? null, chain ?? null, listId ?? null, limit],
      );
      return rows.map(toHold);
    },

    transitionHold(id, t) {
      return guardedTransition(db, id, t, null);
    },

    async holdEvents(holdId) {
      const rows = await db.query<EventRow>('SELECT * FROM hold_events WHERE hold_id = $1 ORDER BY id', [holdId]);
      return rows.map(toEvent);
    },

    transitionHoldToBlock(id, t, block) {
      return guardedTransition(db, id, t, block);
    },

    async countHoldsByState() {
      const rows = await db.query<{ state: string; n: string }>(`SELECT state, count(*) AS n FROM holds GROUP BY state`);
      const out: Partial<Record<HoldState, number>> = {};
      for (const r of rows) out[toEnum(r.state, HOLD_STATES, 'holds.state')] = Number(r.n);
      return out;
    },

    async holdsInBlock(chain, blockHash) {
      const rows = await db.query<HoldRow>(
        `SELECT * FROM holds WHERE chain = $1 AND block_hash = $2 AND state <> 'orphaned' ORDER BY id`,
        [chain, blockHash],
      );
      return rows.map(toHold);
    },

    recordHookAttempt(holdId, a) {
      return db.transaction(async (tx) => {
        // The row lock numbers attempts safely when two workers deliver the same hold at once.
        const locked = await tx.query<{ id: string }>('SELECT id FROM holds WHERE id = $1 FOR UPDATE', [holdId]);
        if (!locked[0]) throw new HoldNotFound(holdId);
        const row = one(
          await tx.query<HookAttemptRow>(
            `INSERT INTO hold_deliveries (hold_id, attempt, at, status_code, error, outcome, revision)
             SELECT $1, COALESCE(MAX(attempt), 0) + 1, COALESCE($2::timestamptz, now()), $3::int, $4::text, $5, $6::int
             FROM hold_deliveries WHERE hold_id = $1
             RETURNING *`,
            [holdId, a.at ?? null, a.statusCode, a.outcome === 'failed' ? a.error : null, a.outcome, a.revision ?? 0],
          ),
          'insert hold delivery',
        );
        const attempt = toHookAttempt(row);
        // An attempt for a revision the hold has moved past (it changed state meanwhile) settles
        // nothing: the new revision is still to be delivered.
        const revision = a.revision ?? 0;
        if (a.outcome === 'delivered') {
          await tx.query(
            `UPDATE holds SET hook_status = 'delivered', hook_delivered_at = COALESCE(hook_delivered_at, $2::timestamptz),
                              hook_next_attempt_at = NULL
             WHERE id = $1 AND hook_revision = $3`,
            [holdId, attempt.at, revision],
          );
        } else {
          // A late failure never undoes a delivery another worker recorded.
          await tx.query(
            `UPDATE holds SET hook_status = $2, hook_next_attempt_at = $3::timestamptz
             WHERE id = $1 AND hook_status <> 'delivered' AND hook_revision = $4`,
            [holdId, a.hookStatus, a.nextAttemptAt, revision],
          );
        }
        return attempt;
      });
    },

    markHookDelivered(holdId, at) {
      return markDelivered(db, holdId, at ?? null);
    },

    async markHookNotConfigured(holdId) {
      const rows = await db.query<HoldRow>(
        `UPDATE holds SET hook_status = 'not_configured', hook_next_attempt_at = NULL
         WHERE id = $1 AND hook_status IN ('pending', 'failed') RETURNING *`,
        [holdId],
      );
      if (rows[0]) return toHold(rows[0]);
      const current = await db.query<HoldRow>('SELECT * FROM holds WHERE id = $1', [holdId]);
      if (!current[0]) throw new HoldNotFound(holdId);
      return toHold(current[0]);
    },

    async holdsPendingDelivery(limit, dueBy) {
      const rows = await db.query<HoldRow>(
        `SELECT * FROM holds
         WHERE hook_status IN ('pending', 'failed')
           AND (hook_next_attempt_at IS NULL OR hook_next_attempt_at <= COALESCE($2::timestamptz, now()))
         ORDER BY hook_next_attempt_at NULLS FIRST, id
         LIMIT $1`,
        [limit, dueBy ?? null],
      );
      return rows.map(toHold);
    },

    async claimHoldsForDelivery(limit, dueBy, leaseUntil) {
      const rows = await db.query<HoldRow & { due_at: Date | null }>(
        `WITH due AS (
           SELECT id, hook_next_attempt_at AS due_at FROM holds
           WHERE hook_status IN ('pending', 'failed')
             AND (hook_next_attempt_at IS NULL OR hook_next_attempt_at <= $2::timestamptz)
           ORDER BY hook_next_attempt_at NULLS FIRST, id
           LIMIT $1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE holds h SET hook_next_attempt_at = $3::timestamptz
         FROM due WHERE h.id = due.id
         RETURNING h.*, due.due_at`,
        [limit, dueBy, leaseUntil],
      );
      const dueAt = (r: { due_at: Date | null }) => (r.due_at === null ? -Infinity : toDate(r.due_at, 'holds.hook_next_attempt_at').getTime());
      return rows
        .sort((a, b) => dueAt(a) - dueAt(b) || toSafeNumber(a.id, 'holds.id') - toSafeNumber(b.id, 'holds.id'))
        .map(toHold);
    },

    async undeliveredHolds(raisedBy) {
      // The window count is taken before LIMIT: every matching hold, and the oldest one's row.
      const rows = await db.query<{ id: string; hold_key: string; created_at: Date; n: string }>(
        `SELECT id, hold_key, created_at, count(*) OVER () AS n FROM holds
         WHERE hook_status IN ('pending', 'failed') AND created_at <= $1::timestamptz
         ORDER BY created_at, id
         LIMIT 1`,
        [raisedBy],
      );
      const row = rows[0];
      if (!row) return { count: 0, oldest: null };
      return {
        count: toSafeNumber(row.n, 'count'),
        oldest: { id: toSafeNumber(row.id, 'holds.id'), holdKey: row.hold_key, createdAt: toDate(row.created_at, 'holds.created_at') },
      };
    },

    async holdsCitingEntries(listId, entryUids) {
      if (entryUids.length === 0) return [];
      const rows = await db.query<HoldRow>(
        `SELECT * FROM holds WHERE list_id = $1 AND entry_uid = ANY($2::text[]) AND state <> 'released' ORDER BY id`,
        [listId, [...entryUids]],
      );
      return rows.map(toHold);
    },

    recordBasisChange(holdId, e) {
      return db.transaction(async (tx) => {
        const locked = await tx.query<HoldRow>('SELECT * FROM holds WHERE id = $1 FOR UPDATE', [holdId]);
        const current = locked[0];
        if (!current) throw new HoldNotFound(holdId);
        const inserted = await tx.query<BasisEventRow>(
          `INSERT INTO hold_basis_events (hold_id, list_id, list_version, entry_uid, basis, hold_state,
                                          programs_before, programs_after, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)
           ON CONFLICT (hold_id, list_id, list_version) DO NOTHING
           RETURNING *`,
          [
            holdId,
            e.listId,
            e.listVersion,
            e.entryUid,
            e.basis,
            current.state,
            JSON.stringify(e.programsBefore),
            e.programsAfter === null ? null : JSON.stringify(e.programsAfter),
            e.reason,
          ],
        );
        const created = inserted[0];
        if (!created) {
          const existing = one(
            await tx.query<BasisEventRow>(
              'SELECT * FROM hold_basis_events WHERE hold_id = $1 AND list_id = $2 AND list_version = $3',
              [holdId, e.listId, e.listVersion],
            ),
            `select basis event of hold ${holdId}`,
          );
          return { hold: toHold(current), event: toBasisEvent(existing), created: false };
        }
        // A later version's verdict is never overwritten by an earlier one applied late.
        const updated = await tx.query<HoldRow>(
          // The exchange hears of it too: a new revision for the hook.
          `UPDATE holds SET basis = $2, basis_version = $3, updated_at = now(), ${NEW_REVISION}
           WHERE id = $1 AND (basis_version IS NULL OR basis_version <= $3) RETURNING *`,
          [holdId, e.basis, e.listVersion],
        );
        return { hold: toHold(updated[0] ?? current), event: toBasisEvent(created), created: true };
      });
    },

    async holdBasisEvents(holdId) {
      const rows = await db.query<BasisEventRow>('SELECT * FROM hold_basis_events WHERE hold_id = $1 ORDER BY id', [holdId]);
      return rows.map(toBasisEvent);
    },

    async hookAttempts(holdId) {
      const rows = await db.query<HookAttemptRow>(
        'SELECT * FROM hold_deliveries WHERE hold_id = $1 ORDER BY attempt',
        [holdId],
      );
      return rows.map(toHookAttempt);
    },
  };
}

/**
 * A change of state (or of the hold's legal basis) is a new revision for the exchange: delivered again as soon as possible
 * (unless no hook was configured when the hold was raised). Delivery times of earlier revisions
 * stay in hold_deliveries.
 */
const NEW_REVISION = `hook_revision = hook_revision + 1,
  hook_status = CASE WHEN hook_status = 'not_configured' THEN hook_status ELSE 'pending' END,
  hook_next_attempt_at = CASE WHEN hook_status = 'not_configured' THEN hook_next_attempt_at ELSE NULL END,
  hook_delivered_at = CASE WHEN hook_status = 'not_configured' THEN hook_delivered_at ELSE NULL END`;

/**
 * Moves a hold from `t.expectedFrom` to `t.to` (optionally to another block) and appends the
 * audit event, in one transaction; a hold not in the expected state is a conflict, not a no-op.
 */
function guardedTransition(
  db: Db,
  id: number,
  t: HoldTransition,
  block: HoldBlock | null,
): Promise<{ hold: StoredHold; event: HoldEvent }> {
  return db.transaction(async (tx) => {
    const updated = block
      ? await tx.query<HoldRow>(
          `UPDATE holds SET state = $2, block_number = $4::bigint, block_hash = $5, confirmations = $6,
                            updated_at = now(), ${NEW_REVISION}
           WHERE id = $1 AND state = $3 RETURNING *`,
          [id, t.to, t.expectedFrom, block.number.toString(), block.hash, block.confirmations],
        )
      : await tx.query<HoldRow>(
          `UPDATE holds SET state = $2, updated_at = now(), ${NEW_REVISION} WHERE id = $1 AND state = $3 RETURNING *`,
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
}
