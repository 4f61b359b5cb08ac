import { alertForMatch, holdOrphanedAlert, holdReopenedAlert, type Alert, type HoldFacts } from '../domain/alert.js';
import { minedAgainReason } from '../domain/hold.js';
import type { NormalisedAddress } from '../domain/address.js';
import { amountInUnits, type AssetUnits } from '../domain/amount.js';
import { decideMatch, type Match } from '../domain/match.js';
import type { SanctionEntry } from '../domain/sanction-entry.js';
import { orphanHoldsInBlock, orphanReason, raiseHoldInCanonicalBlock, raiseHoldsInCanonicalBlocks, type CanonicalRaise } from '../holds/index.js';
import { addAlertJob, alertJobId, alertsJob } from './alert-jobs.js';
import { runAlertJob } from './alert-stage.js';
import { announceNewHold } from './new-holds.js';
import { runJobRetention } from './queues.js';
import type { StoredHold } from '../store/holds-repo.js';
import type { PipelineContext } from './context.js';
import { sourceOf } from './context.js';
import { fromWireBlock, fromWireTransfer, type ActJob, type RunTag, type WireMatch } from './jobs.js';
import { matchKey } from './screen-stage.js';

/**
 * act: a match raises its hold (hold lists, attributed transfers) and pages on-call; a reorg
 * orphans the holds of the removed blocks and tells on-call; an operational alert is sent.
 * Every effect is keyed, so a retried or duplicated job changes nothing twice.
 */
export async function runAct(ctx: PipelineContext, job: ActJob): Promise<string> {
  switch (job.kind) {
    case 'matches':
      return actOnMatches(ctx, job);
    case 'match':
      return actOnMatch(ctx, job);
    case 'reorg':
      return actOnReorg(ctx, job);
    case 'alert':
    case 'alerts':
      // Queued here by an earlier version, before alerts had a queue of their own.
      return runAlertJob(ctx, job);
  }
}

/** What one match of a `matches` job came to, before holds are written. */
interface Decided {
  readonly blockHash: string;
  readonly match: Match;
  readonly key: string;
  readonly decision: ReturnType<typeof decideMatch>;
}

/**
 * Every match of one screen job: the store and Redis are asked once per job, not per match
 * (the head once for confirmations, orphaned blocks once before and once after the holds are
 * written, one alerts job, the run's progress in one round trip). Each effect stays keyed as
 * in `actOnMatch`, so a retried job changes nothing twice.
 */
async function actOnMatches(ctx: PipelineContext, job: Extract<ActJob, { kind: 'matches' }>): Promise<string> {
  const reports = new Map<string, ReturnType<typeof report>>();
  const done: { blockHash: string; key: string }[] = [];
  const alerts: Alert[] = [];
  const holds: Decided[] = [];
  // Asked while the matches are decided: a job that raises holds needs it, and it never rejects.
  const head = job.run?.dryRun ? null : headNumber(ctx, job.chain);
  for (const { block, match: wire } of job.matches) {
    const policy = await ctx.assets.of(job.chain, wire.item.transfer.asset);
    const match = toMatch(wire, policy.units);
    const key = matchKey(wire);
    const decision = decideMatch(match, policy.minHold);
    if (decision.action === 'ignore') {
      ctx.log.info(
        { chain: job.chain, block: match.transfer.blockNumber, txid: match.transfer.txHash, position: match.transfer.position, account: match.accountId, list: match.entry.listId, entry: match.entry.entryUid },
        'match ignored: the transfer moves no value',
      );
      ctx.metrics.matchesIgnored.inc({ chain: job.chain, reason: decision.why });
      reports.set(key, report(match, key, 'ignored: moves no value'));
    } else if (job.run?.dryRun) {
      reports.set(key, report(match, key, decision.action === 'hold' ? 'would hold' : `would alert (${decision.why})`));
    } else if (decision.action === 'hold') {
      holds.push({ blockHash: block.hash, match, key, decision });
      continue;
    } else {
      alerts.push(alertForMatch(match, new Date(), decision));
      reports.set(key, report(match, key, `alerted (${decision.why})`));
    }
    done.push({ blockHash: block.hash, key });
  }
  let created = false;
  if (holds.length > 0) {
    const headAt = await head;
    // Loops, not callbacks made per job (those lose their optimised code with the job's closures).
    const toRaise: { match: Match; confirmations: number }[] = [];
    for (const { match } of holds) {
      toRaise.push({ match, confirmations: headAt !== null && headAt >= match.transfer.blockNumber ? Number(headAt - match.transfer.blockNumber) : 0 });
    }
    const raised = await raiseHoldsInCanonicalBlocks(ctx.store, toRaise);
    for (const [i, { blockHash, match, key, decision }] of holds.entries()) {
      const r = raised[i] as CanonicalRaise;
      let outcome = 'block orphaned: no hold';
      if (!r.blockOrphaned) {
        outcome = r.created ? 'hold raised' : r.reopened ? 'hold reopened' : r.moved ? 'hold moved' : 'hold exists';
        created ||= r.created;
        if (r.created || r.reopened) {
          ctx.log.warn(
            { chain: job.chain, block: match.transfer.blockNumber, txid: match.transfer.txHash, account: match.accountId, holdKey: key, list: match.entry.listId, entry: match.entry.entryUid },
            outcome,
          );
        }
        alerts.push(alertForMatch(match, new Date(), decision));
      }
      // The hold-raised page went out when it was first raised: a reopened hold pages anew.
      if (r.reopened && r.hold !== null) {
        const reason = minedAgainReason({ number: match.transfer.blockNumber, hash: match.transfer.blockHash });
        alerts.push(holdReopenedAlert({ ...holdFacts(ctx, r.hold), reason, state: r.hold.state }, new Date()));
      }
      reports.set(key, report(match, key, outcome));
      done.push({ blockHash, key });
    }
  }
  await Promise.all([queueAlerts(ctx, alerts, job.run), created ? announceNewHold(ctx.redis, ctx.log) : undefined]);
  // After the holds and their alerts are written: a block is done once every match is.
  if (job.run) {
    await ctx.progress.matchesActed(job.run.runId, reports, done);
  } else {
    for (const { blockHash, key } of done) await ctx.store.handed.actDone(job.chain, blockHash, key);
  }
  return `${job.matches.length} matches, ${alerts.length} alerts`;
}

