/** `GET /healthz` (the process answers) and `GET /readyz` (its dependencies do). */
import type { UndeliveredHolds } from '../store/holds-repo.js';
import type { ChainLag, HttpDeps } from './deps.js';
import type { Route } from './router.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

export interface ChainCheck {
  readonly ok: boolean;
  /** Decimal string (bigint), or null before the first head. */
  readonly lag: string | null;
  readonly maxLag: number;
  /** Seconds since the node's head was last read, when known. */
  readonly headAgeSeconds?: number;
  /** The block whose job failed for good, when one did. */
  readonly failedBlock?: { readonly number: string; readonly hash: string; readonly queue: string };
  readonly error?: string;
}

/** Holds the exchange has not acknowledged for longer than allowed. */
export interface HookCheck extends CheckResult {
  /** Undelivered holds raised more than `maxAgeSeconds` ago; null when the store could not say. */
  readonly undelivered: number | null;
  readonly maxAgeSeconds: number;
  /** The oldest of them: id, key and seconds since it was raised. */
  readonly oldest?: { readonly id: number; readonly key: string; readonly ageSeconds: number };
}

export interface Readiness {
  readonly status: 'ready' | 'not_ready';
  /** What is not wrong enough to fail readiness but needs a person (e.g. no chain configured). */
  readonly warnings?: readonly string[];
  readonly checks: {
    readonly redis: CheckResult;
    readonly store: CheckResult;
    readonly chains: Readonly<Record<string, ChainCheck>>;
    /** Only when an exchange hook is configured. */
    readonly hook?: HookCheck;
  };
}

const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

/** Said at start and in /readyz when the configuration follows no chain. */
export const NO_CHAIN_WARNING =
  'no chain is configured (chains: []): Cordon follows no deposits or withdrawals and raises no holds; ' +
  'add an EVM endpoint or a Bitcoin Core node under chains (see the README quick start)';

async function timed(what: string, fn: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([fn(), timeout]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    const reason = err instanceof Error ? err.message || err.name : String(err);
    return { ok: false, ms: Math.round(performance.now() - started), error: `${what} failed: ${reason}` };
  } finally {
    clearTimeout(timer);
  }
}

function checkChain(c: ChainLag): ChainCheck {
  const headAge = c.headAgeMs == null ? {} : { headAgeSeconds: Math.round(c.headAgeMs / 1000) };
  const failed = c.failedBlock ? { failedBlock: { number: c.failedBlock.number, hash: c.failedBlock.hash, queue: c.failedBlock.queue } } : {};
  const base = { lag: c.lag === null ? null : c.lag.toString(), maxLag: c.maxLag, ...headAge, ...failed };
  if (c.fatal) return { ...base, ok: false, error: c.fatal };
  if (c.failedBlock) {
    const f = c.failedBlock;
    return { ...base, ok: false, error: `block #${f.number} ${f.hash} failed in ${f.queue} after ${f.attempts} attempt(s): ${f.error}${f.fix ? `; fix: ${f.fix}` : ''}` };
  }
  if (c.headAgeMs != null && c.maxHeadAgeMs !== undefined && c.headAgeMs > c.maxHeadAgeMs) {
    const why = c.lastError ? `; last error: ${c.lastError}` : '';
    return { ...base, ok: false, error: `no successful head read for ${Math.round(c.headAgeMs / 1000)} s (max ${Math.round(c.maxHeadAgeMs / 1000)} s): the node is down or unreachable${why}` };
  }
  if (c.lag === null) return { ...base, ok: false, error: 'no chain head seen yet' };
  if (c.lag > BigInt(c.maxLag)) return { ...base, ok: false, error: `${c.lag} blocks behind the head (max ${c.maxLag})` };
  return { ...base, ok: true };
}

/**
 * Not ready while a hold raised more than `maxUndeliveredAgeMs` ago has not reached the
 * exchange: the exchange does not know to freeze the account.
 */
async function checkHook(deps: HttpDeps, maxUndeliveredAgeMs: number, timeoutMs: number): Promise<HookCheck> {
  const maxAgeSeconds = Math.round(maxUndeliveredAgeMs / 1000);
  const now = Date.now();
  const found: { value?: UndeliveredHolds } = {};
  const read = await timed(
    'reading undelivered holds from the store',
    async () => {
      found.value = await deps.store.holds.undeliveredHolds(new Date(now - maxUndeliveredAgeMs));
    },
    timeoutMs,
  );
  if (!read.ok || found.value === undefined) return { ...read, ok: false, undelivered: null, maxAgeSeconds };
  const { count, oldest } = found.value;
  if (count === 0 || oldest === null) return { ok: true, ms: read.ms, undelivered: 0, maxAgeSeconds };
  const ageSeconds = Math.max(0, Math.round((now - oldest.createdAt.getTime()) / 1000));
  return {
    ok: false,
    ms: read.ms,
    undelivered: count,
    maxAgeSeconds,
    oldest: { id: oldest.id, key: oldest.holdKey, ageSeconds },
    error:
      `${count} hold${count === 1 ? '' : 's'} not delivered to the exchange hook for more than ${formatAge(maxAgeSeconds)} ` +
      `(oldest: hold ${oldest.id}, raised ${formatAge(ageSeconds)} ago): see \`cordon holds list\`, the exchange-hook logs and cordon_hook_deliveries_total`,
  };
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3_600)} h`;
}

export async function readiness(deps: HttpDeps): Promise<Readiness> {
  const timeoutMs = deps.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const hookDelivery = deps.hookDelivery ?? null;
  const [redis, store, hook] = await Promise.all([
    timed('redis PING', () => deps.redis.ping(), timeoutMs),
    timed('store SELECT 1', () => deps.storePing(), timeoutMs),
    hookDelivery === null ? Promise.resolve(undefined) : checkHook(deps, hookDelivery.maxUndeliveredAgeMs, timeoutMs),
  ]);
  const chains: Record<string, ChainCheck> = {};
  let chainsOk = true;
  try {
    for (const c of deps.chainLags()) {
      const check = checkChain(c);
      chains[c.chain] = check;
      chainsOk &&= check.ok;
    }
  } catch (err) {
    chainsOk = false;
    chains['*'] = { ok: false, lag: null, maxLag: 0, error: `cannot read follower lag: ${err instanceof Error ? err.message : String(err)}` };
  }
  const ready = redis.ok && store.ok && chainsOk && (hook?.ok ?? true);
  const warnings = deps.chains.length === 0 ? [NO_CHAIN_WARNING] : [];
  return {
    status: ready ? 'ready' : 'not_ready',
    ...(warnings.length > 0 ? { warnings } : {}),
    checks: { redis, store, chains, ...(hook === undefined ? {} : { hook }) },
  };
}

export function healthRoutes(deps: HttpDeps): Route[] {
  // Probes run every few seconds: log when readiness changes, not on every probe.
  let wasReady: boolean | null = null;
  return [
    { method: 'GET', path: '/healthz', auth: 'public', handle: async () => ({ status: 200, json: { status: 'ok' } }) },
    {
      method: 'GET',
      path: '/readyz',
      auth: 'probe',
      async handle(ctx) {
        const r = await readiness(deps);
        const ready = r.status === 'ready';
        if (ready !== wasReady) {
          if (ready) ctx.log.info('ready');
          else ctx.log.warn({ checks: r.checks }, 'not ready: see checks');
          wasReady = ready;
        }
        return { status: ready ? 200 : 503, json: r };
      },
    },
  ];
}
