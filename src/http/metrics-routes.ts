/** `GET /metrics`: the Prometheus registry, with holds by state counted at scrape time. */
import type { Logger } from '../log/logger.js';
import { HOLD_STATES } from '../store/holds-repo.js';
import type { HttpDeps } from './deps.js';
import type { Route } from './router.js';

/**
 * Sets `cordon_holds{state}` from the store before each scrape. If counting fails the gauge is
 * emptied (absent beats stale for a gauge someone alerts on) and the failure is logged.
 */
export function registerHoldsCollector(deps: Pick<HttpDeps, 'metrics' | 'holdCounts'>, log: Logger): void {
  deps.metrics.onCollect(
    async () => {
      try {
        const counts = await deps.holdCounts();
        for (const state of HOLD_STATES) deps.metrics.holds.set({ state }, counts[state] ?? 0);
      } catch (err) {
        deps.metrics.holds.reset();
        log.warn({ err }, 'counting holds for /metrics failed; cordon_holds left empty for this scrape');
      }
    },
    { name: 'holds', clears: [deps.metrics.holds] },
  );
}

/**
 * Sets `cordon_hook_undelivered_holds` and `cordon_hook_oldest_undelivered_seconds` from the
 * store before each scrape (emptied, like `cordon_holds`, when the store cannot say).
 */
export function registerUndeliveredHoldsCollector(deps: Pick<HttpDeps, 'metrics' | 'store'>, log: Logger): void {
  const { hookUndelivered, hookOldestUndeliveredSeconds } = deps.metrics;
  if (hookUndelivered === undefined || hookOldestUndeliveredSeconds === undefined) return;
  deps.metrics.onCollect(async () => {
    try {
      const now = new Date();
      const { count, oldest } = await deps.store.holds.undeliveredHolds(now);
      hookUndelivered.set(count);
      hookOldestUndeliveredSeconds.set(oldest === null ? 0 : Math.max(0, (now.getTime() - oldest.createdAt.getTime()) / 1000));
    } catch (err) {
      hookUndelivered.reset();
      hookOldestUndeliveredSeconds.reset();
      log.warn({ err }, 'reading undelivered holds for /metrics failed; cordon_hook_undelivered_holds left empty for this scrape');
    }
  }, { name: 'hook_undelivered', clears: [hookUndelivered, hookOldestUndeliveredSeconds] });
}

export function metricsRoutes(deps: HttpDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      auth: 'probe',
      async handle() {
        const registry = deps.metrics.registry;
        return { status: 200, text: await registry.metrics(), contentType: registry.contentType };
      },
    },
  ];
}