async function actOnMatch(ctx: PipelineContext, job: Extract<ActJob, { kind: 'match' }>): Promise<string> {
  const policy = await ctx.assets.of(job.chain, job.match.item.transfer.asset);
  const match = toMatch(job.match, policy.units);
  const key = matchKey(job.match);
  const decision = decideMatch(match, policy.minHold);
  if (decision.action === 'ignore') {
    // Recorded (log, replay report) but neither held nor paged: see decideMatch.
    ctx.log.info(
      { chain: job.chain, block: match.transfer.blockNumber, txid: match.transfer.txHash, position: match.transfer.position, account: match.accountId, list: match.entry.listId, entry: match.entry.entryUid },
      'match ignored: the transfer moves no value',
    );
    ctx.metrics.matchesIgnored.inc({ chain: job.chain, reason: decision.why });
    if (job.run) {
      await ctx.progress.recordMatch(job.run.runId, key, report(match, key, 'ignored: moves no value'));
      await ctx.progress.actDone(job.run.runId, job.block.hash, key);
    } else {
      await ctx.store.handed.actDone(job.chain, job.block.hash, key);
    }
    return 'ignored: moves no value';
  }
  const wouldHold = decision.action === 'hold';
  if (job.run?.dryRun) {
    await ctx.progress.recordMatch(job.run.runId, key, report(match, key, wouldHold ? 'would hold' : `would alert (${decision.why})`));
    await ctx.progress.actDone(job.run.runId, job.block.hash, key);
    return 'dry-run';
  }
  let outcome = wouldHold ? 'alerted' : `alerted (${decision.why})`;
  if (wouldHold) {
    const raised = await raiseHoldInCanonicalBlock(ctx.store, match, await confirmationsOf(ctx, job.chain, match.transfer.blockNumber));
    if (raised.blockOrphaned) {
      outcome = 'block orphaned: no hold';
    } else {
      outcome = raised.created ? 'hold raised' : raised.reopened ? 'hold reopened' : raised.moved ? 'hold moved' : 'hold exists';
      if (raised.created) await announceNewHold(ctx.redis, ctx.log);
      if (raised.created || raised.reopened) {
        ctx.log.warn(
          { chain: job.chain, block: match.transfer.blockNumber, txid: match.transfer.txHash, account: match.accountId, holdKey: key, list: match.entry.listId, entry: match.entry.entryUid },
          outcome,
        );
      }
    }
    if (!raised.blockOrphaned) await queueAlert(ctx, alertForMatch(match, new Date(), decision), job.run);
    // The hold-raised page went out when it was first raised: a reopened hold pages anew.
    if (raised.reopened && raised.hold !== null) {
      const reason = minedAgainReason({ number: match.transfer.blockNumber, hash: match.transfer.blockHash });
      await queueAlert(ctx, holdReopenedAlert({ ...holdFacts(ctx, raised.hold), reason, state: raised.hold.state }, new Date()), job.run);
    }
  } else {
    await queueAlert(ctx, alertForMatch(match, new Date(), decision), job.run);
  }
  if (job.run) {
    await ctx.progress.recordMatch(job.run.runId, key, report(match, key, outcome));
    await ctx.progress.actDone(job.run.runId, job.block.hash, key);
  } else {
    // After the hold and its alert job are written: the block is done once every match is.
    await ctx.store.handed.actDone(job.chain, job.block.hash, key);
  }
  return outcome;
}

