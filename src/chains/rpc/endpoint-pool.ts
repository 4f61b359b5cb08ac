/**
 * A chain's JSON-RPC endpoints behind one `run`: batches calls, keeps each endpoint under its
 * rate limit, and on a retryable failure (timeout, 429 / -32005, transport error, garbage,
 * an answer for the wrong block) backs the endpoint off and tries again, on another endpoint
 * when there is one. Errors that another attempt cannot fix (invalid params, unsupported
 * method, range too large) reach the caller at once. Per-endpoint counters are exposed for
 * metrics.
 *
 * The caller's function does the checking: it gets an endpoint, asks, validates, and throws
 * RpcInconsistent / RpcBadAnswer when the answer is wrong, so a wrong answer is retried like a
 * failed request and never returned.
 *
 * With an `identify` probe (chain-identity.ts) no endpoint is used before the probe has said it
 * serves the configured chain: once when the endpoint joins the pool, and again before its
 * first use after a failure (a node behind a URL can be swapped, and a swap shows as a failure).
 * An endpoint on the wrong chain is refused (logged at error level) and probed again after
 * `recheckRefusedMs`; when every endpoint is refused, calls fail with NoEndpointOnChain.
 */
import type { Logger } from '../../log/logger.js';
import { ChainMismatch, NoEndpointOnChain, type IdentifyEndpoint } from './chain-identity.js';
import { RpcError, RpcInconsistent, RpcNotKnown, RpcRateLimited, RpcUnavailable, type RpcFailureKind } from './errors.js';
import { ExpiringSet } from './expiring-set.js';
import { describeCalls, frame, readAnswers, type RpcCall, type RpcOutcome } from './json-rpc.js';
import type { RpcTransport } from './transport.js';

export interface PoolEndpointConfig {
  readonly url: string;
  /** Requests per second the endpoint allows; each call in a batch counts. */
  readonly maxRps?: number;
  readonly transport: RpcTransport;
}

export interface EndpointPoolOptions {
  /** Chain id, for logs and errors. */
  readonly name: string;
  readonly endpoints: readonly PoolEndpointConfig[];
  readonly log: Logger;
  /** Per HTTP request (default 15,000 ms). */
  readonly timeoutMs?: number;
  /** Attempts per `run` before RpcUnavailable (default max(5, 3 × endpoints)). */
  readonly maxAttempts?: number;
  /** Backoff after an endpoint's first consecutive failure, doubling up to backoffMaxMs (defaults 200 / 5,000 ms). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Calls per HTTP request; larger call lists are split (default 100). */
  readonly maxBatch?: number;
  /** Checks an endpoint serves the configured chain before it is used (chain-identity.ts). */
  readonly identify?: IdentifyEndpoint;
  /** How long an endpoint on the wrong chain stays refused before it is probed again (default 30,000 ms). */
  readonly recheckRefusedMs?: number;
  /**
   * An endpoint that has not failed is still asked again after this long (default 5 min): a
   * load balancer can swap the node behind a URL without any request failing.
   */
  readonly reidentifyMs?: number;
}

export interface Endpoint {
  readonly index: number;
  /** Host, port and position in the config: safe to log (a URL may carry an API key). */
  readonly label: string;
  /**
   * Sends the calls as JSON-RPC batches; one outcome per call, in order. Throws if a whole
   * request fails. `timeoutMs`: for calls known to run long (a scan of the UTXO set), instead of
   * the pool's.
   */
  call(calls: readonly RpcCall[], opts?: { readonly timeoutMs?: number }): Promise<RpcOutcome[]>;
  /** Like `call`, but throws the first failed call's error. */
  results(calls: readonly RpcCall[]): Promise<unknown[]>;
  /**
   * Methods this endpoint answered as unsupported; callers use it to go straight to their
   * fallback. Forgotten after CAPABILITY_RECHECK_MS (10 minutes), so an upgraded node is asked again.
   */
  readonly unsupported: { has(method: string): boolean; add(method: string): unknown };
}

