/**
 * Retroactive screening: when a list version adds entries, the deposits and withdrawals Cordon
 * attributed before (attributed_transfers, written by the extract stage) are screened against
 * the added entries, within the list's lookback. What they match raises the holds and alerts
 * the act stage would have, marked retroactive and citing the version that added the entry.
 *
 * Cost: one index probe per added address (attributed_transfers_counterparty_idx), plus the
 * matches found; never a scan of the stored transfers. Idempotent: holds are keyed (account,
 * payment, entry) and alerts by the hold key, so applying the version again raises nothing.
 */
import { alertForMatch, MAX_SUMMARY_LENGTH, type Alert } from '../domain/alert.js';
import type { AddressFamily } from '../domain/address-family.js';
import { decideMatch, type ListPolicy, type Match } from '../domain/match.js';
import type { EntryDraft, ListId } from '../domain/sanction-entry.js';
import { paymentId, type Asset } from '../domain/transfer.js';
import type { AssetUnits } from '../domain/amount.js';
import { raiseHoldInCanonicalBlock } from '../holds/index.js';
import type { CordonConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { RefreshResult } from '../sanctions/refresh-list.js';
import { addedByFamily, chainsOfFamily, retroMatches } from '../sanctions/retro-screen.js';
import type { Store } from '../store/index.js';
import type { AssetPolicies, AssetPolicy } from './asset-policy.js';
import type { PipelineContext } from './context.js';
import { addAlertJob } from './alert-jobs.js';
import { announceNewHold } from './new-holds.js';

/** Added addresses per lookup query: each is one index probe, the batch one round trip. */
const LOOKUP_CHUNK = 1000;

export interface RetroScreenDeps {
  readonly config: Pick<CordonConfig, 'chains' | 'lists' | 'pipeline'>;
  readonly store: Pick<Store, 'transfers' | 'holds' | 'blocks'>;
  readonly assets: AssetPolicies;
  readonly log: Logger;
  /** Queues an on-call alert, keyed by its dedup key (the act queue in the service). */
  queueAlert(alert: Alert): Promise<void>;
  /** Confirmations of a block on a chain, for the hold row; 0 when not known. */
  confirmations?(chain: string, blockNumber: bigint): Promise<number>;
  /** Called once per hold created (wakes the exchange hook's delivery). */
  onHoldCreated?(): Promise<void>;
  /** The clock the lookback counts back from (tests). */
  now?(): Date;
}

export interface RetroScreenResult {
  readonly listId: ListId;
  readonly version: number;
  readonly addedEntries: number;
  /** Stored (transfer, counterparty) rows the added entries named within the lookback. */
  readonly transfersFound: number;
  readonly holdsCreated: number;
  /** Matches whose hold already existed (the version applied again, a replay): nothing new. */
  readonly holdsExisting: number;
  /** Matches that alert only (alert list, no account, below the hold threshold, value-less call). */
  readonly alerted: number;
  /** Zero-value transfers: neither held nor alerted (decideMatch). */
  readonly ignored: number;
  /** Matches in blocks a reorg removed: no hold. */
  readonly orphaned: number;
}

/**
 * Re-screens the attributed transfers of the list's lookback against `added` (entries of
 * `version` that the previous version lacked). Call it when a version becomes active.
 */
export async function rescreenAddedEntries(
  deps: RetroScreenDeps,
  listId: ListId,
  version: number,
  added: readonly EntryDraft[],
  options: { readonly attributedBy?: Date } = {},
): Promise<RetroScreenResult> {
  const log = deps.log.child({ component: 'retro-screen', list: listId, version });
  const listConfig = deps.config.lists.find((l) => l.id === listId);
  const lookbackMs = listConfig?.retroLookback ?? deps.config.pipeline.retroLookback;
  const since = new Date((deps.now?.() ?? new Date()).getTime() - lookbackMs);
  const { policy, authority } = rulesOf(deps.config, listId);
  const counts = { transfersFound: 0, holdsCreated: 0, holdsExisting: 0, alerted: 0, ignored: 0, orphaned: 0 };

  for (const [family, entries] of addedByFamily(listId, version, added)) {
    const chains = chainsOfFamily(deps.config.chains, family);
    if (chains.length === 0) continue;
    for (let start = 0; start < entries.length; start += LOOKUP_CHUNK) {
      const chunk = entries.slice(start, start + LOOKUP_CHUNK);
      const stored = await deps.store.transfers.attributedWith({
        counterparties: chunk.map((e) => e.address),
        chains,
        since,
        ...(options.attributedBy ? { attributedBy: options.attributedBy } : {}),
      });
      counts.transfersFound += stored.length;
      // The assets' policies are asked first (a bare configured token may need its contract read).
      const policies = new Map<string, AssetPolicy>();
      for (const s of stored) {
        const key = assetKey(s.transfer.chain, s.transfer.asset);
        if (!policies.has(key)) policies.set(key, await deps.assets.of(s.transfer.chain, s.transfer.asset));
      }
      const unitsOf = (c: string, a: Asset): AssetUnits | null => policies.get(assetKey(c, a))?.units ?? null;
      const matches = retroMatches({ family, entries: chunk, stored, policy, authority, unitsOf });
      for (const match of matches) await act(deps, log, family, match, counts);
    }
  }
  const result: RetroScreenResult = { listId, version, addedEntries: added.length, ...counts };
  if (counts.transfersFound > 0 || added.length > 0) log.info({ ...result, lookbackMs }, 'retroactive screening done');
  return result;
}

async function act(
  deps: RetroScreenDeps,
  log: Logger,
  family: AddressFamily,
  match: Match,
  counts: { holdsCreated: number; holdsExisting: number; alerted: number; ignored: number; orphaned: number },
): Promise<void> {
  const t = match.transfer;
  const where = { chain: t.chain, family, block: t.blockNumber, txid: t.txHash, payment: paymentId(t), account: match.accountId, entry: match.entry.entryUid };
  const decision = decideMatch(match, (await deps.assets.of(t.chain, t.asset)).minHold);
  if (decision.action === 'ignore') {
    counts.ignored++;
    log.info(where, 'retroactive match ignored: the transfer moves no value');
    return;
  }
  if (decision.action === 'hold') {
    const confirmations = (await deps.confirmations?.(t.chain, t.blockNumber)) ?? 0;
    const raised = await raiseHoldInCanonicalBlock(deps.store, match, confirmations, { retroactive: true });
    if (raised.blockOrphaned) {
      counts.orphaned++;
      log.info(where, 'retroactive match in a block a reorg removed: no hold');
      return;
    }
    if (raised.created) {
      counts.holdsCreated++;
      log.warn({ ...where, holdKey: raised.hold?.holdKey }, 'retroactive hold raised');
      await deps.onHoldCreated?.();
    } else {
      counts.holdsExisting++;
      // A hold the screen stage raised is paged by the act stage, as itself (not "retroactive").
      if (raised.hold?.retroactive !== true) return;
    }
  } else {
    counts.alerted++;
  }
  // Queued whether or not the retroactive hold is new (a crash between the two loses no alert);
  // the alert's key (the hold key) keeps it to one page per channel.
  await deps.queueAlert(retroactiveAlert(alertForMatch(match, new Date(), decision), match.entry.listVersion));
}

/** The act stage's alert for the match, its summary saying it is retroactive and which version listed the entry. */
export function retroactiveAlert<A extends Alert>(alert: A, version: number): A {
  const summary = `RETROACTIVE (entry added by list v${version}, after the transfer) ${alert.summary}`;
  return {
    ...alert,
    summary: summary.length > MAX_SUMMARY_LENGTH ? `${summary.slice(0, MAX_SUMMARY_LENGTH - 1)}…` : summary,
    details: { ...alert.details, retroactive: true },
  };
}

function rulesOf(config: Pick<CordonConfig, 'lists'>, id: string): { policy: ListPolicy; authority: string } {
  const list = config.lists.find((l) => l.id === id);
  return list ? { policy: list.policy, authority: list.authority } : { policy: 'alert', authority: `list ${id} (not configured)` };
}

/** The service's dependencies for a re-screen: the act queue for alerts, the chains' heads for confirmations. */
export function retroDepsOf(ctx: PipelineContext): RetroScreenDeps {
  return {
    config: ctx.config,
    store: ctx.store,
    assets: ctx.assets,
    log: ctx.log,
    async queueAlert(alert) {
      await addAlertJob(ctx.queues.alerts, alert);
    },
    async confirmations(chain, blockNumber) {
      try {
        const source = ctx.sources.get(chain);
        if (!source) return 0;
        const head = await source.head();
        return head.number >= blockNumber ? Number(head.number - blockNumber) : 0;
      } catch (err) {
        ctx.log.warn({ chain, err }, 'cannot read the head for confirmations of a retroactive hold; recording 0');
        return 0;
      }
    },
    onHoldCreated: () => announceNewHold(ctx.redis, ctx.log),
  };
}

/**
 * After a refresh: an accepted version that adds entries re-screens the past. Never throws:
 * a failure is logged at error level with what to do (the holds it did raise stay raised).
 */
export async function rescreenAfterRefresh(deps: RetroScreenDeps, result: RefreshResult): Promise<RetroScreenResult | null> {
  if (result.outcome !== 'accepted') return null;
  return rescreenActivated(deps, { listId: result.listId, version: result.version, added: result.diff.added });
}

/** A version that became active, by a refresh or a person's approval, and what it added. */
export interface ActivatedVersion {
  readonly listId: ListId;
  readonly version: number;
  readonly added: readonly EntryDraft[];
}

/** `rescreenAfterRefresh` for any activation (an approval too). Never throws. */
export async function rescreenActivated(
  deps: RetroScreenDeps,
  activation: ActivatedVersion,
  options: { readonly attributedBy?: Date } = {},
): Promise<RetroScreenResult | null> {
  const { listId, version, added } = activation;
  if (added.length === 0) return null;
  try {
    return await rescreenAddedEntries(deps, listId, version, added, options);
  } catch (err) {
    deps.log.error(
      { err, list: listId, version, added: added.length },
      'retroactive screening of the new list version failed: past transfers with its added addresses are not all re-screened (holds already raised stay); fix the cause (store, Redis) and tell compliance which version to re-screen',
    );
    return null;
  }
}

function assetKey(chain: string, asset: Asset): string {
  return `${chain}:${asset.kind === 'native' ? 'native' : asset.contract}`;
}
