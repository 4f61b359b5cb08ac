import { attributeTransfers, loadLookup } from '../accounts/index.js';
import { exchangeTransfers, isBitcoinChainSource, outputsPaying, type BitcoinChainSource } from '../chains/bitcoin/index.js';
import type { ChainSource, TransferScope } from '../chains/chain-source.js';
import type { NormalisedAddress } from '../domain/address.js';
import type { BlockRef } from '../domain/block.js';
import type { Transfer } from '../domain/transfer.js';
import type { PipelineContext } from './context.js';
import { sourceOf } from './context.js';
import { failFastOnPermanent } from './permanent-errors.js';
import { fromWireBlock, jobId, toWireBlock, toWireTransfer, type AttributedTransfer, type ExtractJob, type RunTag, type ScreenBlock } from './jobs.js';

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
  if (isBitcoinChainSource(source)) {
    // One header read for the range, then the exchange's path per block (in order: each block's
    // outputs are recorded before the next block's spends are looked up).
    const refs = await source.headersInRange(from, to);
    const last = refs.at(-1);
    if (refs.length === 0 || last === undefined || last.number < to) throw new Error(`${chain}: block #${to} is above the node's head`);
    const out: { block: BlockRef; transfers: Transfer[] }[] = [];
    for (const block of refs) out.push({ block, transfers: await bitcoinTransfers(ctx, source, block) });
    return out;
  }
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
async function transfersOf(ctx: PipelineContext, source: ChainSource, block: BlockRef): Promise<Transfer[]> {
  return isBitcoinChainSource(source) ? bitcoinTransfers(ctx, source, block) : source.transfers(block, exchangeScope(ctx, source.chain));
}

/**
 * The exchange's watched addresses on a chain, as a scope: lets an EVM source skip the
 * receipts of transactions that cannot be a deposit or a withdrawal. On EVM chains they are
 * held in memory (accounts/watched-index.ts) and the source tests each party as it reads it.
 */
function exchangeScope(ctx: PipelineContext, chain: string): TransferScope {
  const among = async (addresses: readonly NormalisedAddress[]): Promise<Set<NormalisedAddress>> =>
    new Set((await ctx.store.accounts.findWatchedAddresses(chain, addresses)).map((w) => w.address));
  return sourceOf(ctx, chain).family === 'evm' ? { among, evmAddresses: () => ctx.watched.current(chain) } : { among };
}

/**
 * The Bitcoin path (chains/bitcoin/exchange-transfers.ts): only transactions that pay a watched
 * address, spend one of the exchange's recorded outputs, or were registered by txid have their
 * inputs resolved. Then the block's outputs paying watched addresses (hot wallets and deposit
 * addresses: sweeps spend them) are recorded, and the recorded outputs it spends marked spent,
 * in one transaction. Both writes are idempotent, so a retried or replayed block changes nothing.
 *
 * Known limits: the extract workers run blocks concurrently, so a block whose parent is still
 * being extracted may miss a no-change, unregistered spend of an output the parent created
 * (change to a watched address and registered txids are still found); outputs that predate the
 * chain's startBlock come from `cordon accounts seed-utxos` (seed-utxos.ts).
 */
async function bitcoinTransfers(ctx: PipelineContext, source: BitcoinChainSource, block: BlockRef): Promise<Transfer[]> {
  const chain = source.chain;
  let watched = new Set<string>();
  const { utxo, transfers } = await exchangeTransfers(source, block, {
    watchedAmong: async (addresses) => {
      const found = (await ctx.store.accounts.findWatchedAddresses(chain, addresses)).map((w) => w.address);
      watched = new Set(found);
      return found;
    },
    registeredAmong: async (txids) =>
      (await ctx.store.accounts.findWithdrawalsByTxids(chain, txids)).flatMap((w) => (w.txid === null ? [] : [w.txid])),
    ownedAmong: (outpoints) => ctx.store.utxos.ownedAmong(chain, outpoints, block.hash),
  });
  const created = outputsPaying(utxo, watched).map((o) => ({
    txid: o.outpoint.txid,
    vout: o.outpoint.vout,
    address: o.address,
    value: o.value,
  }));
  const spends = utxo.txs.flatMap((tx) => tx.inputs.map((i) => ({ txid: i.txid, vout: i.vout, spentIn: tx.txid })));
  if (created.length > 0 || spends.length > 0) {
    await ctx.store.transaction(async (repos) => {
      await repos.utxos.recordOutputs(chain, block, created);
      await repos.utxos.markSpent(chain, block.hash, spends);
    });
  }
  return transfers;
}

