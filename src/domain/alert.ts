/**
 * What Cordon tells on-call, as plain data: one discriminated union over the seven things worth a
 * page, each carrying the key that makes it happen once, a severity, a one-line summary that
 * names the legal basis, and the facts behind it.
 *
 * Alerts are JSON-safe (no bigint, no Date) so a queue job can carry one unchanged.
 *
 * Dedup keys (one alert per key per channel, however often it is dispatched):
 * - `hold_raised`          the hold key itself, `<account>|<transferId>|<entryUid>`, which is
 *                          also the PagerDuty `dedup_key`;
 * - `match_alert`          `match_alert:<account or "unattributed">|<transferId>|<entryUid>`;
 * - `hold_orphaned`        `hold_orphaned:<holdKey>:<orphaned blockHash>` (a new page, not
 *                          folded into the hold's own incident: on-call must learn the
 *                          transaction left the chain; re-mined and orphaned again in another
 *                          block, it pages again);
 * - `hold_reopened`        `hold_reopened:<holdKey>:<new blockHash>`: an orphaned hold whose
 *                          transaction is mined again is in force again;
 * - `failed_jobs`          `failed_jobs:<queue>:<UTC hour>`: at most one per queue per hour;
 * - `list_refresh_refused` `list_refresh_refused:<listId>:<content hash>` when the refused
 *                          download was read (the same bad file alerts once), else
 *                          `list_refresh_refused:<listId>:<UTC hour>` (a failing download
 *                          alerts at most hourly);
 * - `follower_lagging`     `follower_lagging:<chain>:<UTC hour>`;
 * - `hook_delivery_failing` `hook_delivery_failing:<holdKey>:<UTC hour>`: a hold the exchange
 *                          refuses, or that keeps failing, pages at most once per hour (its
 *                          retries in between fold into that page).
 * - `chain_stalled`        `chain_stalled:<chain>:<UTC hour>`: no successful head read for
 *                          longer than `maxHeadAge` (a dead or unreachable node);
 * - `chain_recovered`      `chain_recovered:<chain>:<stalled since>` (info: heads read again);
 * - `block_failed`         `block_failed:<chain>:<blockHash>:<queue>`: a block's job failed
 *                          past its retries (or at once, for an error configuration must fix).
 * - `list_version_pending` `list_version_pending:<listId>:<content hash>`: a version the drop
 *                          check refused awaits a person's approval (the same download pages once);
 * - `hold_basis_changed`   `hold_basis_changed:<holdKey>:<listId>:<version>`: an active list
 *                          version removed or changed the entry a hold cites (once per hold and version).
 */
import { amountInUnits } from './amount.js';
import type { Direction, ListPolicy, Match, MatchOutcome } from './match.js';
import { decideMatch, holdKey } from './match.js';
import type { Asset } from './transfer.js';
import { paymentId } from './transfer.js';

