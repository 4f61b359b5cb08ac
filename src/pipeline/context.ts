import type { Redis } from 'ioredis';
import type { WatchedAddressIndex } from '../accounts/index.js';
import type { AlertDispatcher } from '../alerts/index.js';
import type { ChainSource } from '../chains/chain-source.js';
import type { CordonConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/index.js';
import type { AssetPolicies } from './asset-policy.js';
import type { ListIndexCache } from './list-index-cache.js';
import type { Metrics } from './metrics.js';
import type { PipelineQueues } from './queues.js';
import type { RunProgress } from './run-progress.js';

/** What every stage's workers share inside one process. */
export interface PipelineContext {
  readonly config: CordonConfig;
  readonly store: Store;
  readonly sources: ReadonlyMap<string, ChainSource>;
  readonly queues: PipelineQueues;
  /** A plain connection for locks and replay progress (BullMQ keeps its own). */
  readonly redis: Redis;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly alerts: AlertDispatcher;
  readonly lists: ListIndexCache;
  /** The exchange's watched addresses on EVM chains, in memory and current (the extract stage's scope). */
  readonly watched: WatchedAddressIndex;
  readonly progress: RunProgress;
  /** Per chain and asset: how amounts read, and the hold threshold. */
  readonly assets: AssetPolicies;
}

export function sourceOf(ctx: PipelineContext, chain: string): ChainSource {
  const source = ctx.sources.get(chain);
  if (!source) throw new Error(`chain ${chain} is not configured in this process`);
  return source;
}