/** Token transfers of contracts the exchange does not credit are left out (see `tokens` in the chain config). */
function creditedOnly(ctx: PipelineContext, chain: string, transfers: Transfer[]): Transfer[] {
  const tokens = ctx.config.chains.find((c) => c.id === chain)?.tokens;
  if (!tokens) return transfers;
  const allowed = new Set(tokens.map((t) => t.address));
  return transfers.filter((t) => t.asset.kind !== 'token' || allowed.has(t.asset.contract));
}

/**
 * The job's blocks, attributed and handed on together: one lookup of the exchange's addresses
 * and withdrawals for all their transfers, one write of what was attributed, one screen job
 * for the blocks that touch the exchange (the store and Redis are asked per job, not per block).
 */
async function handOn(ctx: PipelineContext, chain: string, blocks: readonly { block: BlockRef; transfers: Transfer[] }[], run: RunTag | undefined): Promise<number> {
  const credited = blocks.map(({ block, transfers }) => ({ block, transfers: creditedOnly(ctx, chain, transfers) }));
  const all = credited.flatMap(({ transfers }) => transfers);
  const lookup = all.length === 0 ? null : await loadLookup(ctx.store, chain, all);
  const attributedOf = credited.map(({ block, transfers }) => ({ block, attributed: lookup === null || transfers.length === 0 ? [] : attributeTransfers(transfers, lookup) }));
  for (const { attributed } of attributedOf) {
    ctx.metrics.blocksProcessed.inc({ chain, stage: 'extract' });
    for (const { transfer } of attributed) ctx.metrics.transfers.inc({ chain, kind: transfer.kind });
  }
  // Kept for retroactive screening (retro-screen.ts): written before the blocks are handed on,
  // so a list version activated later finds every transfer screened before it.
  await ctx.store.transfers.recordAttributedBlocks(
    attributedOf.map(({ block, attributed }) => ({ block, records: attributed.map(({ transfer, attribution }) => ({ transfer, ...attribution })) })),
  );
  const screen: ScreenBlock[] = [];
  const idle: BlockRef[] = [];
  for (const { block, attributed } of attributedOf) {
    if (attributed.length === 0) {
      idle.push(block);
      continue;
    }
    const items: AttributedTransfer[] = attributed.map(({ transfer, attribution }) => ({
      transfer: toWireTransfer(transfer),
      direction: attribution.direction,
      accountId: attribution.accountId,
      exchangeAddress: attribution.exchangeAddress,
      counterparties: attribution.counterparties,
    }));
    screen.push({ block: toWireBlock(block), items });
  }
  // Blocks with nothing touching the exchange: every stage is through with them.
  if (run) await ctx.progress.blocksDone(run.runId, idle.map((b) => b.hash));
  else for (const b of idle) await ctx.store.handed.markDone(chain, b.hash);
  if (screen.length === 0) return 0;
  await ctx.queues.screen.add(
    'blocks',
    { chain, blocks: screen, ...(run ? { run } : {}) },
    // A live job is one block, known by it (the follower removes it when a reorg orphans the block).
    { jobId: jobId('screen', chain, ...screen.map((b) => b.block.hash), run?.runId ?? 'live') },
  );
  return screen.reduce((n, b) => n + b.items.length, 0);
}
