import type { NormalisedAddress } from '../domain/address.js';
import { holdKey } from '../domain/match.js';
import { paymentId } from '../domain/transfer.js';
import type { PipelineContext } from './context.js';
import { fromWireTransfer, jobId, type ActJob, type ScreenJob, type WireMatch } from './jobs.js';

/**
 * An act job is keyed by its match and its block: the same transfer mined again in another
 * block after a reorg is a new job (it re-opens or moves the hold), a retry is not.
 *
 * screen: every counterparty of a block's attributed transfers against every active list (or
 * the versions a replay pinned) → one act job per (transfer, counterparty, list entry).
 */
export async function runScreen(ctx: PipelineContext, job: ScreenJob): Promise<{ matches: number }> {
  const family = ctx.config.chains.find((c) => c.id === job.chain)?.family;
  if (!family) throw new Error(`chain ${job.chain} is not configured`);
  const lists = job.run?.listVersions ? await ctx.lists.pinnedTo(job.run.listVersions) : await ctx.lists.current();

  const acts: { key: string; data: ActJob }[] = [];
  for (const item of job.items) {
    for (const counterparty of item.counterparties) {
      for (const entry of lists.index.lookup({ family, address: counterparty as NormalisedAddress })) {
        const rules = ctx.lists.rules(entry.listId);
        const match: WireMatch = { item, counterparty, entry, policy: rules.policy, authority: rules.authority };
        acts.push({ key: matchKey(match), data: { kind: 'match', chain: job.chain, block: job.block, match, ...(job.run ? { run: job.run } : {}) } });
        ctx.metrics.matches.inc({ chain: job.chain, list: entry.listId, policy: rules.policy });
      }
    }
  }
  ctx.metrics.blocksProcessed.inc({ chain: job.chain, stage: 'screen' });
  if (job.run) {
    if (acts.length === 0) await ctx.progress.blockDone(job.run.runId, job.block.hash);
    else await ctx.progress.expectActs(job.run.runId, job.block.hash, new Set(acts.map((a) => a.key)).size);
  } else {
    // Before the act jobs exist, so the first of them to finish finds the keys to tick off.
    await ctx.store.handed.expectActs(job.chain, job.block.hash, acts.map((a) => a.key));
  }
  if (acts.length > 0) {
    await ctx.queues.act.addBulk(
      acts.map((a) => ({ name: 'match', data: a.data, opts: { jobId: jobId('act', a.key, job.block.hash, job.run?.runId ?? 'live') } })),
    );
  }
  return { matches: acts.length };
}

/** The key a match is known by: its hold key, or for an alert-only match its alert key. */
export function matchKey(match: WireMatch): string {
  const { item, entry, policy } = match;
  const id = paymentId(fromWireTransfer(item.transfer));
  return policy === 'hold' && item.accountId !== null
    ? holdKey(item.accountId, id, entry.entryUid)
    : `alert|${item.accountId ?? item.exchangeAddress}|${id}|${entry.entryUid}`;
}
