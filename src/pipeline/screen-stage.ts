import type { NormalisedAddress } from '../domain/address.js';
import { holdKey } from '../domain/match.js';
import { paymentId } from '../domain/transfer.js';
import type { PipelineContext } from './context.js';
import { runJobRetention } from './queues.js';
import { fromWireTransfer, jobId, screenBlocksOf, type BlockMatch, type ScreenJob, type WireMatch } from './jobs.js';

/**
 * screen: every counterparty of the attributed transfers of a job's blocks against every
 * active list (or the versions a replay pinned) → one act job with every (transfer,
 * counterparty, list entry) found. Each match is keyed by its hold (or alert) key and its
 * block, so a retry or a second job with the same match changes nothing twice; the same
 * transfer mined again in another block after a reorg is acted on again (it re-opens or moves
 * the hold).
 */
export async function runScreen(ctx: PipelineContext, job: ScreenJob): Promise<{ matches: number }> {
  const family = ctx.config.chains.find((c) => c.id === job.chain)?.family;
  if (!family) throw new Error(`chain ${job.chain} is not configured`);
  const lists = job.run?.listVersions ? await ctx.lists.pinnedTo(job.run.listVersions) : await ctx.lists.current();

  const matches: BlockMatch[] = [];
  /** Per block: the distinct keys of its matches. */
  const keysOf = new Map<string, Set<string>>();
  const blocks = screenBlocksOf(job);
  for (const { block, items } of blocks) {
    const keys = new Set<string>();
    keysOf.set(block.hash, keys);
    for (const item of items) {
      for (const counterparty of item.counterparties) {
        for (const entry of lists.index.lookup({ family, address: counterparty as NormalisedAddress })) {
          const rules = ctx.lists.rules(entry.listId);
          const match: WireMatch = { item, counterparty, entry, policy: rules.policy, authority: rules.authority };
          const key = matchKey(match);
          // The same key twice in one block (a counterparty listed twice under one entry) is one act.
          if (keys.has(key)) continue;
          keys.add(key);
          matches.push({ block, match });
          ctx.metrics.matches.inc({ chain: job.chain, list: entry.listId, policy: rules.policy });
        }
      }
    }
    ctx.metrics.blocksProcessed.inc({ chain: job.chain, stage: 'screen' });
  }
  if (job.run) {
    const runId = job.run.runId;
    // Loops, not callbacks made per job (those lose their optimised code with the job's closures).
    const clean: string[] = [];
    const expected = new Map<string, number>();
    for (const [hash, keys] of keysOf) {
      if (keys.size === 0) clean.push(hash);
      else expected.set(hash, keys.size);
    }
    await ctx.progress.blocksDone(runId, clean);
    await ctx.progress.expectActsOf(runId, expected);
  } else {
    // Before the act job exists, so the act stage finds the keys to tick off.
    for (const { block } of blocks) await ctx.store.handed.expectActs(job.chain, block.hash, [...(keysOf.get(block.hash) ?? [])]);
  }
  if (matches.length > 0) {
    const hashes: string[] = [];
    for (const { block } of blocks) hashes.push(block.hash);
    const id = jobId('acts', job.chain, ...hashes, job.run?.runId ?? 'live');
    await ctx.queues.act.add('matches', { kind: 'matches', chain: job.chain, matches, ...(job.run ? { run: job.run } : {}) }, { jobId: id, ...runJobRetention(job.run) });
  }
  return { matches: matches.length };
}

/** The key a match is known by: its hold key, or for an alert-only match its alert key. */
export function matchKey(match: WireMatch): string {
  const { item, entry, policy } = match;
  const id = paymentId(fromWireTransfer(item.transfer));
  return policy === 'hold' && item.accountId !== null
    ? holdKey(item.accountId, id, entry.entryUid)
    : `alert|${item.accountId ?? item.exchangeAddress}|${id}|${entry.entryUid}`;
}