export interface EndpointStats {
  readonly label: string;
  /** HTTP requests sent. */
  readonly requests: number;
  /** JSON-RPC calls sent (a batch counts each). */
  readonly calls: number;
  /** Attempts (`run` invocations on this endpoint) that succeeded / failed, by kind. */
  readonly successes: number;
  readonly failures: Readonly<Record<RpcFailureKind, number>>;
  readonly consecutiveFailures: number;
  /** Milliseconds until the endpoint is tried again (0: available). */
  readonly backoffRemainingMs: number;
  /** Why the endpoint is refused (it serves another chain), until a recheck passes. */
  readonly refused?: string;
}

export interface EndpointPool {
  readonly name: string;
  readonly endpoints: readonly Endpoint[];
  /**
   * Runs `fn` on the best available endpoint; on a retryable RpcError retries (after backoff,
   * preferring endpoints not yet tried in this run) up to maxAttempts, then throws
   * RpcUnavailable. `label` names the operation in logs.
   */
  run<T>(label: string, fn: (ep: Endpoint, attempt: number) => Promise<T>): Promise<T>;
  /**
   * Like `run` for a lookup that may legitimately find nothing (a block hash that was
   * reorged away, a height above the head): `fn` returns null for "not known here", and the
   * lookup asks the other endpoints, each once, before returning null. A lagging endpoint
   * cannot make a block look gone.
   */
  runUntilKnown<T>(label: string, fn: (ep: Endpoint, attempt: number) => Promise<T | null>): Promise<T | null>;
  /**
   * Probes every endpoint not yet identified (at start): refuses those on the wrong chain,
   * leaves unreachable ones to be probed before their first use, and throws NoEndpointOnChain
   * if every endpoint is refused. Without an `identify` probe, does nothing.
   */
  identifyAll(): Promise<void>;
  stats(): EndpointStats[];
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function zeroFailures(): Record<RpcFailureKind, number> {
  return { timeout: 0, 'rate-limited': 0, transport: 0, 'bad-answer': 0, inconsistent: 0, 'node-error': 0, unsupported: 0, 'range-too-large': 0, 'not-known': 0, 'wrong-chain': 0 };
}

export function endpointLabel(url: string, index: number): string {
  try {
    const u = new URL(url);
    return `${u.host}#${index}`;
  } catch {
    return `endpoint#${index}`;
  }
}

/** Token bucket with debt: a caller takes what it needs and waits until the bucket is back to zero. */
class RateGate {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly rate: number) {
    this.tokens = rate;
  }
  async take(n: number): Promise<void> {
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    this.tokens -= n;
    if (this.tokens < 0) await sleep((-this.tokens / this.rate) * 1000);
  }
}

class PoolMember implements Endpoint {
  readonly unsupported = new ExpiringSet();
  requests = 0;
  calls = 0;
  successes = 0;
  readonly failures = zeroFailures();
  consecutiveFailures = 0;
  availableAt = 0;
  /** The identity probe passed since the endpoint (re)joined; a failure clears it. */
  identified = false;
  /** When the probe last passed: it is asked again after `reidentifyMs` all the same. */
  identifiedAt = 0;
  /** The probe in flight, shared by the runs that want this endpoint meanwhile. */
  identifying: Promise<void> | undefined;
  /** Set while the endpoint is refused for serving another chain; probed again from `recheckAt`. */
  refused: ChainMismatch | undefined;
  recheckAt = 0;
  private nextId = 1;
  private readonly gate: RateGate | undefined;

  constructor(
    readonly index: number,
    readonly label: string,
    private readonly transport: RpcTransport,
    private readonly timeoutMs: number,
    private readonly maxBatch: number,
    maxRps: number | undefined,
  ) {
    this.gate = maxRps === undefined ? undefined : new RateGate(maxRps);
  }

  async call(calls: readonly RpcCall[], opts: { readonly timeoutMs?: number } = {}): Promise<RpcOutcome[]> {
    if (calls.length === 0) return [];
    const chunks: RpcCall[][] = [];
    for (let i = 0; i < calls.length; i += this.maxBatch) chunks.push(calls.slice(i, i + this.maxBatch));
    const answers = await Promise.all(chunks.map((c) => this.send(c, opts.timeoutMs ?? this.timeoutMs)));
    return answers.flat();
  }

  async results(calls: readonly RpcCall[]): Promise<unknown[]> {
    const outcomes = await this.call(calls);
    return outcomes.map((o) => {
      if (!o.ok) throw o.error;
      return o.result;
    });
  }

