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
