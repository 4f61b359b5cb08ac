/**
 * The exchange hook under faults, through the whole pipeline: anvil, Redis (db 3), PostgreSQL,
 * the act stage's alert jobs to a local PagerDuty, /metrics and /readyz. The exchange is a
 * local server that refuses, hangs or accepts per hold.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseForFamily } from '../../src/domain/address.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { createMetrics, type Metrics } from '../../src/pipeline/metrics.js';
import { startPipeline } from '../../src/pipeline/service.js';
import { DEV_ACCOUNTS } from '../helpers/anvil.js';
import { eventually, HOOK_SECRET, LISTED_ETH, sendEth, setUpE2e, type E2e } from './harness.js';

const REFUSED_DEPOSIT = DEV_ACCOUNTS[5];
const STUCK_DEPOSIT = DEV_ACCOUNTS[6];
const OTHER_DEPOSIT = DEV_ACCOUNTS[7];
const ETHER = 10n ** 18n;
/** Undelivered for longer than this, a hold makes the instance not ready. */
const MAX_UNDELIVERED_MS = 1_500;

type Mode = 'refuse' | 'hang' | 'accept';

interface HookRequest {
  readonly account: string;
  readonly key: string;
  readonly headers: IncomingHttpHeaders;
  status: number | 'hanging';
}

