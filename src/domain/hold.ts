/**
 * Holds: what a match under a `hold` list raises, and the rules for moving one between states.
 * Pure: no I/O. The store keeps the rows; `src/holds/` applies these rules to them.
 *
 * State machine (every move is appended to the hold's audit trail with who and why):
 *
 * ```
 *            release (reason required)
 *   open ───────────────────────────► released ─┐
 *    │ │     confirm                            │
 *    │ └────────────────────────────► confirmed ─┤ orphan (block reorged out)
 *    │                                           ▼
 *    └──────────────── orphan ────────────► orphaned
 *                                               │ reopen (tx mined again in a canonical block)
 *                                               ▼
 *                         the state the hold had before it was orphaned
 * ```
 *
 * Decisions:
 * - `orphan` is allowed from every other state (src/ARCHITECTURE.md: a reorg never leaves a
 *   hold pointing at a non-canonical transaction without marking it so). A confirmed hold that
 *   loses its transaction matters most (the exchange froze funds that may never arrive); a
 *   released one is marked too so its block reference is never silently stale.
 * - `reopen` restores the state the hold had before it was orphaned, never anything else: a
 *   released hold whose transaction comes back stays released (a person decided; a reorg does
 *   not undo that), a confirmed one stays confirmed, an open one is open again.
 * - `release` and `confirm` only act on an open hold. An orphaned hold waits for its
 *   transaction to come back (then it is reopened and can be decided) or stays orphaned: there
 *   is nothing on chain to decide about.
 * - `release` needs a non-empty reason; `confirm` takes one optionally. Every move needs an actor.
 */
import type { NormalisedAddress } from './address.js';
import type { AssetUnits } from './amount.js';
import type { Direction, Match, NoHoldReason } from './match.js';
import { decideMatch, holdKey } from './match.js';
import type { ListId } from './sanction-entry.js';
import { paymentId } from './transfer.js';

export const HOLD_STATES = ['open', 'released', 'confirmed', 'orphaned'] as const;
export type HoldState = (typeof HOLD_STATES)[number];

export const HOLD_ACTIONS = ['release', 'confirm', 'orphan', 'reopen'] as const;
export type HoldAction = (typeof HOLD_ACTIONS)[number];

/** States a hold can be in when it is not orphaned: what `reopen` may restore. */
export type ReopenableState = Exclude<HoldState, 'orphaned'>;

export interface HoldTransitionRule {
  readonly from: readonly HoldState[];
  /** `restore`: back to the state recorded before the hold was orphaned. */
  readonly to: HoldState | 'restore';
  readonly reasonRequired: boolean;
}

/** The whole state machine as data: every allowed (state, action) pair and where it leads. */
export const HOLD_TRANSITIONS: Readonly<Record<HoldAction, HoldTransitionRule>> = {
  release: { from: ['open'], to: 'released', reasonRequired: true },
  confirm: { from: ['open'], to: 'confirmed', reasonRequired: false },
  orphan: { from: ['open', 'released', 'confirmed'], to: 'orphaned', reasonRequired: true },
  reopen: { from: ['orphaned'], to: 'restore', reasonRequired: true },
};

/** The actions allowed on a hold in `state`, in a stable order. */
export function allowedActions(state: HoldState): HoldAction[] {
  return HOLD_ACTIONS.filter((a) => HOLD_TRANSITIONS[a].from.includes(state));
}

/**
 * Where `action` takes a hold in `current`, or `null` if the move is not allowed.
 * `restoreTo` is used by `reopen` only: the state before the hold was orphaned (default `open`).
 */
export function nextState(current: HoldState, action: HoldAction, restoreTo: ReopenableState = 'open'): HoldState | null {
  const rule = HOLD_TRANSITIONS[action];
  if (!rule.from.includes(current)) return null;
  return rule.to === 'restore' ? restoreTo : rule.to;
}

/** A move the state machine does not allow (e.g. releasing a confirmed hold). */
export class HoldTransitionRefused extends Error {
  override readonly name = 'HoldTransitionRefused';
  constructor(
    readonly holdId: number,
    readonly from: HoldState,
    readonly action: HoldAction,
  ) {
    const allowed = allowedActions(from);
    const possible = allowed.length > 0 ? `only ${allowed.join(' or ')} is possible from ${from}` : 'nothing is possible from there';
    super(`hold ${holdId} is ${from}: cannot ${action} it (${possible}); see \`cordon holds show ${holdId}\` for its audit trail`);
  }
}

/** A move that must say why (release) or who (every move) was asked without it. */
export class HoldReasonRequired extends Error {
  override readonly name = 'HoldReasonRequired';
  constructor(
    readonly holdId: number,
    readonly action: HoldAction,
    readonly missing: 'reason' | 'actor',
  ) {
    super(
      missing === 'reason'
        ? `hold ${holdId}: ${action} needs a reason for the audit trail (e.g. --reason "false positive, case COMP-123")`
        : `hold ${holdId}: ${action} needs an actor (who is doing it) for the audit trail`,
    );
  }
}

/**
 * Like `nextState`, but throws `HoldTransitionRefused` when the move is not allowed and
 * `HoldReasonRequired` when the actor, or a required reason, is blank.
 */
