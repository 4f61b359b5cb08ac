/**
 * The service's HTTP API on node:http: health, readiness, metrics (public) and the /v1 API for
 * the exchange and the compliance team (bearer token). JSON in and out; errors are
 * `{ error, field? }`. The Authorization header and the token are never logged.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import { addressesRoutes } from './addresses-routes.js';
import { checkConfiguredToken, requireToken } from './auth.js';
import { DEFAULT_BODY_LIMIT, readFormBody, readJsonBody } from './body.js';
import { consoleRoutes } from './console/console-routes.js';
import type { HttpDeps } from './deps.js';
import { toHttpError } from './errors.js';
import { healthRoutes } from './health-routes.js';
import { holdsRoutes } from './holds-routes.js';
import { listsRoutes } from './lists-routes.js';
import { metricsRoutes, registerHoldsCollector, registerUndeliveredHoldsCollector } from './metrics-routes.js';
import { HttpError, resolveRoute, toJson, type Reply, type RequestContext, type Route } from './router.js';
import { screenRoutes } from './screen-routes.js';
import { withdrawalsRoutes } from './withdrawals-routes.js';

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly deps: HttpDeps;
  readonly log: Logger;
  /** Largest accepted request body in bytes; default 64 KiB. */
  readonly bodyLimit?: number;
}

export interface HttpServer {
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  /** Stops accepting, ends open connections, resolves when the server is closed. */
  close(): Promise<void>;
}

export function apiRoutes(deps: HttpDeps): Route[] {
  return [
    ...healthRoutes(deps),
    ...metricsRoutes(deps),
    ...addressesRoutes(deps),
    ...withdrawalsRoutes(deps),
    ...holdsRoutes(deps),
    ...listsRoutes(deps),
    ...screenRoutes(deps),
    ...consoleRoutes(deps),
  ];
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  let payload: string;
  if ('text' in reply) {
    Object.assign(headers, reply.headers);
    headers['content-type'] = reply.contentType;
    payload = reply.text;
  } else {
    Object.assign(headers, reply.headers);
    headers['content-type'] = 'application/json; charset=utf-8';
    payload = toJson(reply.json);
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function errorReply(err: HttpError): Reply {
  return {
    status: err.status,
    json: err.field === undefined ? { error: err.message } : { error: err.message, field: err.field },
    ...(err.headers === undefined ? {} : { headers: err.headers }),
  };
}

/** Starts the API; resolves once it listens. Throws if `deps.apiToken` is set but too short to be a secret. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { deps } = options;
  checkConfiguredToken(deps.apiToken);
  const log = options.log.child({ component: 'http' });
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const routes = apiRoutes(deps);
  registerHoldsCollector(deps, log);
  registerUndeliveredHoldsCollector(deps, log);
  if (deps.apiToken === undefined || deps.apiToken === '') {
    log.warn('CORDON_API_TOKEN is not set: the /v1 API answers 503 until it is');
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    let reply: Reply;
    try {
      const found = resolveRoute(routes, method, path);
      if (found.kind === 'not-found') throw new HttpError(404, `no route ${method} ${path}`);
      if (found.kind === 'method-not-allowed') {
        throw new HttpError(405, `${method} not allowed on ${path}`, undefined, { allow: found.allow.join(', ') });
      }
      const { route, params } = found.match;
      if (route.auth === 'token' || (route.auth === 'probe' && deps.probesNeedToken === true)) requireToken(req.headers.authorization, deps.apiToken);
      const ctx: RequestContext = {
        method,
        path,
        params,
        query: url.searchParams,
        headers: req.headers,
        body: () => readJsonBody(req, bodyLimit),
        form: () => readFormBody(req, bodyLimit),
        log,
      };
      reply = await route.handle(ctx);
    } catch (err) {
      const known = toHttpError(err);
      if (known === null) {
        log.error({ err, method, path }, 'request failed');
        reply = errorReply(new HttpError(500, 'internal error; see the Cordon log'));
      } else {
        reply = errorReply(known);
      }
    }
    if (!res.headersSent) send(res, reply);
    // The body may be unread (e.g. refused before reading): drop it instead of stalling keep-alive.
    if (!req.complete) req.resume();
    log.debug({ method, path, status: reply.status, ms: Math.round(performance.now() - started) }, 'http request');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'http handler crashed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (err, socket) => {
    log.debug({ err: err.message }, 'bad http request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot listen on ${options.host}:${options.port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, 'http api listening');

  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
