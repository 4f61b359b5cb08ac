import { attributeTransfers, loadLookup } from '../accounts/index.js';
import type { BlockRef } from '../domain/block.js';
import { transferId, type Transfer } from '../domain/transfer.js';
import type { PipelineContext } from './context.js';
import { sourceOf } from './context.js';
import { fromWireBlock, jobId, toWireBlock, toWireTransfer, type AttributedTransfer, type ExtractJob, type RunTag } from './jobs.js';

/**
 * extract: a block (or a replay's range of blocks) → its transfers → those touching the
 * exchange's addresses, with direction, account and counterparties → one screen job per block.
 */
export async function runExtract(ctx: PipelineContext, job: ExtractJob): Promise<{ blocks: number; items: number }> {
  const source = sourceOf(ctx, job.chain);
  let blocks: { block: BlockRef; transfers: Transfer[] }[];
  if (job.kind === 'block') {
    const block = fromWireBlock(job.block);
    blocks = [{ block, transfers: await source.transfers(block) }];
  } else {
    blocks = await transfersOfRange(ctx, job.chain, BigInt(job.from), BigInt(job.to));
  }
  let items = 0;
  for (const { block, transfers } of blocks) items += await handOn(ctx, job.chain, block, transfers, job.run);
  return { blocks: blocks.length, items };
}

async function transfersOfRange(
  ctx: PipelineContext,
  chain: string,
  from: bigint,
  to: bigint,
): Promise<{ block: BlockRef; transfers: Transfer[] }[]> {
  const source = sourceOf(ctx, chain);
  if (source.transfersInRange) {
    const byNumber = await source.transfersInRange(from, to);
    return [...byNumber.values()].sort((a, b) => (a.block.number < b.block.number ? -1 : 1));
  }
  const out: { block: BlockRef; transfers: Transfer[] }[] = [];
  for (let n = from; n <= to; n++) {
    const block = await source.blockAt(n);
    if (!block) throw new Error(`${chain}: block #${n} is above the node's head`);
    out.push({ block, transfers: await source.transfers(block) });
  }
  return out;
}

/** Token transfers of contracts the exchange does not credit are left out (see `tokens` in the chain config). */
function creditedOnly(ctx: PipelineContext, chain: string, transfers: Transfer[]): Transfer[] {
  const tokens = ctx.config.chains.find((c) => c.id === chain)?.tokens;
  if (!tokens) return transfers;
  const allowed = new Set(tokens.map((t) => t.toLowerCase()));
  return transfers.filter((t) => t.asset.kind !== 'token' || allowed.has(t.asset.contract));
}

async function handOn(ctx: PipelineContext, chain: string, block: BlockRef, all: Transfer[], run: RunTag | undefined): Promise<number> {
  const transfers = creditedOnly(ctx, chain, all);
  const attributed = transfers.length === 0 ? [] : attributeTransfers(transfers, await loadLookup(ctx.store, chain, transfers));
  ctx.metrics.blocksProcessed.inc({ chain, stage: 'extract' });
  const items: AttributedTransfer[] = attributed.map(({ transfer, attribution }) => ({
    transfer: toWireTransfer(transfer),
    direction: attribution.direction,
    accountId: attribution.accountId,
    exchangeAddress: attribution.exchangeAddress,
    counterparties: attribution.counterparties,
  }));
  for (const { transfer } of attributed) {
    ctx.metrics.transfers.inc({ chain, kind: transfer.kind });
    await ctx.store.transfers.markTransferSeen({
      chain,
      transferId: transferId(transfer),
      blockNumber: transfer.blockNumber,
      blockHash: transfer.blockHash,
      txid: transfer.txHash,
    });
  }
  if (items.length === 0) {
    if (run) await ctx.progress.blockDone(run.runId, block.hash);
    return 0;
  }
  await ctx.queues.screen.add(
    'block',
    { chain, block: toWireBlock(block), items, ...(run ? { run } : {}) },
    { jobId: jobId('screen', chain, block.hash, run?.runId ?? 'live') },
  );
  return items.length;
}
