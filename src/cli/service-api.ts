/**
 * While `cordon run` holds the embedded store, it is the only process that may write it: a
 * command that writes sends its change to the running service's API instead (the URL is in
 * the store's lock, the token in CORDON_API_TOKEN), so the pipeline sees it at once. Commands
 * without an API route for their change say how to proceed.
 */
import { API_TOKEN_ENV } from '../http/auth.js';
import { describeLockHolder, StoreLocked, type DataDirLockHolder, type Store } from '../store/index.js';
import type { CliContext } from './context.js';
import { CliError, EXIT } from './exit-codes.js';

const REQUEST_TIMEOUT_MS = 30_000;

/** The running service refused the change itself (HTTP 400, 404, 409: bad value, unknown hold, conflict). */
export class ServiceRefused extends CliError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, EXIT.usage);
    this.name = 'ServiceRefused';
  }
}

/** The running service that holds the embedded store, reached through its API. */
export interface RunningService {
  readonly url: string;
  readonly holder: DataDirLockHolder;
  readonly dataDir: string;
  /** `through the running service at http://… (`cordon run`, pid 1234)` */
  readonly via: string;
  /** POSTs `body` as JSON; the parsed reply of a 2xx, or a CliError saying what was refused. */
  post<T>(path: string, body: unknown): Promise<T>;
  /** GETs `path`; the parsed reply of a 2xx, or a CliError saying what was refused. */
  get<T>(path: string): Promise<T>;
}

export type StoreOrService = { readonly kind: 'store'; readonly store: Store } | { readonly kind: 'service'; readonly service: RunningService };

/**
 * The store, or, when `cordon run` (or another command serving the API) holds the embedded
 * store, its API. Refuses with exit 3 when the holder serves no API or does not answer, and
 * with exit 2 when CORDON_API_TOKEN is not set.
 */
export async function storeOrService(ctx: CliContext, env: NodeJS.ProcessEnv = process.env): Promise<StoreOrService> {
  try {
    return { kind: 'store', store: await ctx.store() };
  } catch (err) {
    if (!(err instanceof StoreLocked) || err.kind !== 'held' || err.holder === null) throw err;
    const { holder, dataDir } = err;
    if (holder.api === undefined) {
      throw new CliError(
        `the embedded store ${dataDir} is in use by ${describeLockHolder(holder)}, which serves no API to send this change to; ` +
          `nothing was written. Wait for it to finish or stop it, then run this command again (or run \`cordon run\` with its http stage and use its API)`,
        EXIT.failed,
      );
    }
    const token = env[API_TOKEN_ENV];
    if (token === undefined || token === '') {
      throw new CliError(
        `the embedded store ${dataDir} is in use by ${describeLockHolder(holder)}, so this change must go through its API at ${holder.api}, ` +
          `and ${API_TOKEN_ENV} is not set: set it to the token the service was started with and run this command again ` +
          `(or stop the service first); nothing was written`,
        EXIT.usage,
      );
    }
    return { kind: 'service', service: runningService(holder.api, holder, dataDir, token) };
  }
}

/**
 * For a reading command: the store, or the API of `cordon run` holding the embedded store when
 * CORDON_API_TOKEN is set. Otherwise a held store refuses as for any command (exit 3, naming
 * the holder and its API).
 */
export async function storeOrServiceToRead(ctx: CliContext, env: NodeJS.ProcessEnv = process.env): Promise<StoreOrService> {
  try {
    return { kind: 'store', store: await ctx.store() };
  } catch (err) {
    if (!(err instanceof StoreLocked) || err.kind !== 'held' || err.holder?.api === undefined) throw err;
    const token = env[API_TOKEN_ENV];
    if (token === undefined || token === '') throw err;
    return { kind: 'service', service: runningService(err.holder.api, err.holder, err.dataDir, token) };
  }
}

/**
 * For a command with no API route for its change (e.g. `lists import`): when the embedded
 * store is held, a message naming the holder and what to do instead; other errors unchanged.
 */
export async function storeForLocalWrite(ctx: CliContext, instead: string): Promise<Store> {
  try {
    return await ctx.store();
  } catch (err) {
    if (err instanceof StoreLocked && err.kind === 'held' && err.holder !== null) {
      throw new CliError(`the embedded store ${err.dataDir} is in use by ${describeLockHolder(err.holder)}; nothing was written. ${instead}`, EXIT.failed);
    }
    throw err;
  }
}

/** The message for a command refused by the store lock: the holder, and for reads, where to look meanwhile. */
export function storeLockedMessage(err: StoreLocked): string {
  if (err.kind !== 'held' || err.holder?.api === undefined) return err.message;
  return (
    `${err.message}. While it runs, its API at ${err.holder.api} answers (GET /v1/holds, GET /v1/holds/:id, GET /v1/screen/:address, ` +
    `with ${API_TOKEN_ENV}), and \`holds release|confirm\`, \`accounts import|withdrawal\` go through it`
  );
}

function runningService(url: string, holder: DataDirLockHolder, dataDir: string, token: string): RunningService {
  const via = `through the running service at ${url} (${describeLockHolder(holder)})`;
  const who = `${describeLockHolder(holder)} holds the embedded store ${dataDir}`;
  async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, url), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new CliError(
        `${who}, and its API at ${url} did not answer (${networkReason(err)})${method === 'POST' ? '; this change may not have been written' : ''}. ` +
          'Check that the service is running and its http stage is up, or stop it and run this command again',
        EXIT.failed,
      );
    }
    const text = await res.text();
    const reply = parseReply(text);
    if (res.ok) return reply as T;
    const error = typeof reply === 'object' && reply !== null && 'error' in reply ? String((reply as { error: unknown }).error) : text.slice(0, 200);
    if (res.status === 401) {
      throw new CliError(`the running service at ${url} refused ${API_TOKEN_ENV} (${error}): set it to the token ${describeLockHolder(holder)} was started with`, EXIT.usage);
    }
    if (res.status === 503) {
      throw new CliError(`the running service at ${url} refused the request: ${error}.${method === 'POST' ? ' Nothing was written;' : ''} ${who}`, EXIT.failed);
    }
    if (res.status >= 400 && res.status < 500) {
      throw new ServiceRefused(`the running service at ${url} refused the ${method === 'POST' ? 'change' : 'request'} (HTTP ${res.status}): ${error}`, res.status);
    }
    throw new CliError(`the running service at ${url} failed (HTTP ${res.status}): ${error}; see its log`, EXIT.failed);
  }

  return {
    url,
    holder,
    dataDir,
    via,
    post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
    get: <T>(path: string) => request<T>('GET', path),
  };
}

function parseReply(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  const cause = err.cause;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err.message;
}