  private async send(calls: readonly RpcCall[], timeoutMs: number): Promise<RpcOutcome[]> {
    if (this.gate !== undefined) await this.gate.take(calls.length);
    const requests = frame(calls, this.nextId);
    this.nextId += calls.length;
    if (this.nextId > 2 ** 31) this.nextId = 1;
    this.requests++;
    this.calls += calls.length;
    const body = await this.transport.send(requests, { endpoint: this.label, timeoutMs });
    return readAnswers(this.label, requests, body);
  }
}

export function createEndpointPool(opts: EndpointPoolOptions): EndpointPool {
  if (opts.endpoints.length === 0) throw new Error(`${opts.name}: an endpoint pool needs at least one endpoint`);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxBatch = opts.maxBatch ?? 100;
  const members = opts.endpoints.map(
    (e, i) => new PoolMember(i, endpointLabel(e.url, i), e.transport, timeoutMs, maxBatch, e.maxRps),
  );
  const maxAttempts = opts.maxAttempts ?? Math.max(5, 3 * members.length);
  const base = opts.backoffBaseMs ?? 200;
  const cap = opts.backoffMaxMs ?? 5_000;
  const recheckRefusedMs = opts.recheckRefusedMs ?? 30_000;
  const reidentifyMs = opts.reidentifyMs ?? 300_000;
  const identify = opts.identify;
  const log = opts.log;

  /** Refused endpoints are out of the pool until their recheck is due. */
  const inPool = (m: PoolMember, now: number): boolean => m.refused === undefined || m.recheckAt <= now;

  function noneLeft(): NoEndpointOnChain {
    return new NoEndpointOnChain(opts.name, members.flatMap((m) => (m.refused === undefined ? [] : [m.refused])));
  }

  /**
   * In the pool and available now, fewest failures in this run, then config order; else the
   * first to come back. Throws NoEndpointOnChain when every endpoint is refused.
   */
  function pick(triedInRun: ReadonlyMap<PoolMember, number>): { member: PoolMember; waitMs: number } {
    const now = Date.now();
    const candidates = members.filter((m) => inPool(m, now));
    if (candidates.length === 0) throw noneLeft();
    let best: PoolMember | undefined;
    for (const m of candidates) {
      if (m.availableAt > now) continue;
      if (best === undefined || (triedInRun.get(m) ?? 0) < (triedInRun.get(best) ?? 0)) best = m;
    }
    if (best !== undefined) return { member: best, waitMs: 0 };
    let soonest = candidates[0] as PoolMember;
    for (const m of candidates) if (m.availableAt < soonest.availableAt) soonest = m;
    return { member: soonest, waitMs: soonest.availableAt - now };
  }

  /** Runs the identity probe once per (re)join; concurrent runs share it. */
  async function admit(m: PoolMember): Promise<void> {
    if (identify === undefined || (m.identified && Date.now() - m.identifiedAt < reidentifyMs)) return;
    m.identifying ??= identify(m)
      .then(() => {
        m.identified = true;
        m.identifiedAt = Date.now();
        if (m.refused !== undefined) {
          log.info({ chain: opts.name, endpoint: m.label, was: m.refused.actual }, 'endpoint serves the configured chain again; rejoining');
          m.refused = undefined;
        }
      })
      .finally(() => {
        m.identifying = undefined;
      });
    await m.identifying;
  }

  function refuse(m: PoolMember, err: ChainMismatch): void {
    m.identified = false;
    m.consecutiveFailures++;
    m.recheckAt = Date.now() + recheckRefusedMs;
    m.availableAt = m.recheckAt;
    // Runs that shared one probe all see the same error: it is logged once.
    if (m.refused === err) return;
    m.refused = err;
    log.error({ chain: opts.name, endpoint: m.label, configured: err.configured, actual: err.actual }, 'endpoint is on the wrong chain; refused');
  }

  /**
   * Failures after which the endpoint must prove its chain again before its next use: the node
   * may have been restarted or swapped. A rate limit or a block the node does not know yet (a
   * lagging node) says nothing about that, and probing after those would cost a call per request.
   */
  const unsettlesIdentity = (err: RpcError): boolean => err.retryable && err.kind !== 'rate-limited' && err.kind !== 'not-known';

  function penalise(m: PoolMember, err: RpcError): void {
    m.consecutiveFailures++;
    const exp = Math.min(cap, base * 2 ** (m.consecutiveFailures - 1));
    // Full jitter on the upper half keeps several workers from retrying in lockstep.
    let delay = exp / 2 + Math.random() * (exp / 2);
    if (err instanceof RpcRateLimited && err.retryAfterMs !== undefined) delay = Math.max(delay, err.retryAfterMs);
    m.availableAt = Date.now() + delay;
  }

  async function run<T>(label: string, fn: (ep: Endpoint, attempt: number) => Promise<T>): Promise<T> {
    const errors: RpcError[] = [];
    const tried = new Map<PoolMember, number>();
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const { member, waitMs } = pick(tried);
      if (waitMs > 0) await sleep(waitMs);
      try {
        await admit(member);
        const out = await fn(member, attempt);
        member.successes++;
        member.consecutiveFailures = 0;
        return out;
      } catch (err) {
        if (!(err instanceof RpcError)) throw err;
        member.failures[err.kind]++;
        if (err instanceof ChainMismatch) {
          refuse(member, err);
          errors.push(err);
          continue;
        }
        if (unsettlesIdentity(err)) member.identified = false;
        if (!err.retryable) throw err;
        errors.push(err);
        tried.set(member, (tried.get(member) ?? 0) + 1);
        penalise(member, err);
        const last = attempt === maxAttempts;
        if (err instanceof RpcInconsistent) {
          log.warn(
            { chain: opts.name, block: err.blockNumber === undefined ? undefined : Number(err.blockNumber), blockHash: err.blockHash, endpoint: member.label, method: err.method, reason: err.reason, attempt },
            last ? 'rpc answer for wrong block; giving up' : 'rpc answer for wrong block; retrying',
          );
        } else if (err.kind === 'not-known') {
          log.debug({ chain: opts.name, endpoint: member.label, method: err.method, attempt }, 'endpoint does not know the block; asking another');
        } else {
          log.warn(
            { chain: opts.name, endpoint: member.label, method: err.method, kind: err.kind, err: err.message, attempt, operation: label },
            last ? 'rpc request failed; giving up' : 'rpc request failed; retrying',
          );
        }
      }
    }
    throw new RpcUnavailable(opts.name, label, errors);
  }

  async function runUntilKnown<T>(label: string, fn: (ep: Endpoint, attempt: number) => Promise<T | null>): Promise<T | null> {
    const saidNull = new Set<Endpoint>();
    return run(label, async (ep, attempt) => {
      if (saidNull.has(ep)) return null; // every endpoint available to ask has said so
      const out = await fn(ep, attempt);
      if (out !== null) return out;
      saidNull.add(ep);
      const now = Date.now();
      if (members.every((m) => saidNull.has(m) || !inPool(m, now))) return null;
      throw new RpcNotKnown(ep.label, label, 'it');
    });
  }

  async function identifyAll(): Promise<void> {
    if (identify === undefined) return;
    await Promise.all(
      members.map(async (m) => {
        if (!inPool(m, Date.now())) return;
        try {
          await admit(m);
        } catch (err) {
          if (!(err instanceof RpcError)) throw err;
          m.failures[err.kind]++;
          if (err instanceof ChainMismatch) return refuse(m, err);
          // Down or refusing us now: it is probed again before its first use.
          log.warn({ chain: opts.name, endpoint: m.label, method: err.method, kind: err.kind, err: err.message }, 'cannot check which chain the endpoint serves; checking again before using it');
          if (err.retryable) penalise(m, err);
        }
      }),
    );
    if (members.every((m) => m.refused !== undefined)) throw noneLeft();
  }

  return {
    name: opts.name,
    endpoints: members,
    run,
    runUntilKnown,
    identifyAll,
    stats: () =>
      members.map((m) => ({
        label: m.label,
        requests: m.requests,
        calls: m.calls,
        successes: m.successes,
        failures: { ...m.failures },
        consecutiveFailures: m.consecutiveFailures,
        backoffRemainingMs: Math.max(0, m.availableAt - Date.now()),
        ...(m.refused === undefined ? {} : { refused: m.refused.message }),
      })),
    async close() {
      await Promise.all(opts.endpoints.map((e) => e.transport.close()));
    },
  };
}

export { describeCalls };
