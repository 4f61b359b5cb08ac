/**
 * What the http stage of a running service needs, from its pipeline and store: `cordon run`
 * and `npm run demo` serve the same API and console from it.
 */
import type { CordonConfig } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import type { HttpDeps } from '../http/index.js';
import type { Metrics } from '../pipeline/metrics.js';
import { rescreenActivated, retroDepsOf } from '../pipeline/retro-screen.js';
import type { Pipeline } from '../pipeline/service.js';
import type { Store } from '../store/index.js';

export interface ServiceHttpParts {
  readonly config: CordonConfig;
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly metrics: Metrics;
  readonly queueAlert: (alert: Alert) => Promise<unknown>;
  /** `CORDON_API_TOKEN`; undefined disables /v1 and the console. */
  readonly apiToken: string | undefined;
}

export function serviceHttpDeps(p: ServiceHttpParts): HttpDeps {
  const { config, store, pipeline } = p;
  return {
    store,
    queueAlert: p.queueAlert,
    rescreen: (activation) => rescreenActivated(retroDepsOf(pipeline.ctx), activation),
    chains: config.chains,
    apiToken: p.apiToken,
    probesNeedToken: config.http.probeAuth === 'token',
    secureCookie: config.http.secureCookie,
    redis: pipeline.ctx.redis,
    storePing: () => store.db.query('SELECT 1'),
    chainLags: () => pipeline.follow?.readiness() ?? [],
    metrics: p.metrics,
    holdCounts: () => store.holds.countHoldsByState(),
    addressIndex: () => pipeline.ctx.lists.lastIndex(),
    hookDelivery: config.exchangeHook ? { maxUndeliveredAgeMs: config.exchangeHook.maxUndeliveredAge } : null,
  };
}
