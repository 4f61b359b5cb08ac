/**
 * A small router over node:http: routes are data (method, path pattern, auth), handlers are
 * plain async functions from a request context to a reply.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../log/logger.js';

export type Method = 'GET' | 'POST';

/**
 * `public`: liveness. `probe`: readiness and metrics, public unless the config puts them behind
 * the token (`http.probeAuth`). `token`: everything under /v1 (bearer token).
 */
export type RouteAuth = 'public' | 'probe' | 'token';

export interface RequestContext {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** `:name` segments of the route pattern, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body (POST only; content type and size checked). */
  body(): Promise<unknown>;
  /** An HTML form's body (`application/x-www-form-urlencoded`; size checked). */
  form(): Promise<URLSearchParams>;
  readonly log: Logger;
}

export type Reply =
  | { readonly status: number; readonly json: unknown; readonly headers?: Readonly<Record<string, string>> }
  | {
      readonly status: number;
      readonly text: string;
      readonly contentType: string;
      /** e.g. `set-cookie`, `location`, `content-security-policy`; `cache-control` overrides no-store. */
      readonly headers?: Readonly<Record<string, string>>;
    };

export interface Route {
  readonly method: Method;
  /** e.g. `/v1/holds/:id/release` */
  readonly path: string;
  readonly auth: RouteAuth;
  handle(ctx: RequestContext): Promise<Reply>;
}

/** An error with the status and body the client gets: `{ error, field? }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

export type Resolution =
  | { readonly kind: 'found'; readonly match: RouteMatch }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly Method[] }
  | { readonly kind: 'not-found' };

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = segments(pattern);
  const got = segments(path);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, w] of want.entries()) {
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(g);
      } catch {
        throw new HttpError(400, `path segment "${g}" is not valid percent-encoding`, w.slice(1));
      }
      params[w.slice(1)] = decoded;
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

/** Finds the route for a request; a known path with another method is a 405, not a 404. */
export function resolveRoute(routes: readonly Route[], method: string, path: string): Resolution {
  const allow: Method[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params === null) continue;
    if (route.method === method) return { kind: 'found', match: { route, params } };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
}

/** JSON with bigints as decimal strings (amounts, block numbers) and dates as ISO strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
