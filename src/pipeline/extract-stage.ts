import { attributeTransfers, loadLookup, type AttributedTransfer as Attributed } from '../accounts/index.js';
import type { ChainSource, ExchangeLedger, TransferScope } from '../chains/chain-source.js';
import type { NormalisedAddress } from '../domain/address.js';
import type { BlockRef } from '../domain/block.js';
import type { Transfer } from '../domain/transfer.js';
import type { AttributedRecord } from '../store/index.js';
import type { PipelineContext } from './context.js';
import { sourceOf } from './context.js';
import { failFastOnPermanent } from './permanent-errors.js';
import { runJobRetention } from './queues.js';
import { fromWireBlock, jobId, toScreenRows, toWireBlock, toWireTransfer, type AttributedTransfer, type ExtractJob, type RunTag, type ScreenRows } from './jobs.js';

/**
 * extract: a block (or a replay's range of blocks) → its transfers → those touching the
 * exchange's addresses, with direction, account and counterparties → one screen job per block.
 */
export async function runExtract(ctx: PipelineContext, job: ExtractJob): Promise<{ blocks: number; items: number }> {
  // A node without txindex, a pruned block: failed at once and paged, not retried as transient.
  return failFastOnPermanent(() => extract(ctx, job));
}

async function extract(ctx: PipelineContext, job: ExtractJob): Promise<{ blocks: number; items: number }> {
  const source = sourceOf(ctx, job.chain);
  let blocks: { block: BlockRef; transfers: Transfer[] }[];
  if (job.kind === 'block') {
    const block = fromWireBlock(job.block);
    blocks = [{ block, transfers: await transfersOf(ctx, source, block) }];
  } else {
    blocks = await transfersOfRange(ctx, job.chain, BigInt(job.from), BigInt(job.to));
  }
  const items = await handOn(ctx, job.chain, blocks, job.run);
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
    const byNumber = await source.transfersInRange(from, to, exchangeScope(ctx, chain));
    return [...byNumber.values()].sort((a, b) => (a.block.number < b.block.number ? -1 : 1));
  }
  const out: { block: BlockRef; transfers: Transfer[] }[] = [];
  for (let n = from; n <= to; n++) {
    const block = await source.blockAt(n);
    if (!block) throw new Error(`${chain}: block #${n} is above the node's head`);
    out.push({ block, transfers: await source.transfers(block, exchangeScope(ctx, chain)) });
  }
  return out;
}

/** A block's transfers that touch the exchange's addresses (only those can be deposits or withdrawals). */
function transfersOf(ctx: PipelineContext, source: ChainSource, block: BlockRef): Promise<Transfer[]> {
  return source.transfers(block, exchangeScope(ctx, source.chain));
}

/**
 * The exchange on a chain, as a scope: its watched addresses (a store lookup, and for sources
 * that test parties as they read them, the in-memory index: accounts/watched-index.ts), and its
 * ledger of outputs and registered withdrawals, which UTXO families read and write as they go
 * (chains/bitcoin/exchange-path.ts). A source uses what its family needs.
 */
function exchangeScope(ctx: PipelineContext, chain: string): TransferScope {
  const among = async (addresses: readonly NormalisedAddress[]): Promise<Set<NormalisedAddress>> =>
    new Set((await ctx.store.accounts.findWatchedAddresses(chain, addresses)).map((w) => w.address));
  const ledger: ExchangeLedger = {
    registeredAmong: async (txids) => (await ctx.store.accounts.findWithdrawalsByTxids(chain, txids)).flatMap((w) => (w.txid === null ? [] : [w.txid])),
    ownedAmong: (outpoints, asOf) => ctx.store.utxos.ownedAmong(chain, outpoints, asOf),
    record: (block, created, spends) =>
      ctx.store.transaction(async (repos) => {
        await repos.utxos.recordOutputs(chain, block, created);
        await repos.utxos.markSpent(chain, block.hash, spends);
      }),
  };
  return { among, evmAddresses: () => ctx.watched.current(chain), ledger };
}

/** Token transfers of contracts the exchange does not credit are left out (see `tokens` in the chain config). */
function creditedOnly(allowed: ReadonlySet<string> | null, transfers: Transfer[]): Transfer[] {
  if (allowed === null) return transfers;
  const out: Transfer[] = [];
  for (const t of transfers) if (t.asset.kind !== 'token' || allowed.has(t.asset.contract)) out.push(t);
  return out;
}

