import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { blockHash } from '../../src/domain/block.js';
import type { Match } from '../../src/domain/match.js';
import { listId, type EntryDraft, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { raiseHold } from '../../src/holds/index.js';
import type { ChainLag, HttpDeps, RedisPing } from '../../src/http/deps.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { readiness } from '../../src/http/health-routes.js';
import { createLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { AddressIndex } from '../../src/sanctions/address-index.js';
import type { HoldState } from '../../src/store/holds-repo.js';
import { openStore, type Store } from '../../src/store/store.js';

const TOKEN = `tok_${randomBytes(16).toString('hex')}`;
const addr = (raw: string) => raw as NormalisedAddress;
const TORNADO = addr('0x8589427373d6d84e98730d7795d8f6f8731fda16');
const TORNADO_CHECKSUMMED = '0x8589427373D6D84E98730D7795D8f6f8731FDA16';
const DEPOSIT = addr('0x1111111111111111111111111111111111111111');
const TX_A = `0x${'aa'.repeat(32)}`;

const tornadoEntry: EntryDraft = {
  entryUid: `sdn:30518:ETH:${TORNADO}`,
  address: TORNADO,
  family: 'evm',
  ticker: 'ETH',
  entityName: 'TORNADO CASH',
  programs: ['CYBER2', 'DPRK3'],
  source: { file: 'lists/sdn_advanced.xml', element: 'DistinctParty[FixedRef=30518]/Feature[ID=100412]' },
};

function depositMatch(entry: SanctionEntry, txHash: string, accountId: string): Match {
  return {
    transfer: {
      chain: 'ethereum',
      blockNumber: 19_000_000n,
      blockHash: blockHash(`0x${'01'.repeat(32)}`),
      txHash,
      position: 'tx',
      kind: 'native',
      asset: { kind: 'native' },
      from: TORNADO,
      to: DEPOSIT,
      amount: 100_000_000_000_000_000_000n,
      txFrom: TORNADO,
    },
    direction: 'deposit',
    accountId,
    exchangeAddress: DEPOSIT,
    counterparty: TORNADO,
    entry,
    policy: 'hold',
    authority: 'OFAC',
    units: { symbol: 'ETH', decimals: 18 },
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('http api', () => {
  let store: Store;
  let server: HttpServer;
  let redis: Redis;
  let deadRedis: Redis;
  let currentRedis: RedisPing;
  let lags: ChainLag[];
  let entry: SanctionEntry;
  let index: AddressIndex | null;
  const logLines: string[] = [];

  const deps = (): HttpDeps => ({
    store,
    chains: [
      { id: 'ethereum', family: 'evm' },
      { id: 'bitcoin', family: 'bitcoin' },
    ],
    apiToken: TOKEN,
    redis: { ping: () => currentRedis.ping() },
    storePing: () => store.db.query('SELECT 1'),
    chainLags: () => lags,
    metrics: createMetrics(),
    holdCounts: async () => {
      const rows = await store.db.query<{ state: HoldState; n: number }>('SELECT state, count(*)::int AS n FROM holds GROUP BY state');
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    addressIndex: () => index,
    checkTimeoutMs: 1_000,
  });

  const log = createLogger(
    { level: 'trace', pretty: false },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );

  async function call(
    method: string,
    path: string,
    opts: { body?: unknown; token?: string | null; raw?: string; contentType?: string; base?: string } = {},
  ): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? TOKEN : opts.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined || opts.raw !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      body = opts.raw ?? JSON.stringify(opts.body);
    }
    const res = await fetch(`${opts.base ?? server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text }, headers: res.headers };
  }

  /** A POST without content-length (chunked), `size` bytes of JSON: the limit holds while streaming. */
  function chunkedPost(path: string, size: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const json = JSON.stringify({ chain: 'x'.repeat(Math.max(0, size - 12)) });
      for (let i = 0; i < json.length; i += 8_192) req.write(json.slice(i, i + 8_192));
      req.end();
    });
  }

  beforeAll(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    const id = listId('ofac-sdn');
    const version = await store.lists.insertSnapshot({
      listId: id,
      contentHash: 'sha256:http-test',
      source: 'lists/sdn_advanced.xml',
      entries: [tornadoEntry],
      addedCount: 1,
      removedCount: 0,
    });
    entry = { ...tornadoEntry, listId: id, listVersion: version };
    index = new AddressIndex([entry]);
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
    deadRedis = new Redis({
      host: '127.0.0.1',
      port: await closedPort(),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: 300,
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => undefined);
    currentRedis = redis;
    lags = [{ chain: 'ethereum', lag: 2n, maxLag: 20 }];
    server = await startHttpServer({ host: '127.0.0.1', port: 0, deps: deps(), log });
  });

  afterAll(async () => {
    await server?.close();
    redis?.disconnect();
    deadRedis?.disconnect();
    await store?.close();
  });

  describe('health and readiness', () => {
    it('answers /healthz while the process runs', async () => {
      expect(await call('GET', '/healthz', { token: null })).toMatchObject({ status: 200, json: { status: 'ok' } });
    });

    it('is ready when Redis, the store and every chain answer', async () => {
      const r = await call('GET', '/readyz', { token: null });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        status: 'ready',
        checks: { redis: { ok: true }, store: { ok: true }, chains: { ethereum: { ok: true, lag: '2', maxLag: 20 } } },
      });
    });

    it('warns, while staying ready, when the configuration follows no chain', async () => {
      expect((await call('GET', '/readyz', { token: null })).json['warnings']).toBeUndefined();
      const r = await readiness({ ...deps(), chains: [], chainLags: () => [] });
      expect(r.status).toBe('ready');
      expect(r.warnings).toEqual([expect.stringMatching(/^no chain is configured \(chains: \[\]\): Cordon follows no deposits or withdrawals and raises no holds/)]);
    });

    it('is not ready when a chain lags more than its maxLag, or has no head yet', async () => {
      lags = [
        { chain: 'ethereum', lag: 21n, maxLag: 20 },
        { chain: 'bitcoin', lag: null, maxLag: 3 },
      ];
      try {
        const r = await call('GET', '/readyz', { token: null });
        expect(r.status).toBe(503);
        expect(r.json).toMatchObject({
          status: 'not_ready',
          checks: {
            redis: { ok: true },
            chains: {
              ethereum: { ok: false, lag: '21', error: '21 blocks behind the head (max 20)' },
              bitcoin: { ok: false, lag: null, error: 'no chain head seen yet' },
            },
          },
        });
      } finally {
        lags = [{ chain: 'ethereum', lag: 2n, maxLag: 20 }];
      }
    });

    it('is not ready when Redis is unreachable, and says so', async () => {
      currentRedis = deadRedis;
      try {
        const started = Date.now();
        const r = await call('GET', '/readyz', { token: null });
        expect(r.status).toBe(503);
        expect(r.json).toMatchObject({ status: 'not_ready', checks: { redis: { ok: false, error: expect.stringMatching(/^redis PING failed: /) }, store: { ok: true } } });
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        currentRedis = redis;
      }
      expect((await call('GET', '/readyz', { token: null })).status).toBe(200);
    });

    it('does not hang on a dependency that never answers', async () => {
      currentRedis = { ping: () => new Promise<string>(() => undefined) };
      try {
        const r = await call('GET', '/readyz', { token: null });
        expect(r).toMatchObject({ status: 503, json: { checks: { redis: { ok: false, error: 'redis PING failed: no answer within 1000 ms' } } } });
      } finally {
        currentRedis = redis;
      }
    });
  });

  describe('readiness and the exchange hook', () => {
    it('is not ready while a hold is undelivered past maxUndeliveredAge, naming how many and the oldest, and ready once delivered', async () => {
      // A store of its own: other tests' holds stay pending in the shared one.
      const own = await openStore({ driver: 'pglite', dataDir: 'memory://' });
      const version = await own.lists.insertSnapshot({
        listId: listId('ofac-sdn'),
        contentHash: 'sha256:http-hook-test',
        source: 'lists/sdn_advanced.xml',
        entries: [tornadoEntry],
        addedCount: 1,
        removedCount: 0,
      });
      const ownEntry = { ...tornadoEntry, listId: listId('ofac-sdn'), listVersion: version };
      const hooked = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        deps: { ...deps(), store: own, storePing: () => own.db.query('SELECT 1'), hookDelivery: { maxUndeliveredAgeMs: 300 } },
        log,
      });
      try {
        expect(await call('GET', '/readyz', { token: null, base: hooked.url })).toMatchObject({
          status: 200,
          json: { status: 'ready', checks: { hook: { ok: true, undelivered: 0, maxAgeSeconds: 0 } } },
        });
        const { hold } = await raiseHold(own.holds, depositMatch(ownEntry, `0x${'d1'.repeat(32)}`, 'acct-undelivered'), 2);
        await raiseHold(own.holds, depositMatch(ownEntry, `0x${'d2'.repeat(32)}`, 'acct-undelivered'), 2);
        // Younger than the threshold: not yet a problem.
        expect((await call('GET', '/readyz', { token: null, base: hooked.url })).status).toBe(200);
        await new Promise((r) => setTimeout(r, 400));
        const r = await call('GET', '/readyz', { token: null, base: hooked.url });
        expect(r.status).toBe(503);
        expect(r.json).toMatchObject({
          status: 'not_ready',
          checks: { redis: { ok: true }, store: { ok: true }, hook: { ok: false, undelivered: 2, oldest: { id: hold.id, key: hold.holdKey } } },
        });
        const error = String((r.json['checks'] as { hook: { error: string } }).hook.error);
        expect(error).toMatch(new RegExp(`^2 holds not delivered to the exchange hook for more than 0 s \\(oldest: hold ${hold.id}, raised \\d+ s ago\\)`));
        const metrics = await (await fetch(`${hooked.url}/metrics`)).text();
        expect(metrics).toMatch(/^cordon_hook_undelivered_holds 2$/m);
        expect(metrics).toMatch(/^cordon_hook_oldest_undelivered_seconds 0\.[3-9]\d*|^cordon_hook_oldest_undelivered_seconds [1-9]/m);

        for (const h of await own.holds.listHolds({ limit: 10 })) await own.holds.markHookDelivered(h.id);
        expect(await call('GET', '/readyz', { token: null, base: hooked.url })).toMatchObject({ status: 200, json: { checks: { hook: { ok: true, undelivered: 0 } } } });
        expect(await (await fetch(`${hooked.url}/metrics`)).text()).toMatch(/^cordon_hook_undelivered_holds 0$/m);
        // Without an exchange hook there is nothing to deliver, and no check.
        const plain = await call('GET', '/readyz', { token: null });
        expect((plain.json['checks'] as Record<string, unknown>)['hook']).toBeUndefined();
      } finally {
        await hooked.close();
        await own.close();
      }
    });
  });

  describe('metrics', () => {
    it('serves Prometheus text with holds by state counted from the store and the default metrics', async () => {
      await raiseHold(store.holds, depositMatch(entry, `0x${'ee'.repeat(32)}`, 'acct-metrics'), 3);
      const res = await fetch(`${server.url}/metrics`);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(text).toMatch(/^cordon_holds\{state="open"\} [1-9]\d*$/m);
      expect(text).toMatch(/^cordon_holds\{state="released"\} \d+$/m);
      expect(text).toContain('cordon_process_cpu_user_seconds_total');
      expect(text).toContain('cordon_nodejs_eventloop_lag_seconds');
    });
  });

  describe('auth', () => {
    const body = { chain: 'ethereum', address: TORNADO_CHECKSUMMED, accountId: 'acct-auth', kind: 'deposit' };

    it('refuses a write without a token or with a wrong one, and takes it with the right one', async () => {
      const none = await call('POST', '/v1/addresses', { body, token: null });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await call('POST', '/v1/addresses', { body, token: `${TOKEN}x` })).status).toBe(401);
      expect((await call('POST', '/v1/addresses', { body, token: TOKEN.toUpperCase() })).status).toBe(401);
      const ok = await call('POST', '/v1/addresses', { body });
      expect(ok.status).toBe(201);
    });

    it('refuses the whole /v1 API with 503 while no token is configured, but still serves health', async () => {
      const open = await startHttpServer({ host: '127.0.0.1', port: 0, deps: { ...deps(), apiToken: undefined }, log });
      try {
        const r = await call('POST', '/v1/addresses', { body, token: 'anything-at-all-here', base: open.url });
        expect(r.status).toBe(503);
        expect(r.json['error']).toContain('CORDON_API_TOKEN');
        expect((await call('GET', '/v1/holds', { base: open.url })).status).toBe(503);
        expect((await call('GET', '/healthz', { token: null, base: open.url })).status).toBe(200);
      } finally {
        await open.close();
      }
    });

    it('keeps /readyz and /metrics open by default, and behind the token with http.probeAuth: token; /healthz stays open', async () => {
      expect((await call('GET', '/metrics', { token: null })).status).toBe(200);
      const guarded = await startHttpServer({ host: '127.0.0.1', port: 0, deps: { ...deps(), probesNeedToken: true }, log });
      try {
        expect((await call('GET', '/metrics', { token: null, base: guarded.url })).status).toBe(401);
        expect((await call('GET', '/readyz', { token: null, base: guarded.url })).status).toBe(401);
        expect((await call('GET', '/metrics', { base: guarded.url })).status).toBe(200);
        expect([200, 503]).toContain((await call('GET', '/readyz', { base: guarded.url })).status);
        expect((await call('GET', '/healthz', { token: null, base: guarded.url })).status).toBe(200);
      } finally {
        await guarded.close();
      }
    });

    it('refuses to start with a token too short to be a secret', async () => {
      await expect(startHttpServer({ host: '127.0.0.1', port: 0, deps: { ...deps(), apiToken: 'short' }, log })).rejects.toThrow(
        /at least 16/,
      );
    });
  });

  describe('POST /v1/addresses', () => {
    it('stores the address normalised for the chain and returns the row', async () => {
      const r = await call('POST', '/v1/addresses', {
        body: { chain: 'ethereum', address: TORNADO_CHECKSUMMED, accountId: 'acct-7731', kind: 'deposit' },
      });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ chain: 'ethereum', address: TORNADO, accountId: 'acct-7731', kind: 'deposit' });
      expect(await store.accounts.findWatchedAddress('ethereum', TORNADO)).toMatchObject({ accountId: 'acct-7731' });
    });

    it.each([
      ['a bad checksum', { chain: 'ethereum', address: '0x8589427373D6D84E98730D7795D8f6f8731FDa16', accountId: 'a', kind: 'deposit' }, 'address', /EIP-55/],
      ['an address of another family', { chain: 'bitcoin', address: TORNADO, accountId: 'a', kind: 'deposit' }, 'address', /not as bitcoin|bitcoin/],
      ['an unknown chain', { chain: 'solana', address: TORNADO, accountId: 'a', kind: 'deposit' }, 'chain', /unknown chain "solana"/],
      ['a missing account', { chain: 'ethereum', address: TORNADO, kind: 'deposit' }, 'accountId', /accountId is required/],
      ['a bad kind', { chain: 'ethereum', address: TORNADO, accountId: 'a', kind: 'cold' }, 'kind', /deposit or hot_wallet/],
      ['a misspelt field', { chain: 'ethereum', address: TORNADO, account_id: 'a', kind: 'deposit' }, 'account_id', /unknown field/],
    ])('answers 400 naming the field for %s', async (_name, body, field, message) => {
      const r = await call('POST', '/v1/addresses', { body });
      expect(r.status).toBe(400);
      expect(r.json['field']).toBe(field);
      expect(String(r.json['error'])).toMatch(message);
    });

    it('takes JSON only, within the size limit', async () => {
      expect((await call('POST', '/v1/addresses', { raw: 'chain=ethereum', contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
      expect((await call('POST', '/v1/addresses', { raw: '{"chain":' })).status).toBe(400);
      const big = await call('POST', '/v1/addresses', { raw: JSON.stringify({ chain: 'x'.repeat(70_000) }) });
      expect(big.status).toBe(413);
      expect(await chunkedPost('/v1/addresses', 70_000)).toBe(413);
      expect(await chunkedPost('/v1/addresses', 10)).toBe(400);
      expect((await call('GET', '/v1/addresses')).status).toBe(405);
      expect((await call('GET', '/v1/nothing-here')).status).toBe(404);
    });
  });

  describe('POST /v1/withdrawals', () => {
    it('records a withdrawal (201), completes it with its txid (200), and refuses contradictions (409)', async () => {
      const first = await call('POST', '/v1/withdrawals', {
        body: { id: 'wd-100', chain: 'ethereum', destination: TORNADO_CHECKSUMMED, accountId: 'acct-7731' },
      });
      expect(first.status).toBe(201);
      expect(first.json).toMatchObject({ id: 'wd-100', destination: TORNADO, txid: null, accountId: 'acct-7731' });

      const completed = await call('POST', '/v1/withdrawals', {
        body: { id: 'wd-100', chain: 'ethereum', txid: TX_A.toUpperCase().replace('0X', '0x'), accountId: 'acct-7731' },
      });
      expect(completed.status).toBe(200);
      expect(completed.json).toMatchObject({ txid: TX_A, destination: TORNADO });
      expect((await store.accounts.findWithdrawalByTxid('ethereum', TX_A))?.id).toBe('wd-100');

      const otherTxid = await call('POST', '/v1/withdrawals', {
        body: { id: 'wd-100', chain: 'ethereum', txid: `0x${'bb'.repeat(32)}`, accountId: 'acct-7731' },
      });
      expect(otherTxid).toMatchObject({ status: 409, json: { field: 'txid' } });

      const otherAccount = await call('POST', '/v1/withdrawals', {
        body: { id: 'wd-100', chain: 'ethereum', txid: TX_A, accountId: 'acct-other' },
      });
      expect(otherAccount.status).toBe(409);

      const sameTxidOtherId = await call('POST', '/v1/withdrawals', {
        body: { id: 'wd-101', chain: 'ethereum', txid: TX_A, accountId: 'acct-other' },
      });
      expect(sameTxidOtherId.status).toBe(409);
      expect(sameTxidOtherId.json['error']).toContain('wd-100');
    });

    it('answers 400 naming the field for a bad txid or a missing txid and destination', async () => {
      const bad = await call('POST', '/v1/withdrawals', { body: { id: 'wd-200', chain: 'ethereum', txid: '0x1234', accountId: 'a' } });
      expect(bad).toMatchObject({ status: 400, json: { field: 'txid' } });
      const neither = await call('POST', '/v1/withdrawals', { body: { id: 'wd-201', chain: 'ethereum', accountId: 'a' } });
      expect(neither).toMatchObject({ status: 400, json: { field: 'txid' } });
      const badDest = await call('POST', '/v1/withdrawals', { body: { id: 'wd-202', chain: 'ethereum', destination: 'bc1q', accountId: 'a' } });
      expect(badDest).toMatchObject({ status: 400, json: { field: 'destination' } });
    });
  });

  describe('holds', () => {
    it('lists, shows and releases a hold, with the release in its audit trail', async () => {
      const { hold } = await raiseHold(store.holds, depositMatch(entry, `0x${'c1'.repeat(32)}`, 'acct-holds'), 2);
      await raiseHold(store.holds, depositMatch(entry, `0x${'c2'.repeat(32)}`, 'acct-holds'), 2);

      const list = await call('GET', '/v1/holds?state=open&account=acct-holds');
      expect(list.status).toBe(200);
      const holds = list.json['holds'] as { id: number; amount: string; accountId: string }[];
      expect(holds).toHaveLength(2);
      expect(holds.every((h) => h.accountId === 'acct-holds')).toBe(true);
      expect(holds[0]?.amount).toBe('100000000000000000000');
      // The amount in the asset's units next to the base units, and the list's authority.
      expect(holds[0]).toMatchObject({ amountInUnits: '100', units: { symbol: 'ETH', decimals: 18 }, authority: 'OFAC', entityName: 'TORNADO CASH' });
      expect((await call('GET', '/v1/holds?state=nope')).json).toMatchObject({ field: 'state' });
      // The console's filters, in the API too.
      expect((await call('GET', '/v1/holds?account=acct-holds&chain=ethereum&list=ofac-sdn')).json['holds']).toHaveLength(2);
      expect((await call('GET', '/v1/holds?account=acct-holds&chain=bitcoin')).json['holds']).toHaveLength(0);
      expect((await call('GET', '/v1/holds?account=acct-holds&list=other')).json['holds']).toHaveLength(0);

      const shown = await call('GET', `/v1/holds/${hold.id}`);
      expect(shown.status).toBe(200);
      expect(shown.json).toMatchObject({ hold: { id: hold.id, state: 'open', programs: ['CYBER2', 'DPRK3'], amountInUnits: '100', authority: 'OFAC' }, events: [{ toState: 'open' }] });
      expect((await call('GET', `/v1/holds/${encodeURIComponent(hold.holdKey)}`)).json).toMatchObject({ hold: { id: hold.id } });

      const noReason = await call('POST', `/v1/holds/${hold.id}/release`, { body: { actor: 'analyst@exchange' } });
      expect(noReason).toMatchObject({ status: 400, json: { field: 'reason' } });

      const released = await call('POST', `/v1/holds/${hold.id}/release`, {
        body: { actor: 'analyst@exchange', reason: 'false positive, case COMP-123' },
      });
      expect(released.status).toBe(200);
      expect(released.json).toMatchObject({
        hold: { state: 'released' },
        event: { fromState: 'open', toState: 'released', actor: 'analyst@exchange', reason: 'false positive, case COMP-123' },
      });
      const after = await call('GET', `/v1/holds/${hold.id}`);
      expect((after.json['events'] as { toState: string }[]).map((e) => e.toState)).toEqual(['open', 'released']);

      const again = await call('POST', `/v1/holds/${hold.id}/confirm`, { body: { actor: 'analyst@exchange' } });
      expect(again.status).toBe(409);
      expect(String(again.json['error'])).toContain('released');
    });

    it('confirms a hold, and answers 404 for one that does not exist', async () => {
      const { hold } = await raiseHold(store.holds, depositMatch(entry, `0x${'c3'.repeat(32)}`, 'acct-confirm'), 2);
      const confirmed = await call('POST', `/v1/holds/${hold.id}/confirm`, { body: { actor: 'mlro' } });
      expect(confirmed).toMatchObject({ status: 200, json: { hold: { state: 'confirmed' }, event: { actor: 'mlro', reason: null } } });
      expect((await call('GET', '/v1/holds/999999')).status).toBe(404);
      expect((await call('POST', '/v1/holds/999999/release', { body: { actor: 'a', reason: 'b' } })).status).toBe(404);
    });
  });

  describe('GET /v1/screen/:address', () => {
    it('flags a listed address however it is written, with the entry and its programs', async () => {
      const r = await call('GET', `/v1/screen/${TORNADO_CHECKSUMMED}?chain=ethereum`);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        chain: 'ethereum',
        listed: true,
        matches: [{ listId: 'ofac-sdn', entryUid: tornadoEntry.entryUid, entityName: 'TORNADO CASH', programs: ['CYBER2', 'DPRK3'] }],
      });
      const anyChain = await call('GET', `/v1/screen/${TORNADO.toUpperCase().replace('0X', '0x')}`);
      expect(anyChain.json).toMatchObject({ chain: null, listed: true });
    });

    it('says an unlisted address is not listed, and refuses a bad one for the chain', async () => {
      expect((await call('GET', `/v1/screen/${DEPOSIT}?chain=ethereum`)).json).toMatchObject({ listed: false, matches: [] });
      expect(await call('GET', `/v1/screen/${TORNADO}?chain=bitcoin`)).toMatchObject({ status: 400, json: { field: 'address' } });
      expect(await call('GET', `/v1/screen/${TORNADO}?chain=solana`)).toMatchObject({ status: 400, json: { field: 'chain' } });
      expect((await call('GET', `/v1/screen/${TORNADO}`, { token: null })).status).toBe(401);
    });

    it('never says "not listed" for input it cannot read as an address; a broken checksum says whether the lower case is listed', async () => {
      expect(await call('GET', '/v1/screen/hello')).toMatchObject({ status: 400, json: { field: 'address', error: 'invalid address: not an address of any known format' } });
      expect(await call('GET', '/v1/screen/1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3')).toMatchObject({ status: 400, json: { error: 'invalid address: bad base58check checksum' } });
      // One letter's case changed in the EIP-55 spelling of a listed address.
      const flipped = TORNADO_CHECKSUMMED.replace(/[a-f]/, (c) => c.toUpperCase());
      const r = await call('GET', `/v1/screen/${flipped}`);
      expect(r).toMatchObject({ status: 400, json: { error: 'invalid address: bad EIP-55 checksum', lowerCase: { listed: true, matches: [{ entityName: 'TORNADO CASH' }] } } });
    });

    it('answers 503 while the lists are not loaded', async () => {
      const saved = index;
      index = null;
      try {
        expect((await call('GET', `/v1/screen/${TORNADO}?chain=ethereum`)).status).toBe(503);
      } finally {
        index = saved;
      }
    });
  });

  describe('logs', () => {
    it('never contain the token or the Authorization header, after every request above', () => {
      const all = logLines.join('');
      expect(all).toContain('http request');
      expect(all).not.toContain(TOKEN);
      expect(all.toLowerCase()).not.toContain('bearer');
      expect(all.toLowerCase()).not.toContain('authorization');
    });
  });
});