export function requireTransition(
  holdId: number,
  current: HoldState,
  action: HoldAction,
  who: { readonly actor: string; readonly reason: string | null },
  restoreTo?: ReopenableState,
): HoldState {
  if (who.actor.trim() === '') throw new HoldReasonRequired(holdId, action, 'actor');
  if (HOLD_TRANSITIONS[action].reasonRequired && (who.reason ?? '').trim() === '') {
    throw new HoldReasonRequired(holdId, action, 'reason');
  }
  const to = nextState(current, action, restoreTo);
  if (to === null) throw new HoldTransitionRefused(holdId, current, action);
  return to;
}

/**
 * The state `reopen` restores, read from the audit trail: the `from` of the latest move into
 * `orphaned`. `open` when the trail does not say (it always should).
 */
export function stateBeforeOrphan(
  events: readonly { readonly fromState: HoldState | null; readonly toState: HoldState }[],
): ReopenableState {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e !== undefined && e.toState === 'orphaned' && e.fromState !== null && e.fromState !== 'orphaned') {
      return e.fromState;
    }
  }
  return 'open';
}

/** The audit reason when a transfer whose hold was orphaned is seen again in a canonical block. */
export function minedAgainReason(block: { readonly number: bigint; readonly hash: string }): string {
  return `transaction mined again in block #${block.number} ${block.hash}`;
}

/** A hold as raised, before the store gives it an id and a state. */
export interface NewHold {
  /** `holdKey(account, transfer id, entry uid)`: one hold per key, however often it is raised. */
  readonly holdKey: string;
  readonly accountId: string;
  readonly chain: string;
  readonly txid: string;
  readonly transferId: string;
  readonly direction: Direction;
  readonly counterparty: NormalisedAddress;
  readonly listId: ListId;
  readonly listVersion: number;
  readonly entryUid: string;
  readonly entityName: string | null;
  /** The legal basis, e.g. CYBER2. */
  readonly programs: readonly string[];
  /** Who published the list (its configured authority) when the hold was raised; null on holds from before Cordon kept it. */
  readonly authority: string | null;
  /** In the asset's smallest unit (wei, satoshi, token base units). */
  readonly amount: bigint;
  /** `native` for the chain's coin, else the token contract's normalised address. */
  readonly asset: string;
  /** How `amount` reads (symbol, decimals) as the chain's configuration said when the hold was raised; null if it did not. */
  readonly units: AssetUnits | null;
  readonly blockNumber: bigint;
  readonly blockHash: string;
  readonly confirmations: number;
  /**
   * Raised by re-screening past transfers when a list version added the entry (not when the
   * transfer was first screened): `listVersion` is that version. Absent: false.
   */
  readonly retroactive?: boolean;
}

/** How a hold came to be raised: while screening the transfer, or when a later list version listed its counterparty. */
export type HoldBasis = { readonly retroactive: false } | { readonly retroactive: true };

/** A match that must not raise a hold: the caller alerts instead. */
export class NotAHoldMatch extends Error {
  override readonly name = 'NotAHoldMatch';
  constructor(
    readonly transferId: string,
    readonly entryUid: string,
    readonly why: NoHoldReason,
  ) {
    super(`transfer ${transferId} matched ${entryUid} but raises no hold: ${NO_HOLD_WHY[why]}`);
  }
}

const NO_HOLD_WHY: Readonly<Record<NoHoldReason, string>> = {
  'alert-policy': "its list's policy is alert; route it to on-call alerts",
  'no-account': 'no exchange account owns it (unregistered withdrawal); route it to on-call alerts naming the hot wallet',
  'below-threshold': "its value is below the exchange's hold threshold for the asset; route it to on-call alerts",
  'value-less-call': 'it is a value-less contract call; route it to on-call alerts',
  'no-value': 'it moves no value (a zero-value transfer says nothing about the named sender)',
};

/**
 * The hold a match raises, keyed on its payment (one hold per account, payment and entry).
 * `basis.retroactive`: raised when the entry's list version activated, citing that version
 * (`match.entry.listVersion`); the key is the same, so a hold raised either way is raised once.
 * Throws `NotAHoldMatch` for an `alert` list, a transfer without an account, or one that moves
 * no value (`decideMatch`): those alert or are ignored, never held. A hold threshold is the
 * caller's to apply before (it alerts instead).
 */
export function holdFromMatch(match: Match, confirmations: number, basis: HoldBasis = { retroactive: false }): NewHold {
  const t = match.transfer;
  const id = paymentId(t);
  const outcome = decideMatch(match);
  if (outcome.action !== 'hold') throw new NotAHoldMatch(id, match.entry.entryUid, outcome.why);
  if (match.accountId === null) throw new NotAHoldMatch(id, match.entry.entryUid, 'no-account');
  if (!Number.isSafeInteger(confirmations) || confirmations < 0) {
    throw new RangeError(`hold for transfer ${id}: confirmations must be a non-negative integer, got ${confirmations}`);
  }
  return {
    holdKey: holdKey(match.accountId, id, match.entry.entryUid),
    accountId: match.accountId,
    chain: t.chain,
    txid: t.txHash,
    transferId: id,
    direction: match.direction,
    counterparty: match.counterparty,
    listId: match.entry.listId,
    listVersion: match.entry.listVersion,
    entryUid: match.entry.entryUid,
    entityName: match.entry.entityName,
    programs: [...match.entry.programs],
    authority: match.authority,
    amount: t.amount,
    asset: t.asset.kind === 'native' ? 'native' : t.asset.contract,
    units: match.units,
    blockNumber: t.blockNumber,
    blockHash: t.blockHash,
    confirmations,
    ...(basis.retroactive ? { retroactive: true } : {}),
  };
}