/** The exchange: answers per account (`modes`), 200 by default; `hang` never answers. */
async function faultyExchange() {
  const requests: HookRequest[] = [];
  const modes = new Map<string, Mode>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { account: string; key: string };
      const mode = modes.get(payload.account) ?? 'accept';
      const request: HookRequest = { account: payload.account, key: payload.key, headers: req.headers, status: 'hanging' };
      requests.push(request);
      if (mode === 'hang') return;
      request.status = mode === 'refuse' ? 401 : 200;
      res.writeHead(request.status, { 'content-type': 'text/plain' }).end(mode === 'refuse' ? 'invalid signature' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    // A token in the query, as some exchanges hand out: it must not reach an alert.
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cordon/holds?token=exchange-url-token`,
    requests,
    modes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface PdEvent {
  readonly dedup_key: string;
  readonly payload: { readonly summary: string; readonly class: string; readonly severity: string; readonly custom_details: Record<string, unknown> };
}

describe('the exchange hook under faults, end to end on anvil, Redis and postgres', () => {
  let e2e: E2e;
  let exchange: Awaited<ReturnType<typeof faultyExchange>>;
  let metrics: Metrics;
  let http: HttpServer;

  beforeAll(async () => {
    exchange = await faultyExchange();
    e2e = await setUpE2e('postgres', 3);
    for (const [address, accountId] of [
      [REFUSED_DEPOSIT, 'acct-refused'],
      [STUCK_DEPOSIT, 'acct-stuck'],
      [OTHER_DEPOSIT, 'acct-other'],
    ] as const) {
      await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(address, 'evm'), accountId, kind: 'deposit' });
    }
    const base = e2e.config.exchangeHook;
    if (base === undefined) throw new Error('the e2e harness configures an exchange hook');
    const config = {
      ...e2e.config,
      exchangeHook: { ...base, url: exchange.url, timeout: 20_000, concurrency: 4, alertAfterFailures: 3, maxUndeliveredAge: MAX_UNDELIVERED_MS },
    };
    metrics = createMetrics({ defaultMetrics: false });
    const pipeline = await startPipeline({
      config,
      store: e2e.store,
      log: pino({ level: process.env['CORDON_TEST_LOG'] ?? 'silent' }),
      metrics,
      stages: ['follow', 'extract', 'screen', 'act', 'hook'],
    });
    e2e.pipeline = pipeline;
    // As `cordon run` wires it (chain lag left out: this test is about the hook).
    http = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
      deps: {
        store: e2e.store,
        chains: config.chains,
        apiToken: undefined,
        redis: pipeline.ctx.redis,
        storePing: () => e2e.store.db.query('SELECT 1'),
        chainLags: () => [],
        metrics,
        holdCounts: () => e2e.store.holds.countHoldsByState(),
        addressIndex: () => pipeline.ctx.lists.lastIndex(),
        hookDelivery: { maxUndeliveredAgeMs: config.exchangeHook.maxUndeliveredAge },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await http?.close();
    // Ends the hanging request first, so stopping the hook loop does not wait for its timeout.
    await exchange?.close();
    await e2e?.close();
  });

  const holdOf = (accountId: string) =>
    eventually(`the hold on ${accountId}`, async () => (await e2e.store.holds.listHolds({ accountId, limit: 10 }))[0]);
  const hookPages = () =>
    e2e.receivers
      .on('/pd')
      .map((r) => JSON.parse(r.body) as PdEvent)
      .filter((e) => e.payload.class === 'hook_delivery_failing');
  const readyz = async () => {
    const res = await fetch(`${http.url}/readyz`);
    return { status: res.status, json: (await res.json()) as { status: string; checks: { hook?: { ok: boolean; undelivered: number | null; error?: string } } } };
  };
  const deliveries = async (outcome: string) => {
    const metric = await metrics.hookDeliveries.get();
    return metric.values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
  };

  it('a hook answering 401 pages on-call once naming the hold and the status, counts the refusal, and /readyz says so until it is delivered', { timeout: 60_000 }, async () => {
    exchange.modes.set('acct-refused', 'refuse');
    await sendEth(e2e.anvil, LISTED_ETH, REFUSED_DEPOSIT, 2n * ETHER);
    const hold = await holdOf('acct-refused');

    const [page] = await eventually('the hook page', async () => (hookPages().length > 0 ? hookPages() : undefined));
    const firstHour = new Date().toISOString().slice(0, 13);
    expect(page?.payload.severity).toBe('critical');
    expect(page?.payload.summary).toContain(`EXCHANGE REFUSED HOLD ${hold.id}`);
    expect(page?.payload.summary).toContain('acct-refused');
    expect(page?.payload.summary).toContain('HTTP 401: invalid signature');
    expect(page?.payload.custom_details).toMatchObject({ holdId: hold.id, holdKey: hold.holdKey, statusCode: 401, reason: 'refused' });
    expect(await deliveries('refused')).toBe(1);
    expect((await e2e.store.holds.getHold(hold.id))?.hookStatus).toBe('failed');

    // The refused hold waits its long backoff; make it due now to see a second refusal fold into the same page.
    await e2e.store.db.query('UPDATE holds SET hook_next_attempt_at = now() WHERE id = $1', [hold.id]);
    await eventually('a second refusal', async () => ((await deliveries('refused')) >= 2 ? true : undefined));
    // The alert job of the second refusal has run (or was folded) by the time the readiness check below passes.
    const r = await eventually('not ready', async () => {
      const got = await readyz();
      return got.status === 503 ? got : undefined;
    });
    expect(r.json.checks.hook).toMatchObject({ ok: false, undelivered: 1 });
    expect(r.json.checks.hook?.error).toContain(`oldest: hold ${hold.id}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const hours = new Set([firstHour, new Date().toISOString().slice(0, 13)]).size;
    expect(hookPages()).toHaveLength(hours);
    const everything = e2e.receivers.received.map((x) => x.body).join('\n');
    expect(everything).not.toContain(HOOK_SECRET);
    expect(everything).not.toContain('exchange-url-token');

    // The exchange fixes its side; the next attempt goes through and the instance is ready again.
    exchange.modes.set('acct-refused', 'accept');
    await e2e.store.db.query('UPDATE holds SET hook_next_attempt_at = now() WHERE id = $1', [hold.id]);
    await eventually('delivered', async () => ((await e2e.store.holds.getHold(hold.id))?.hookStatus === 'delivered' ? true : undefined));
    expect(await deliveries('delivered')).toBe(1);
    expect(await readyz()).toMatchObject({ status: 200, json: { status: 'ready', checks: { hook: { ok: true, undelivered: 0 } } } });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^cordon_hook_deliveries_total\{outcome="refused"\} 2$/m);
    expect(text).toMatch(/^cordon_hook_undelivered_holds 0$/m);
  });

  it('a hook hanging for one hold does not hold up the next: it is delivered while the first still waits', { timeout: 60_000 }, async () => {
    exchange.modes.set('acct-stuck', 'hang');
    await sendEth(e2e.anvil, LISTED_ETH, STUCK_DEPOSIT, ETHER);
    const stuck = await holdOf('acct-stuck');
    await eventually('the hanging request', async () => (exchange.requests.some((q) => q.key === stuck.holdKey) ? true : undefined));

    await sendEth(e2e.anvil, LISTED_ETH, OTHER_DEPOSIT, ETHER);
    const other = await holdOf('acct-other');
    await eventually('the other hold delivered', async () => ((await e2e.store.holds.getHold(other.id))?.hookStatus === 'delivered' ? true : undefined));
    // The stuck hold's request is still open (its 20 s timeout has not passed): nothing recorded.
    expect(await e2e.store.holds.hookAttempts(stuck.id)).toEqual([]);
    expect(exchange.requests.filter((q) => q.key === stuck.holdKey).map((q) => q.status)).toEqual(['hanging']);
    expect(exchange.requests.filter((q) => q.key === other.holdKey).map((q) => q.status)).toEqual([200]);
    expect(exchange.requests.find((q) => q.key === other.holdKey)?.headers['idempotency-key']).toBe(other.holdKey);
  });
});
