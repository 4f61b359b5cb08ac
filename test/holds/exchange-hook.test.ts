import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SanctionEntry } from '../../src/domain/sanction-entry.js';
import {
  deliverHold,
  deliverPending,
  hookPayload,
  hookRetryDelayMs,
  raiseHold,
  runHookDeliveryLoop,
  showHold,
  signHookBody,
  verifyHookSignature,
  type DeliveryReport,
  type HookConfig,
  type HookRetryPolicy,
} from '../../src/holds/index.js';
import type { StoredHold } from '../../src/store/holds-repo.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, depositMatch, freshTx, memoryLogger, openTestStore, seedSdn, type TestStore } from './helpers.js';

const SECRET = 'hook-secret-7f3a9c1e5b2d4f60';
const FAST: HookRetryPolicy = { baseMs: 5, capMs: 40, refusedMinMs: 60 * 60_000, alertAfterAttempts: 10 };

interface Received {
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
  readonly signatureValid: boolean;
  readonly status: number;
}

type Answer = { status: number; body?: string } | 'hang';

/** A stand-in for the exchange: verifies Cordon's signature, answers with `respond` (at once, or after the promise settles). */
async function exchange(respond: (n: number, valid: boolean, key: string) => Answer | Promise<Answer>) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => String(req.headers[name] ?? '');
      const valid = verifyHookSignature(body, header('x-cordon-timestamp'), header('x-cordon-signature'), SECRET, 300);
      void Promise.resolve(respond(received.length + 1, valid, header('idempotency-key'))).then((answer) => {
        if (answer === 'hang') return;
        received.push({ body, headers: req.headers, signatureValid: valid, status: answer.status });
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cordon/holds?tenant=eu`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('hook signature', () => {
  const body = '{"id":1}';
  const now = 1_714_564_800;
  const signature = signHookBody(body, String(now), SECRET);

  it("verifies Cordon's signature of the exact body and timestamp", () => {
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyHookSignature(body, String(now), signature, SECRET, 300, now + 299)).toBe(true);
    expect(verifyHookSignature(Buffer.from(body), String(now), signature, SECRET, 300, now)).toBe(true);
  });

  it('fails verification with a wrong secret, a changed body or timestamp, a stale timestamp or a malformed header', () => {
    expect(verifyHookSignature(body, String(now), signature, 'another-secret-of-16+', 300, now)).toBe(false);
    expect(verifyHookSignature('{"id":2}', String(now), signature, SECRET, 300, now)).toBe(false);
    expect(verifyHookSignature(body, String(now + 1), signature, SECRET, 300, now)).toBe(false);
    expect(verifyHookSignature(body, String(now), signature, SECRET, 300, now + 301)).toBe(false);
    expect(verifyHookSignature(body, String(now), signature.slice(0, -2), SECRET, 300, now)).toBe(false);
    expect(verifyHookSignature(body, 'yesterday', signature, SECRET, 300, now)).toBe(false);
  });

  it('backs off exponentially with jitter up to the cap, and refused holds wait at least the long minimum', () => {
    const policy: HookRetryPolicy = { baseMs: 1_000, capMs: 60_000, refusedMinMs: 900_000, alertAfterAttempts: 8 };
    expect([1, 2, 3, 4].map((n) => hookRetryDelayMs(n, 'retry', null, policy, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(hookRetryDelayMs(3, 'retry', null, policy, () => 0)).toBe(2_000);
    expect(hookRetryDelayMs(50, 'retry', null, policy, () => 1)).toBe(60_000);
    expect(hookRetryDelayMs(1, 'retry', 30_000, policy, () => 0)).toBe(30_000);
    expect(hookRetryDelayMs(1, 'refused', null, policy, () => 0)).toBe(900_000);
  });
});

describe.each(BACKENDS)('exchange hook on %s', (backend) => {
  let opened: TestStore;
  let store: Store;
  let entry: SanctionEntry;

  beforeAll(async () => {
    opened = await openTestStore(backend);
    store = opened.store;
    entry = await seedSdn(store);
  });
  afterAll(async () => {
    await opened?.close();
  });
  // Each test delivers only its own hold: park whatever a test left pending.
  afterEach(async () => {
    await deliverPending(store.holds, null, memoryLogger().log, { limit: 1_000 });
  });

  const raise = async (accountId: string): Promise<StoredHold> =>
    (await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx(), accountId }), 2)).hold;

  it('woken when a hold is raised, the loop delivers it at once instead of at its next poll', async () => {
    const ex = await exchange(() => ({ status: 200 }));
    const { log } = memoryLogger();
    let wake: (() => void) | undefined;
    let unsubscribed = false;
    const stop = new AbortController();
    try {
      const hook: HookConfig = { url: ex.url, secret: SECRET, timeoutMs: 2_000 };
      let passes = 0;
      const loop = runHookDeliveryLoop(store.holds, hook, log, {
        signal: stop.signal,
        pollMs: 600_000,
        retry: FAST,
        onRun: () => void passes++,
        wakeOn: (w) => {
          wake = w;
          return () => void (unsubscribed = true);
        },
      });
      // The first pass finds nothing; the loop then sleeps for ten minutes unless woken.
      for (let i = 0; i < 200 && passes === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const hold = await raise('acct-hook-woken');
      wake?.();
      for (let i = 0; i < 300 && ex.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(ex.received.map((r) => r.headers['idempotency-key'])).toEqual([hold.holdKey]);
      stop.abort();
      await loop;
      expect(unsubscribed).toBe(true);
    } finally {
      stop.abort();
      await ex.close();
    }
  });

  it('delivers a hold exactly once after the exchange answers 503 twice, recording every attempt', async () => {
    const ex = await exchange((n) => (n <= 2 ? { status: 503, body: 'maintenance' } : { status: 200 }));
    const { log, text } = memoryLogger();
    try {
      const hold = await raise('acct-hook-ok');
      const hook: HookConfig = { url: ex.url, secret: SECRET, timeoutMs: 2_000 };
      const stop = new AbortController();
      await runHookDeliveryLoop(store.holds, hook, log, {
        signal: stop.signal,
        pollMs: 5,
        retry: FAST,
        onRun: async () => {
          if ((await store.holds.getHold(hold.id))?.hookStatus === 'delivered') stop.abort();
        },
      });
      expect((await deliverPending(store.holds, hook, log, { retry: FAST })).reports).toEqual([]);

      expect(ex.received.map((r) => r.status)).toEqual([503, 503, 200]);
      expect(ex.received.every((r) => r.signatureValid)).toBe(true);
      expect(ex.received.map((r) => r.headers['idempotency-key'])).toEqual([hold.holdKey, hold.holdKey, hold.holdKey]);
      expect(ex.received[0]?.headers['content-type']).toBe('application/json');
      const payload: unknown = JSON.parse(ex.received[2]?.body ?? 'null');
      expect(payload).toStrictEqual(JSON.parse(JSON.stringify(hookPayload(hold))));
      expect(payload).toMatchObject({
        version: 1,
        key: hold.holdKey,
        account: 'acct-hook-ok',
        amount: '100000000000000000000',
        asset: 'native',
        list: { id: 'ofac-sdn', entryUid: entry.entryUid, programs: ['CYBER2', 'DPRK3'] },
        state: 'open',
      });

      const shown = await showHold(store.holds, hold.id);
      expect(shown.hold).toMatchObject({ hookStatus: 'delivered', hookNextAttemptAt: null });
      expect(shown.hold.hookDeliveredAt).toBeInstanceOf(Date);
      expect(shown.deliveries.map((d) => [d.attempt, d.outcome, d.statusCode, d.error])).toEqual([
        [1, 'failed', 503, 'HTTP 503: maintenance'],
        [2, 'failed', 503, 'HTTP 503: maintenance'],
        [3, 'delivered', 200, null],
      ]);
      expect(text()).not.toContain(SECRET);
    } finally {
      await ex.close();
    }
  });

  it('keeps a hold the exchange refuses (signed with the wrong secret), marks it failed and alerts, without dropping it', async () => {
    const ex = await exchange((_n, valid) => (valid ? { status: 200 } : { status: 401, body: 'bad signature' }));
    const { log, lines } = memoryLogger();
    try {
      const hold = await raise('acct-hook-wrong-secret');
      const wrong: HookConfig = { url: ex.url, secret: 'not-the-shared-secret-0000', timeoutMs: 2_000 };
      expect(await deliverHold(hold, wrong)).toMatchObject({ outcome: 'refused', statusCode: 401, error: 'HTTP 401: bad signature' });
      expect(ex.received[0]?.signatureValid).toBe(false);

      const run = await deliverPending(store.holds, wrong, log, { retry: FAST });
      const report = run.reports.find((r) => r.holdId === hold.id);
      expect(report).toMatchObject({ outcome: 'refused', statusCode: 401, alert: true });
      const after = await store.holds.getHold(hold.id);
      expect(after?.hookStatus).toBe('failed');
      expect(after?.hookNextAttemptAt?.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
      expect(lines.find((l) => l.holdId === hold.id)).toMatchObject({ level: 50, status: 401, holdKey: hold.holdKey });
      // Not due yet: a refused hold waits for the long backoff, it is not hammered.
      expect((await deliverPending(store.holds, wrong, log, { retry: FAST })).reports).toEqual([]);
      // Once the secret is fixed and the backoff is over, it goes through.
      const later = new Date(Date.now() + 2 * 60 * 60_000);
      const fixed = await deliverPending(store.holds, { ...wrong, secret: SECRET }, log, { retry: FAST, clock: () => later });
      expect(fixed.reports.find((r) => r.holdId === hold.id)?.outcome).toBe('delivered');
    } finally {
      await ex.close();
    }
  });

  it('never writes the secret to a log line or a stored error, whatever the exchange answers', async () => {
    let mode: 'echo' | 'hang' = 'echo';
    const ex = await exchange(() => (mode === 'hang' ? 'hang' : { status: 400, body: `invalid signature for key ${SECRET}` }));
    const { log, text, lines } = memoryLogger();
    try {
      const hold = await raise('acct-hook-secret');
      const hook: HookConfig = { url: ex.url, secret: SECRET, timeoutMs: 300 };
      const first = await deliverPending(store.holds, hook, log, { retry: FAST });
      expect(first.reports.find((r) => r.holdId === hold.id)?.error).toBe('HTTP 400: invalid signature for key [redacted]');

      mode = 'hang';
      const later = new Date(Date.now() + 2 * 60 * 60_000);
      const second = await deliverPending(store.holds, hook, log, { retry: FAST, clock: () => later });
      expect(second.reports.find((r) => r.holdId === hold.id)).toMatchObject({ outcome: 'retry', statusCode: null, error: 'no answer within 300 ms' });

      await ex.close();
      const closed = await deliverPending(store.holds, hook, log, { retry: FAST, clock: () => new Date(later.getTime() + 60_000) });
      expect(closed.reports.find((r) => r.holdId === hold.id)).toMatchObject({ outcome: 'retry', error: expect.stringMatching(/^fetch failed: (ECONNREFUSED|UND_ERR_SOCKET|ECONNRESET)/) });

      const stored = (await store.holds.hookAttempts(hold.id)).map((a) => a.error ?? '');
      expect(stored).toHaveLength(3);
      expect(lines.length).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(stored)).not.toContain(SECRET);
      expect(text()).not.toContain(SECRET);
      expect(text()).not.toContain('tenant=eu');
    } finally {
      await ex.close().catch(() => undefined);
    }
  });

  it('marks holds not_configured when no exchange hook is configured', async () => {
    const hold = await raise('acct-no-hook');
    const run = await deliverPending(store.holds, null, memoryLogger().log);
    expect(run.notConfigured).toContain(hold.id);
    expect((await store.holds.getHold(hold.id))?.hookStatus).toBe('not_configured');
  });

  it('a hook that hangs for one hold does not hold up the others: they are delivered while it still waits', async () => {
    let hanging = '';
    const ex = await exchange((_n, _valid, key) => (key === hanging ? 'hang' : { status: 200 }));
    const { log } = memoryLogger();
    const stop = new AbortController();
    try {
      // Raised first, so claimed first: one at a time, it would block the others for its timeout.
      const stuck = await raise('acct-hook-hangs');
      hanging = stuck.holdKey;
      const others = [await raise('acct-hook-other-1'), await raise('acct-hook-other-2'), await raise('acct-hook-other-3')];
      const hook: HookConfig = { url: ex.url, secret: SECRET, timeoutMs: 5_000 };
      const loop = runHookDeliveryLoop(store.holds, hook, log, { signal: stop.signal, pollMs: 20, retry: FAST, concurrency: 2 });
      const delivered = async () => (await Promise.all(others.map((h) => store.holds.getHold(h.id)))).every((h) => h?.hookStatus === 'delivered');
      for (let i = 0; i < 300 && !(await delivered()); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await delivered()).toBe(true);
      // The stuck hold's request is still open: no attempt of it is recorded yet.
      expect(await store.holds.hookAttempts(stuck.id)).toEqual([]);
      expect(ex.received.map((r) => r.headers['idempotency-key']).sort()).toEqual(others.map((h) => h.holdKey).sort());
      hanging = '';
      stop.abort();
      await ex.close();
      await loop;
      // Stopping waited for the hanging request, which ended as a recorded failure: nothing lost.
      expect((await store.holds.hookAttempts(stuck.id)).map((a) => a.outcome)).toEqual(['failed']);
    } finally {
      stop.abort();
      await ex.close();
    }
  });

  it('two workers delivering at once send each hold once: a hold is claimed before it is sent', async () => {
    const ex = await exchange(async () => {
      await new Promise((r) => setTimeout(r, 150));
      return { status: 200 };
    });
    const { log } = memoryLogger();
    try {
      const holds = [await raise('acct-claim-1'), await raise('acct-claim-2'), await raise('acct-claim-3'), await raise('acct-claim-4')];
      const hook: HookConfig = { url: ex.url, secret: SECRET, timeoutMs: 2_000 };
      const runs = await Promise.all([
        deliverPending(store.holds, hook, log, { retry: FAST, concurrency: 4 }),
        deliverPending(store.holds, hook, log, { retry: FAST, concurrency: 4 }),
      ]);
      // Earlier tests' holds (e.g. one left retrying after a hang) may come due meanwhile: count only these four.
      const ours = new Set(holds.map((h) => h.id));
      const keys = new Set(holds.map((h) => h.holdKey));
      expect(runs.flatMap((r) => r.reports.map((x) => x.holdId)).filter((id) => ours.has(id)).sort()).toEqual([...ours].sort());
      expect(ex.received.map((r) => String(r.headers['idempotency-key'])).filter((k) => keys.has(k)).sort()).toEqual([...keys].sort());
      for (const h of holds) expect((await store.holds.hookAttempts(h.id)).map((a) => a.attempt)).toEqual([1]);
    } finally {
      await ex.close();
    }
  });

  it('a refusal carries a page naming the hold and the answer at once; transient failures only from alertAfterAttempts', async () => {
    let answer: Answer = { status: 401, body: 'bad signature' };
    const ex = await exchange(() => answer);
    const { log } = memoryLogger();
    const seen: DeliveryReport[] = [];
    try {
      const refusedHold = await raise('acct-page-refused');
      const hook: HookConfig = { url: `${ex.url}&token=in-the-query`, secret: SECRET, timeoutMs: 300 };
      await deliverPending(store.holds, hook, log, { retry: FAST, onDelivery: (r) => void seen.push(r) });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ holdId: refusedHold.id, result: 'refused', statusCode: 401, alert: true, failedAttempts: 1 });
      const page = seen[0]?.page;
      expect(page).toMatchObject({
        kind: 'hook_delivery_failing',
        severity: 'critical',
        details: { holdId: refusedHold.id, holdKey: refusedHold.holdKey, accountId: 'acct-page-refused', statusCode: 401, reason: 'refused' },
      });
      expect(page?.summary).toContain(`HOLD ${refusedHold.id}`);
      expect(page?.summary).toContain('HTTP 401: bad signature');
      expect(JSON.stringify(page)).not.toContain(SECRET);
      expect(JSON.stringify(page)).not.toContain('token');
      expect(JSON.stringify(page)).not.toContain('/cordon/holds');
      await deliverPending(store.holds, null, log, { limit: 1_000 });
      await store.holds.markHookNotConfigured(refusedHold.id);

      answer = { status: 503 };
      const failing = await raise('acct-page-failing');
      const policy = { ...FAST, alertAfterAttempts: 3 };
      let clock = Date.now();
      seen.length = 0;
      for (let i = 0; i < 4; i++) {
        if (i === 3) answer = 'hang';
        clock += 60_000;
        const at = new Date(clock);
        await deliverPending(store.holds, hook, log, { retry: policy, clock: () => at, onDelivery: (r) => void seen.push(r) });
      }
      expect(seen.map((r) => [r.result, r.failedAttempts, r.alert, r.page?.severity ?? null])).toEqual([
        ['failed', 1, false, null],
        ['failed', 2, false, null],
        ['failed', 3, true, 'error'],
        ['timeout', 4, true, 'error'],
      ]);
      expect(seen[3]?.page?.details).toMatchObject({ holdId: failing.id, reason: 'failing', statusCode: null, error: 'no answer within 300 ms' });
    } finally {
      await ex.close();
    }
  });
});
