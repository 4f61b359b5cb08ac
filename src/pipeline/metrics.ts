import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Cordon's Prometheus metrics. Counters are bumped where things happen; gauges whose truth
 * lives elsewhere (holds by state in the store, queue depths in Redis, RPC errors in the
 * endpoint pools) are read at scrape time through the collectors registered here.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly blocksProcessed: Counter<'chain' | 'stage'>;
  readonly followerLag: Gauge<'chain'>;
  readonly transfers: Counter<'chain' | 'kind'>;
  readonly matches: Counter<'chain' | 'list' | 'policy'>;
  readonly matchesIgnored: Counter<'chain' | 'reason'>;
  readonly alertDeliveries: Counter<'channel' | 'outcome'>;
  readonly holds: Gauge<'state'>;
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly rpcErrors: Gauge<'chain' | 'endpoint' | 'kind'>;
  /** Exchange hook deliveries by outcome: delivered, refused (a 4xx/3xx), failed (no answer, 5xx, 408, 429), timeout. */
  readonly hookDeliveries: Counter<'outcome'>;
  /** Holds the exchange has not acknowledged yet (hook status pending or failed), read at scrape time. */
  readonly hookUndelivered: Gauge;
  /** Age of the oldest of those holds in seconds (0 when there is none), read at scrape time. */
  readonly hookOldestUndeliveredSeconds: Gauge;
  /** Collectors that did not finish in time (e.g. queue depths while Redis is down), by name. */
  readonly collectTimeouts: Counter<'collector'>;
  /**
   * Registers work to run before each scrape (e.g. counting holds by state). A collector that
   * has not finished within the collect timeout is left behind so the scrape still answers; the
   * gauges it names in `clears` are emptied (absent beats stale for a gauge someone alerts on).
   */
  onCollect(fn: () => Promise<void>, opts?: { readonly name?: string; readonly clears?: readonly Gauge<string>[] }): void;
}

interface Collector {
  readonly name: string;
  readonly fn: () => Promise<void>;
  readonly clears: readonly Gauge<string>[];
  /** A run left behind by an earlier scrape, still waiting (e.g. on Redis): no second one is started. */
  running: Promise<unknown> | null;
}

export function createMetrics(opts: { defaultMetrics?: boolean; collectTimeoutMs?: number } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'cordon_' });
  const collectTimeoutMs = opts.collectTimeoutMs ?? 2_000;
  const collectors: Collector[] = [];
  const collectTimeouts = new Counter({
    name: 'cordon_metrics_collect_timeouts_total',
    help: 'Scrape-time collectors that did not answer in time (their gauges were left empty), by collector',
    labelNames: ['collector'],
    registers: [registry],
  });
  const collectOne = async (c: Collector): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), collectTimeoutMs);
    });
    c.running ??= c.fn().finally(() => {
      c.running = null;
    });
    try {
      const outcome = await Promise.race([c.running.then(() => 'done' as const), late]);
      if (outcome === 'late') {
        for (const g of c.clears) g.reset();
        collectTimeouts.inc({ collector: c.name });
      }
    } finally {
      clearTimeout(timer);
    }
  };
  const collectAll = async () => {
    await Promise.allSettled(collectors.map(collectOne));
  };
  // prom-client calls `collect` of each metric per scrape; running every collector once, from
  // the first gauge scraped, keeps one store/Redis round trip per scrape.
  let inFlight: Promise<void> | null = null;
  const collectOnce = () => {
    inFlight ??= collectAll().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry], collect: collectOnce });

  return {
    registry,
    blocksProcessed: new Counter({
      name: 'cordon_blocks_processed_total',
      help: 'Blocks handled, by chain and pipeline stage',
      labelNames: ['chain', 'stage'],
      registers: [registry],
    }),
    followerLag: new Gauge({
      name: 'cordon_follower_lag_blocks',
      help: "Blocks between the node's head and the last block the follower handed on",
      labelNames: ['chain'],
      registers: [registry],
    }),
    transfers: new Counter({
      name: 'cordon_transfers_total',
      help: "Transfers touching the exchange's addresses, by chain and kind",
      labelNames: ['chain', 'kind'],
      registers: [registry],
    }),
    matches: new Counter({
      name: 'cordon_matches_total',
      help: 'Counterparties found on a list, by chain, list and policy',
      labelNames: ['chain', 'list', 'policy'],
      registers: [registry],
    }),
    matchesIgnored: new Counter({
      name: 'cordon_matches_ignored_total',
      help: 'Matches that raised neither a hold nor an alert, by chain and reason (no-value: a zero-value transfer)',
      labelNames: ['chain', 'reason'],
      registers: [registry],
    }),
    alertDeliveries: new Counter({
      name: 'cordon_alert_deliveries_total',
      help: 'Alert deliveries by channel and outcome (sent, duplicate, failed)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    holds: gauge('cordon_holds', 'Holds by state', ['state'] as const),
    queueJobs: gauge('cordon_queue_jobs', 'Jobs per pipeline queue and state', ['queue', 'state'] as const),
    rpcErrors: gauge('cordon_rpc_errors', 'RPC errors per chain endpoint and kind since start', ['chain', 'endpoint', 'kind'] as const),
    hookDeliveries: new Counter({
      name: 'cordon_hook_deliveries_total',
      help: 'Exchange hook deliveries by outcome (delivered, refused, failed, timeout)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    hookUndelivered: gauge('cordon_hook_undelivered_holds', 'Holds not yet acknowledged by the exchange hook (pending or failed)', [] as const),
    hookOldestUndeliveredSeconds: gauge(
      'cordon_hook_oldest_undelivered_seconds',
      'Seconds since the oldest hold not yet acknowledged by the exchange hook was raised (0: none)',
      [] as const,
    ),
    collectTimeouts,
    onCollect(fn, o = {}) {
      collectors.push({ name: o.name ?? 'unnamed', fn, clears: o.clears ?? [], running: null });
    },
  };
}