async function actOnReorg(ctx: PipelineContext, job: Extract<ActJob, { kind: 'reorg' }>): Promise<string> {
  let count = 0;
  for (const wire of [...job.orphaned].reverse()) {
    const block = fromWireBlock(wire);
    const orphaned = await orphanHoldsInBlock(ctx.store.holds, job.chain, block.hash, orphanReason(block.number, block.hash));
    for (const { hold, previousState } of orphaned) {
      count++;
      ctx.log.warn({ chain: job.chain, block: block.number, hash: block.hash, holdKey: hold.holdKey, previousState }, 'hold orphaned by a reorg');
      await queueAlert(ctx, holdOrphanedAlert({ ...holdFacts(ctx, hold), reason: orphanReason(block.number, block.hash) }, new Date()));
    }
  }
  return `${count} holds orphaned`;
}

/**
 * Alerts go out as jobs of their own (alert-stage.ts): a hold is committed without waiting for
 * on-call channels (rate limits, retries), and the job id plus the channel claims keep them to one.
 * Queued on every run of the job, so a crash between the hold and this line loses no alert.
 */
async function queueAlert(ctx: PipelineContext, alert: Alert, run?: RunTag): Promise<void> {
  // A replay waits for its alerts too, so it does not exit with on-call not yet told.
  if (run) await ctx.progress.expectAlert(run.runId, alertJobId(alert));
  await addAlertJob(ctx.queues.alerts, alert);
}

/**
 * A job's alerts as one alert job (id from their keys, so queueing them again adds nothing);
 * each is still sent once per channel (the dispatcher's claims), whatever job carries it.
 */
async function queueAlerts(ctx: PipelineContext, alerts: readonly Alert[], run?: RunTag): Promise<void> {
  if (alerts.length === 0) return;
  const { name, data, opts } = alertsJob(alerts);
  // Both before the act job ends (the replay reads what it expects once its blocks are done),
  // in either order: the job id keeps a retried add to one job.
  await Promise.all([
    run ? ctx.progress.expectAlert(run.runId, opts.jobId, alerts.length) : undefined,
    ctx.queues.alerts.add(name, data, { ...opts, ...runJobRetention(run) }),
  ]);
}

/** The chain's head, or null when it cannot be read (confirmations are then recorded as 0). */
async function headNumber(ctx: PipelineContext, chain: string): Promise<bigint | null> {
  try {
    return (await sourceOf(ctx, chain).head()).number;
  } catch (err) {
    ctx.log.warn({ chain, err }, 'cannot read the head for confirmations; recording 0');
    return null;
  }
}

async function confirmationsOf(ctx: PipelineContext, chain: string, blockNumber: bigint): Promise<number> {
  try {
    const head = await sourceOf(ctx, chain).head();
    return head.number >= blockNumber ? Number(head.number - blockNumber) : 0;
  } catch (err) {
    ctx.log.warn({ chain, err }, 'cannot read the head for confirmations; recording 0');
    return 0;
  }
}

function toMatch(m: WireMatch, units: AssetUnits | null): Match {
  const entry: SanctionEntry = { ...m.entry, address: m.entry.address as NormalisedAddress };
  return {
    transfer: fromWireTransfer(m.item.transfer),
    direction: m.item.direction,
    accountId: m.item.accountId,
    exchangeAddress: m.item.exchangeAddress as NormalisedAddress,
    counterparty: m.counterparty as NormalisedAddress,
    entry,
    policy: m.policy,
    authority: m.authority,
    units,
  };
}

function holdFacts(ctx: PipelineContext, hold: StoredHold): HoldFacts {
  return {
    chain: hold.chain,
    txid: hold.txid,
    transferId: hold.transferId,
    direction: hold.direction,
    counterparty: hold.counterparty,
    exchangeAddress: null,
    listId: hold.listId,
    listVersion: hold.listVersion,
    entryUid: hold.entryUid,
    entityName: hold.entityName,
    programs: hold.programs,
    authority: hold.authority ?? ctx.lists.rules(hold.listId).authority,
    amount: hold.amount.toString(),
    amountInUnits: amountInUnits(hold.amount, hold.units),
    symbol: hold.units?.symbol ?? null,
    asset: hold.asset,
    block: hold.blockNumber.toString(),
    blockHash: hold.blockHash,
    holdKey: hold.holdKey,
    accountId: hold.accountId,
  };
}

/** One line of a replay report: what was (or would have been) done, with its legal basis. */
function report(match: Match, key: string, outcome: string) {
  return {
    outcome,
    /** The hold key (or alert key) the match is known by: `cordon holds show <key>`. */
    key,
    chain: match.transfer.chain,
    block: match.transfer.blockNumber.toString(),
    txid: match.transfer.txHash,
    direction: match.direction,
    account: match.accountId,
    counterparty: match.counterparty,
    amount: match.transfer.amount.toString(),
    amountInUnits: amountInUnits(match.transfer.amount, match.units),
    symbol: match.units?.symbol ?? null,
    asset: match.transfer.asset.kind === 'native' ? 'native' : match.transfer.asset.contract,
    list: { id: match.entry.listId, version: match.entry.listVersion, entryUid: match.entry.entryUid },
    entity: match.entry.entityName,
    programs: match.entry.programs,
    authority: match.authority,
    policy: match.policy,
  };
}