/** The token contracts the chain's config credits; null when it credits every token. */
function creditedTokens(ctx: PipelineContext, chain: string): ReadonlySet<string> | null {
  const tokens = ctx.config.chains.find((c) => c.id === chain)?.tokens;
  return tokens ? new Set(tokens.map((t) => t.address)) : null;
}

/**
 * The job's blocks, attributed and handed on together: one lookup of the exchange's addresses
 * and withdrawals for all their transfers, one write of what was attributed, one screen job
 * for the blocks that touch the exchange (the store and Redis are asked per job, not per block).
 */
async function handOn(ctx: PipelineContext, chain: string, blocks: readonly { block: BlockRef; transfers: Transfer[] }[], run: RunTag | undefined): Promise<number> {
  // Loops, not callbacks made per call: a callback made anew for each job loses its optimised
  // code once the job's closures are collected, and a replay compiled them again job after job.
  const tokens = creditedTokens(ctx, chain);
  const credited: { block: BlockRef; transfers: Transfer[] }[] = [];
  const all: Transfer[] = [];
  for (const { block, transfers } of blocks) {
    const kept = creditedOnly(tokens, transfers);
    credited.push({ block, transfers: kept });
    for (const t of kept) all.push(t);
  }
  const lookup = all.length === 0 ? null : await loadLookup(ctx.store, chain, all);
  const attributedOf: { block: BlockRef; attributed: Attributed[] }[] = [];
  for (const { block, transfers } of credited) attributedOf.push({ block, attributed: lookup === null || transfers.length === 0 ? [] : attributeTransfers(transfers, lookup) });
  // Counted per job, not per transfer: a replay's job attributes hundreds.
  const byKind = new Map<Transfer['kind'], number>();
  for (const { attributed } of attributedOf) {
    for (const { transfer } of attributed) byKind.set(transfer.kind, (byKind.get(transfer.kind) ?? 0) + 1);
  }
  ctx.metrics.blocksProcessed.inc({ chain, stage: 'extract' }, attributedOf.length);
  for (const [kind, n] of byKind) ctx.metrics.transfers.inc({ chain, kind }, n);
  // Kept for retroactive screening (retro-screen.ts): written before the blocks are handed on,
  // so a list version activated later finds every transfer screened before it.
  await ctx.store.transfers.recordAttributedBlocks(attributedOf.map(recordsOf));
  const screen: ScreenRows[] = [];
  const idle: string[] = [];
  let handed = 0;
  for (const { block, attributed } of attributedOf) {
    if (attributed.length === 0) {
      idle.push(block.hash);
      continue;
    }
    const items: AttributedTransfer[] = [];
    for (const a of attributed) items.push(toAttributedTransfer(a));
    screen.push(toScreenRows(chain, toWireBlock(block), items));
    handed += items.length;
  }
  // Blocks with nothing touching the exchange: every stage is through with them.
  if (run) await ctx.progress.blocksDone(run.runId, idle);
  else for (const hash of idle) await ctx.store.handed.markDone(chain, hash);
  if (screen.length === 0) return 0;
  const hashes: string[] = [];
  for (const b of screen) hashes.push(b.block.hash);
  await ctx.queues.screen.add(
    'blocks',
    { chain, blocks: screen, ...(run ? { run } : {}) },
    // A live job is one block, known by it (the follower removes it when a reorg orphans the block).
    { jobId: jobId('screen', chain, ...hashes, run?.runId ?? 'live'), ...runJobRetention(run) },
  );
  return handed;
}

/** A block's attributed transfers as the store records them (one row per counterparty). */
function recordsOf({ block, attributed }: { block: BlockRef; attributed: readonly Attributed[] }): { block: BlockRef; records: AttributedRecord[] } {
  const records: AttributedRecord[] = [];
  for (const { transfer, attribution } of attributed) records.push({ transfer, ...attribution });
  return { block, records };
}

/** An attributed transfer as a screen job carries it. */
function toAttributedTransfer({ transfer, attribution }: Attributed): AttributedTransfer {
  return {
    transfer: toWireTransfer(transfer),
    direction: attribution.direction,
    accountId: attribution.accountId,
    exchangeAddress: attribution.exchangeAddress,
    counterparties: attribution.counterparties,
  };
}
