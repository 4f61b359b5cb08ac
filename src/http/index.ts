/** The service's HTTP API: health, readiness, metrics, accounts, withdrawals, holds, screening. */
export { startHttpServer, apiRoutes, type HttpServer, type HttpServerOptions } from './server.js';
export type { ChainLag, HttpDeps, RedisPing } from './deps.js';
export { readiness, type ChainCheck, type CheckResult, type Readiness } from './health-routes.js';
export { registerHoldsCollector } from './metrics-routes.js';
export { API_TOKEN_ENV, MIN_TOKEN_LENGTH, requireToken, tokensEqual } from './auth.js';
export { DEFAULT_BODY_LIMIT } from './body.js';
export { HttpError, type Reply, type RequestContext, type Route } from './router.js';