export const ALERT_KINDS = [
  'hold_raised',
  'match_alert',
  'hold_orphaned',
  'hold_reopened',
  'failed_jobs',
  'list_refresh_refused',
  'follower_lagging',
  'hook_delivery_failing',
  'chain_stalled',
  'chain_recovered',
  'block_failed',
  'list_version_pending',
  'hold_basis_changed',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** PagerDuty's four levels, used by every channel. */
export const ALERT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** PagerDuty's limit for `payload.summary`; Slack and webhooks get the same line. */
export const MAX_SUMMARY_LENGTH = 1024;

/** A transfer that matched a list entry, as on-call reads it. */
export interface MatchFacts {
  readonly chain: string;
  readonly txid: string;
  readonly transferId: string;
  readonly direction: Direction;
  readonly counterparty: string;
  /** The exchange's own address: deposit address, or the hot wallet that paid a withdrawal. */
  readonly exchangeAddress: string | null;
  readonly listId: string;
  readonly listVersion: number;
  readonly entryUid: string;
  readonly entityName: string | null;
  /** The legal basis, e.g. `CYBER2`. */
  readonly programs: readonly string[];
  /** Who publishes the list, e.g. `OFAC`. */
  readonly authority: string;
  /** Base units, decimal. */
  readonly amount: string;
  /** The same amount in the asset's units (`1285`, `0.38796959`); null when the asset's decimals are not configured. */
  readonly amountInUnits: string | null;
  /** The asset's symbol (`USDT`, `BTC`); null when not configured. */
  readonly symbol: string | null;
  /** `native`, or the token contract. */
  readonly asset: string;
  /** Block number, decimal. */
  readonly block: string;
  readonly blockHash: string;
  /** Present (true) only when the match was found by re-screening the past after a list version added the entry. */
  readonly retroactive?: true;
}

export interface HoldFacts extends MatchFacts {
  readonly holdKey: string;
  readonly accountId: string;
}

export interface MatchAlertFacts extends MatchFacts {
  /** Null for a withdrawal no account registered: the hot wallet is then `exchangeAddress`. */
  readonly accountId: string | null;
  readonly policy: ListPolicy;
  /** Why this is an alert and not a hold. */
  readonly reason: MatchAlertReason;
}

/** Why a match alerts instead of holding (snake case: it is part of the alert's JSON). */
export type MatchAlertReason = 'alert_policy' | 'unattributed_withdrawal' | 'below_hold_threshold' | 'value_less_call';

const ALERT_REASON: Readonly<Record<Extract<MatchOutcome, { action: 'alert' }>['why'], MatchAlertReason>> = {
  'alert-policy': 'alert_policy',
  'no-account': 'unattributed_withdrawal',
  'below-threshold': 'below_hold_threshold',
  'value-less-call': 'value_less_call',
};

const REASON_TEXT: Readonly<Record<MatchAlertReason, string>> = {
  alert_policy: 'alert-only list, no hold',
  unattributed_withdrawal: 'unattributed withdrawal, no hold',
  below_hold_threshold: "below the asset's hold threshold, no hold",
  value_less_call: 'value-less contract call, no hold',
};

export interface HoldReopenedFacts extends HoldFacts {
  /** e.g. `transaction mined again in block #N <hash>`. */
  readonly reason: string;
  /** The state the hold is back in (what it had before it was orphaned). */
  readonly state: string;
}

export interface HoldOrphanedFacts extends HoldFacts {
  /** e.g. `block 0xab… was reorganised away`. */
  readonly reason: string;
}

export interface FailedJobsFacts {
  readonly queue: string;
  readonly count: number;
}

export interface ListRefreshRefusedFacts {
  readonly listId: string;
  /** The snapshot still screening; null when the list has none (it screens nothing). */
  readonly keptVersion: number | null;
  readonly reason: string;
  /** Hash of the refused content, when the download was read at all. */
  readonly contentHash: string | null;
}

export interface FollowerLaggingFacts {
  readonly chain: string;
  /** Block numbers, decimal. */
  readonly head: string;
  readonly processed: string;
  readonly lag: number;
  readonly maxLag: number;
}

/**
 * A hold the exchange hook cannot deliver: the exchange does not know of it, so it may credit
 * the deposit or pay the withdrawal. Never the hook's secret or full URL (it may carry a token).
 */
export interface HookDeliveryFailingFacts {
  readonly holdId: number;
  readonly holdKey: string;
  readonly accountId: string;
  readonly chain: string;
  readonly txid: string;
  /** `refused`: the exchange answered with a status it will not change by itself (401, 400…); `failing`: no answer, timeouts, 5xx. */
  readonly reason: 'refused' | 'failing';
  /** The exchange's HTTP status; null when it did not answer. */
  readonly statusCode: number | null;
  /** What went wrong, e.g. `HTTP 401: bad signature` or `no answer within 10000 ms` (secret scrubbed). */
  readonly error: string;
  /** Failed attempts so far, this one included. */
  readonly failedAttempts: number;
  /** Where the hook goes: scheme, host and port only. */
  readonly target: string;
  /** ISO 8601. */
  readonly nextAttemptAt: string;
}

export interface ChainStalledFacts {
  readonly chain: string;
  /** When the head was last read (or following started, if never), ISO 8601. */
  readonly lastHeadAt: string;
  readonly ageSeconds: number;
  readonly maxHeadAgeSeconds: number;
  /** The follower's last failure, e.g. the RPC error; null if none was recorded. */
  readonly lastError: string | null;
}

export interface ChainRecoveredFacts {
  readonly chain: string;
  /** When the chain was found stalled, ISO 8601. */
  readonly stalledSince: string;
  readonly stalledSeconds: number;
}

export interface BlockFailedFacts {
  readonly chain: string;
  /** Block number, decimal. */
  readonly block: string;
  readonly blockHash: string;
  readonly queue: string;
  readonly jobId: string;
  readonly attempts: number;
  readonly error: string;
  /** What an operator must change, for an error retries cannot fix (e.g. a node without txindex). */
  readonly fix: string | null;
}

/** A party a list version removes or changes entries of: `TORNADO CASH, SDN 39796: 90`. */
export interface PartyCountFacts {
  readonly name: string | null;
  readonly sdnId: string | null;
  readonly count: number;
}

export interface ListVersionPendingFacts {
  readonly listId: string;
  /** The snapshot still screening; null when the list has none. */
  readonly keptVersion: number | null;
  readonly pendingId: number;
  readonly contentHash: string;
  /** When it was downloaded, ISO 8601. */
  readonly fetchedAt: string;
  /** What the source says about itself (e.g. OFAC's date of issue); null if nothing. */
  readonly about: string | null;
  /** Why the drop check refused it. */
  readonly reason: string;
  readonly entries: number;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly removedParties: readonly PartyCountFacts[];
  readonly changedParties: readonly PartyCountFacts[];
}

export interface HoldBasisChangedFacts {
  readonly holdId: number;
  readonly holdKey: string;
  readonly accountId: string;
  /** The hold's state, which this does not change. */
  readonly holdState: string;
  readonly chain: string;
  readonly txid: string;
  readonly counterparty: string;
  readonly listId: string;
  /** The version the hold was raised under. */
  readonly citedVersion: number;
  readonly entryUid: string;
  readonly entityName: string | null;
  /** `withdrawn`: the entry is no longer listed; `changed`: its programs changed. */
  readonly basis: 'withdrawn' | 'changed';
  /** The active version that removed or changed it. */
  readonly newVersion: number;
  readonly programsBefore: readonly string[];
  /** Null when withdrawn. */
  readonly programsAfter: readonly string[] | null;
}

interface AlertOf<K extends AlertKind, D> {
  readonly kind: K;
  readonly dedupKey: string;
  readonly severity: AlertSeverity;
  /** One line, at most 1024 characters. */
  readonly summary: string;
  /** When Cordon observed it, ISO 8601. */
  readonly at: string;
  readonly details: D;
}

export type HoldRaisedAlert = AlertOf<'hold_raised', HoldFacts>;
export type MatchAlert = AlertOf<'match_alert', MatchAlertFacts>;
export type HoldOrphanedAlert = AlertOf<'hold_orphaned', HoldOrphanedFacts>;
export type HoldReopenedAlert = AlertOf<'hold_reopened', HoldReopenedFacts>;
export type FailedJobsAlert = AlertOf<'failed_jobs', FailedJobsFacts>;
export type ListRefreshRefusedAlert = AlertOf<'list_refresh_refused', ListRefreshRefusedFacts>;
export type FollowerLaggingAlert = AlertOf<'follower_lagging', FollowerLaggingFacts>;
export type HookDeliveryFailingAlert = AlertOf<'hook_delivery_failing', HookDeliveryFailingFacts>;
export type ChainStalledAlert = AlertOf<'chain_stalled', ChainStalledFacts>;
export type ChainRecoveredAlert = AlertOf<'chain_recovered', ChainRecoveredFacts>;
export type BlockFailedAlert = AlertOf<'block_failed', BlockFailedFacts>;
export type ListVersionPendingAlert = AlertOf<'list_version_pending', ListVersionPendingFacts>;
export type HoldBasisChangedAlert = AlertOf<'hold_basis_changed', HoldBasisChangedFacts>;

export type Alert =
  | HoldRaisedAlert
  | MatchAlert
  | HoldOrphanedAlert
  | HoldReopenedAlert
  | FailedJobsAlert
  | ListRefreshRefusedAlert
  | FollowerLaggingAlert
  | HookDeliveryFailingAlert
  | ChainStalledAlert
  | ChainRecoveredAlert
  | BlockFailedAlert
  | ListVersionPendingAlert
  | HoldBasisChangedAlert;

// ---------------------------------------------------------------------------------------------
// Constructors: the only way the key, severity and summary are made.

export function holdRaisedAlert(facts: HoldFacts, at: Date): HoldRaisedAlert {
  return {
    kind: 'hold_raised',
    dedupKey: facts.holdKey,
    severity: 'critical',
    summary: clip(
      `HOLD on account ${short(facts.accountId, 80)}: ${legalBasis(facts)}; ${movement(facts)}`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function matchAlert(facts: MatchAlertFacts, at: Date): MatchAlert {
  const who =
    facts.accountId !== null
      ? `account ${short(facts.accountId, 80)}`
      : `no account (hot wallet ${facts.exchangeAddress ?? 'unknown'})`;
  const why = REASON_TEXT[facts.reason];
  return {
    kind: 'match_alert',
    dedupKey: `match_alert:${holdKey(facts.accountId ?? 'unattributed', facts.transferId, facts.entryUid)}`,
    // Funds already sent to a listed address with nobody to hold is the worse case.
    severity: facts.reason === 'unattributed_withdrawal' ? 'critical' : 'error',
    summary: clip(`MATCH (${why}) for ${who}: ${legalBasis(facts)}; ${movement(facts)}`),
    at: at.toISOString(),
    details: facts,
  };
}

export function holdOrphanedAlert(facts: HoldOrphanedFacts, at: Date): HoldOrphanedAlert {
  return {
    kind: 'hold_orphaned',
    dedupKey: `hold_orphaned:${facts.holdKey}:${facts.blockHash}`,
    severity: 'error',
    summary: clip(
      `ORPHANED HOLD on account ${short(facts.accountId, 80)}: tx ${facts.txid} on ${facts.chain} is no longer canonical (${short(facts.reason, 160)}); review the hold. Was: ${legalBasis(facts)}`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function holdReopenedAlert(facts: HoldReopenedFacts, at: Date): HoldReopenedAlert {
  return {
    kind: 'hold_reopened',
    dedupKey: `hold_reopened:${facts.holdKey}:${facts.blockHash}`,
    // Back to open: the account is frozen again on this basis, and someone should know at once.
    severity: facts.state === 'open' ? 'critical' : 'warning',
    summary: clip(
      `HOLD REOPENED (${facts.state}) on account ${short(facts.accountId, 80)}: tx ${facts.txid} on ${facts.chain} is canonical again (${short(facts.reason, 160)}): ${legalBasis(facts)}; ${movement(facts)}`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function failedJobsAlert(facts: FailedJobsFacts, at: Date): FailedJobsAlert {
  return {
    kind: 'failed_jobs',
    dedupKey: `failed_jobs:${facts.queue}:${utcHour(at)}`,
    severity: 'error',
    summary: clip(
      `${facts.count} failed job${facts.count === 1 ? '' : 's'} in queue ${short(facts.queue, 80)}: screening work is not being done; inspect and retry them`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function listRefreshRefusedAlert(facts: ListRefreshRefusedFacts, at: Date): ListRefreshRefusedAlert {
  const kept =
    facts.keptVersion === null
      ? 'no earlier snapshot exists, so this list screens NOTHING'
      : `version ${facts.keptVersion} stays active`;
  return {
    kind: 'list_refresh_refused',
    dedupKey: `list_refresh_refused:${facts.listId}:${facts.contentHash ?? utcHour(at)}`,
    severity: 'error',
    summary: clip(`List ${facts.listId} refresh refused (${short(facts.reason, 400)}); ${kept}`),
    at: at.toISOString(),
    details: facts,
  };
}

export function followerLaggingAlert(facts: FollowerLaggingFacts, at: Date): FollowerLaggingAlert {
  return {
    kind: 'follower_lagging',
    dedupKey: `follower_lagging:${facts.chain}:${utcHour(at)}`,
    severity: 'warning',
    summary: clip(
      `Follower for ${facts.chain} is ${facts.lag} blocks behind its head (processed ${facts.processed}, head ${facts.head}, allowed ${facts.maxLag}): new transfers are screened late`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function hookDeliveryFailingAlert(facts: HookDeliveryFailingFacts, at: Date): HookDeliveryFailingAlert {
  const times = `${facts.failedAttempts} failed attempt${facts.failedAttempts === 1 ? '' : 's'}`;
  const what =
    facts.reason === 'refused'
      ? `EXCHANGE REFUSED HOLD ${facts.holdId}`
      : `EXCHANGE HOOK FAILING for hold ${facts.holdId}`;
  const todo =
    facts.reason === 'refused'
      ? 'check the hook secret and endpoint with the exchange (a 401/403 is usually a wrong secret)'
      : 'check that the exchange endpoint is up';
  return {
    kind: 'hook_delivery_failing',
    dedupKey: `hook_delivery_failing:${facts.holdKey}:${utcHour(at)}`,
    // Either way the exchange does not know of the hold; a refusal will not heal by itself.
    severity: facts.reason === 'refused' ? 'critical' : 'error',
    summary: clip(
      `${what} on account ${short(facts.accountId, 80)} (${short(facts.error, 200)}; ${times} to ${short(facts.target, 120)}): the exchange does not know of this hold and may let the funds move; ${todo}. Cordon keeps retrying (next ${facts.nextAttemptAt}). Hold ${short(facts.holdKey, 300)}`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function chainStalledAlert(facts: ChainStalledFacts, at: Date): ChainStalledAlert {
  const cause = facts.lastError === null ? '' : ` Last error: ${short(facts.lastError, 400)}.`;
  return {
    kind: 'chain_stalled',
    dedupKey: `chain_stalled:${facts.chain}:${utcHour(at)}`,
    severity: 'critical',
    summary: clip(
      `Chain ${facts.chain} STALLED: no successful head read for ${facts.ageSeconds} s (allowed ${facts.maxHeadAgeSeconds} s, last at ${facts.lastHeadAt}); new deposits and withdrawals are not screened. Check the node and its endpoint.${cause}`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function chainRecoveredAlert(facts: ChainRecoveredFacts, at: Date): ChainRecoveredAlert {
  return {
    kind: 'chain_recovered',
    dedupKey: `chain_recovered:${facts.chain}:${facts.stalledSince}`,
    severity: 'info',
    summary: clip(`Chain ${facts.chain} recovered: heads read again after ${facts.stalledSeconds} s stalled (since ${facts.stalledSince}); following resumes from its cursor`),
    at: at.toISOString(),
    details: facts,
  };
}

export function blockFailedAlert(facts: BlockFailedFacts, at: Date): BlockFailedAlert {
  const next = facts.fix ?? 'fix the cause, then `cordon queues --retry-failed`';
  return {
    kind: 'block_failed',
    dedupKey: `block_failed:${facts.chain}:${facts.blockHash}:${facts.queue}`,
    severity: 'critical',
    summary: clip(
      `Block #${facts.block} ${facts.blockHash} of ${facts.chain} FAILED in ${short(facts.queue, 40)} after ${facts.attempts} attempt${facts.attempts === 1 ? '' : 's'} (job ${short(facts.jobId, 60)}): ${short(facts.error, 400)}; its transfers are not screened. ${short(next, 300)}`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function listVersionPendingAlert(facts: ListVersionPendingFacts, at: Date): ListVersionPendingAlert {
  const from = facts.about ?? `downloaded ${facts.fetchedAt.slice(0, 10)}`;
  const parties = (ps: readonly PartyCountFacts[]) =>
    ps.length === 0 ? '' : ` (${short(ps.slice(0, 5).map(partyText).join('; ') + (ps.length > 5 ? `; ${ps.length - 5} more parties` : ''), 400)})`;
  const kept = facts.keptVersion === null ? 'nothing is screened for it yet' : `version ${facts.keptVersion} stays active`;
  return {
    kind: 'list_version_pending',
    dedupKey: `list_version_pending:${facts.listId}:${facts.contentHash}`,
    severity: 'error',
    summary: clip(
      `List ${facts.listId}: version from ${short(from, 120)} awaits approval: removes ${facts.removed} entries${parties(facts.removedParties)}, ` +
        `changes ${facts.changed}${parties(facts.changedParties)}, adds ${facts.added}; ${kept}. ` +
        `Review with \`cordon lists diff ${facts.listId} --pending\`, approve with \`cordon lists approve ${facts.listId} --by … --reason …\``,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

export function holdBasisChangedAlert(facts: HoldBasisChangedFacts, at: Date): HoldBasisChangedAlert {
  const entity = facts.entityName === null ? 'unnamed entry' : short(facts.entityName, 120);
  const before = facts.programsBefore.join(', ') || 'no program stated';
  const what =
    facts.basis === 'withdrawn'
      ? `BASIS WITHDRAWN for hold ${facts.holdId}: list ${facts.listId} v${facts.newVersion} no longer lists entry ${short(facts.entryUid, 120)} (${entity} [${short(before, 120)}])`
      : `BASIS CHANGED for hold ${facts.holdId}: list ${facts.listId} v${facts.newVersion} changed the programs of entry ${short(facts.entryUid, 120)} (${entity}) from [${short(before, 120)}] to [${short((facts.programsAfter ?? []).join(', ') || 'none', 120)}]`;
  return {
    kind: 'hold_basis_changed',
    dedupKey: `hold_basis_changed:${facts.holdKey}:${facts.listId}:${facts.newVersion}`,
    // A confirmed hold (funds frozen) whose basis is gone is what compliance most needs to see.
    severity: facts.basis === 'withdrawn' && facts.holdState === 'confirmed' ? 'critical' : 'error',
    summary: clip(
      `${what}; account ${short(facts.accountId, 80)}, tx ${facts.txid} on ${facts.chain}, raised under v${facts.citedVersion}. ` +
        `The hold stays ${facts.holdState}: a person decides (\`cordon holds show ${facts.holdId}\`; release needs a reason)`,
    ),
    at: at.toISOString(),
    details: facts,
  };
}

/**
 * The alert for a screening match: a `hold_raised` when the match raises a hold
 * (`decideMatch`), else a `match_alert` saying why not (alert-only list, a withdrawal nobody
 * registered naming the hot wallet, value below the hold threshold, a value-less call). A match
 * that is ignored (moves no value) has no alert: asking for one is a RangeError.
 */
export function alertForMatch(match: Match, at: Date, outcome: MatchOutcome = decideMatch(match)): HoldRaisedAlert | MatchAlert {
  const facts = matchFacts(match);
  if (outcome.action === 'ignore') {
    throw new RangeError(`transfer ${facts.transferId} moves no value: its match raises no alert`);
  }
  if (outcome.action === 'hold' && match.accountId !== null) {
    return holdRaisedAlert(
      { ...facts, accountId: match.accountId, holdKey: holdKey(match.accountId, facts.transferId, facts.entryUid) },
      at,
    );
  }
  return matchAlert(
    {
      ...facts,
      accountId: match.accountId,
      policy: match.policy,
      reason: outcome.action === 'alert' ? ALERT_REASON[outcome.why] : 'unattributed_withdrawal',
    },
    at,
  );
}

/** The facts of a match, JSON-safe. */
export function matchFacts(match: Match): MatchFacts {
  const t = match.transfer;
  return {
    chain: t.chain,
    txid: t.txHash,
    transferId: paymentId(t),
    direction: match.direction,
    counterparty: match.counterparty,
    exchangeAddress: match.exchangeAddress,
    listId: match.entry.listId,
    listVersion: match.entry.listVersion,
    entryUid: match.entry.entryUid,
    entityName: match.entry.entityName,
    programs: match.entry.programs,
    authority: match.authority,
    amount: t.amount.toString(),
    amountInUnits: amountInUnits(t.amount, match.units),
    symbol: match.units?.symbol ?? null,
    asset: assetLabel(t.asset),
    block: t.blockNumber.toString(),
    blockHash: t.blockHash,
  };
}

export function assetLabel(asset: Asset): string {
  return asset.kind === 'native' ? 'native' : asset.contract;
}

/** Which part of Cordon an alert concerns (PagerDuty `group`). */
export function alertGroup(alert: Alert): 'holds' | 'screening' | 'pipeline' | 'sanctions' | 'follow' {
  switch (alert.kind) {
    case 'hold_raised':
    case 'hold_orphaned':
    case 'hold_reopened':
    case 'hook_delivery_failing':
      return 'holds';
    case 'match_alert':
      return 'screening';
    case 'failed_jobs':
      return 'pipeline';
    case 'list_refresh_refused':
    case 'list_version_pending':
      return 'sanctions';
    case 'hold_basis_changed':
      return 'holds';
    case 'follower_lagging':
    case 'chain_stalled':
    case 'chain_recovered':
      return 'follow';
    case 'block_failed':
      return 'pipeline';
  }
}

/** The chain an alert concerns, or the part of Cordon when it concerns none (PagerDuty `component`). */
export function alertComponent(alert: Alert): string {
  switch (alert.kind) {
    case 'hold_raised':
    case 'match_alert':
    case 'hold_orphaned':
    case 'hold_reopened':
    case 'follower_lagging':
    case 'chain_stalled':
    case 'chain_recovered':
    case 'block_failed':
    case 'hold_basis_changed':
      return alert.details.chain;
    case 'failed_jobs':
      return `queue:${alert.details.queue}`;
    case 'list_refresh_refused':
    case 'list_version_pending':
      return `list:${alert.details.listId}`;
    case 'hook_delivery_failing':
      return 'exchange-hook';
  }
}

/** `critical` > `error` > `warning` > `info`; the quieter of two. */
export function capSeverity(severity: AlertSeverity, ceiling: AlertSeverity): AlertSeverity {
  return ALERT_SEVERITIES.indexOf(severity) >= ALERT_SEVERITIES.indexOf(ceiling) ? severity : ceiling;
}

// ---------------------------------------------------------------------------------------------

/** `<entity> [<programs>] on <list> v<version> (<authority>), entry <uid>, counterparty <addr>` */
function legalBasis(f: MatchFacts): string {
  const entity = f.entityName === null ? 'unnamed entry' : short(f.entityName, 160);
  const programs = f.programs.length === 0 ? 'no program stated' : short(f.programs.join(', '), 160);
  return `counterparty ${f.counterparty} is ${entity} [${programs}] on list ${f.listId} v${f.listVersion} (${short(f.authority, 80)}), entry ${short(f.entryUid, 120)}`;
}

/** `TORNADO CASH, SDN 39796: 90` */
function partyText(p: PartyCountFacts): string {
  const name = short(p.name ?? '(unnamed)', 80);
  return `${p.sdnId === null ? name : `${name}, SDN ${p.sdnId}`}: ${p.count}`;
}

function movement(f: MatchFacts): string {
  const asset = f.asset === 'native' ? 'native' : `token ${f.asset}`;
  const amount =
    f.amountInUnits === null || f.symbol === null
      ? `${f.amount} ${asset} (base units)`
      : `${f.amountInUnits} ${f.symbol} (${f.amount} base units${f.asset === 'native' ? '' : `, token ${f.asset}`})`;
  return `${f.chain} ${f.direction} of ${amount}, tx ${f.txid} in block ${f.block}`;
}

function short(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function clip(line: string): string {
  return short(line.replace(/[\r\n]+/g, ' '), MAX_SUMMARY_LENGTH);
}

/** `2025-01-02T13` */
function utcHour(at: Date): string {
  return at.toISOString().slice(0, 13);
}
