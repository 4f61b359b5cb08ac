/**
 * The console's pages and forms over HTTP, against a real PGlite store: escaping of what lists
 * and analysts write, sessions (forged, expired, from another site), CSRF, the queue's filters,
 * the pending list version and its diff, the Secure flag. The browser flow is test/e2e/console.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { blockHash } from '../../src/domain/block.js';
import type { Match } from '../../src/domain/match.js';
import { listId, type EntryDraft, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { raiseHold } from '../../src/holds/index.js';
import { issueSession } from '../../src/http/console/session.js';
import type { HttpDeps } from '../../src/http/deps.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { openStore, type Store } from '../../src/store/store.js';

const TOKEN = 'console-pages-token-0123456789abcdef';
const addr = (raw: string) => raw as NormalisedAddress;
const LISTED = addr('0x8589427373d6d84e98730d7795d8f6f8731fda16');
const OTHER = addr('0x2222222222222222222222222222222222222222');
const DEPOSIT = addr('0x1111111111111111111111111111111111111111');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** An entity name no list should have, but a page must show as text, never as markup. */
const HOSTILE_NAME = '<script>alert(1)</script> "Evil" & Co';

const listedEntry: EntryDraft = {
  entryUid: `sdn:30518:ETH:${LISTED}`,
  address: LISTED,
  family: 'evm',
  ticker: 'ETH',
  entityName: HOSTILE_NAME,
  programs: ['CYBER2'],
  source: { file: 'lists/sdn_advanced.xml', element: 'DistinctParty[FixedRef=30518]/Feature[ID=100412]' },
};
const otherEntry: EntryDraft = { ...listedEntry, entryUid: `sdn:1:ETH:${OTHER}`, address: OTHER, entityName: 'OTHER PARTY', programs: ['SDGT'] };

function depositMatch(entry: SanctionEntry, txHash: string, accountId: string, chain: string): Match {
  return {
    transfer: {
      chain,
      blockNumber: 19_000_000n,
      blockHash: blockHash(`0x${'01'.repeat(32)}`),
      txHash,
      position: 'tx',
      kind: 'native',
      asset: { kind: 'native' },
      from: entry.address,
      to: DEPOSIT,
      amount: 1_500_000_000_000_000_000n,
      txFrom: entry.address,
    },
    direction: 'deposit',
    accountId,
    exchangeAddress: DEPOSIT,
    counterparty: entry.address,
    entry,
    policy: 'hold',
    authority: 'OFAC',
    units: { symbol: 'ETH', decimals: 18 },
  };
}

describe('console pages', () => {
  let store: Store;
  let server: HttpServer;
  let secureServer: HttpServer;
  let holdA: number;
  let holdB: number;

  const deps = (over: Partial<HttpDeps> = {}): HttpDeps => ({
    store,
    chains: [
      { id: 'ethereum', family: 'evm' },
      { id: 'polygon', family: 'evm' },
    ],
    apiToken: TOKEN,
    redis: { ping: async () => 'PONG' },
    storePing: () => store.db.query('SELECT 1'),
    chainLags: () => [],
    metrics: createMetrics({ defaultMetrics: false }),
    holdCounts: () => store.holds.countHoldsByState(),
    addressIndex: () => null,
    ...over,
  });

  async function signIn(base = server.url, headers: Record<string, string> = {}): Promise<{ cookie: string; setCookie: string }> {
    const res = await fetch(`${base}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORM, ...headers },
      body: new URLSearchParams({ analyst: 'Sam <b>Analyst</b>', token: TOKEN, next: '/console/holds' }).toString(),
    });
    expect(res.status).toBe(303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    return { cookie: setCookie.split(';')[0] ?? '', setCookie };
  }

  async function get(path: string, cookie: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  }

  const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

  beforeAll(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    const id = listId('ofac-sdn');
    const version = await store.lists.insertSnapshot({ listId: id, contentHash: 'sha256:v1', source: 'lists/sdn_advanced.xml', entries: [listedEntry, otherEntry], addedCount: 2, removedCount: 0 });
    const entryA = { ...listedEntry, listId: id, listVersion: version };
    const entryB = { ...otherEntry, listId: id, listVersion: version };
    holdA = (await raiseHold(store.holds, depositMatch(entryA, `0x${'aa'.repeat(32)}`, 'acct-a', 'ethereum'), 2)).hold.id;
    holdB = (await raiseHold(store.holds, depositMatch(entryB, `0x${'bb'.repeat(32)}`, 'acct-b', 'polygon'), 2)).hold.id;
    // A version that delists OTHER PARTY waits for approval.
    await store.lists.savePendingVersion({ listId: id, contentHash: 'sha256:v2', source: 'lists/sdn_advanced.xml', about: 'date of issue 2025-03-21', reason: 'removes 50% of entries', baseVersion: version, entries: [listedEntry] });
    const log = pino({ level: 'silent' });
    server = await startHttpServer({ host: '127.0.0.1', port: 0, log, deps: deps() });
    secureServer = await startHttpServer({ host: '127.0.0.1', port: 0, log, deps: deps({ secureCookie: 'always' }) });
  });
  afterAll(async () => {
    await server?.close();
    await secureServer?.close();
    await store?.close();
  });

  it('shows list and analyst text as text, never as markup', async () => {
    const { cookie } = await signIn();
    const queue = await get('/console/holds', cookie);
    expect(queue.status).toBe(200);
    expect(queue.text).not.toContain('<script>');
    expect(queue.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;Evil&quot; &amp; Co');
    expect(queue.text).toContain('Signed in as <strong>Sam &lt;b&gt;Analyst&lt;/b&gt;</strong>');
    const page = await get(`/console/holds/${holdA}`, cookie);
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('lists/sdn_advanced.xml DistinctParty[FixedRef=30518]/Feature[ID=100412]');
  });

  it('filters the queue by state, chain, account and list, and counts by state', async () => {
    const { cookie } = await signIn();
    const rows = (text: string) => [...text.matchAll(/<a href="\/console\/holds\/(\d+)">/g)].map((m) => Number(m[1]));
    expect(rows((await get('/console/holds', cookie)).text)).toEqual([holdB, holdA]); // newest first
    expect(rows((await get('/console/holds?chain=polygon', cookie)).text)).toEqual([holdB]);
    expect(rows((await get('/console/holds?account=acct-a', cookie)).text)).toEqual([holdA]);
    expect(rows((await get('/console/holds?list=ofac-sdn&state=open', cookie)).text)).toEqual([holdB, holdA]);
    expect(rows((await get('/console/holds?list=other', cookie)).text)).toEqual([]);
    expect(rows((await get('/console/holds?state=released', cookie)).text)).toEqual([]);
    expect((await get('/console/holds', cookie)).text).toMatch(/open <strong>2<\/strong>/);
    const bad = await get('/console/holds?state=frozen', cookie);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('state must be one of open, released, confirmed, orphaned');
  });

  it('shows the version awaiting approval with what it removes, by party', async () => {
    const { cookie } = await signIn();
    const lists = await get('/console/lists', cookie);
    expect(lists.text).toContain('href="/console/lists/ofac-sdn/pending"');
    const pending = await get('/console/lists/ofac-sdn/pending', cookie);
    expect(pending.status).toBe(200);
    expect(pending.text).toContain('removes 50% of entries');
    expect(pending.text).toContain('adds 0, removes 1, changes 0');
    expect(pending.text).toMatch(/Removed \(1\)[\s\S]*OTHER PARTY/);
    expect((await get('/console/lists/nothing-here/pending', cookie)).status).toBe(404);
  });

  it('refuses forged, expired and foreign sessions, cross-site posts and missing CSRF tokens', async () => {
    const { cookie } = await signIn();
    const [name, value = ''] = cookie.split('=');
    const tampered = `${name}=${value.slice(0, -2)}xx`;
    expect((await get('/console/holds', tampered)).status).toBe(303);
    const expired = issueSession(TOKEN, 'Old', new Date(Date.now() - 9 * 3600_000)).cookie;
    expect((await get('/console/holds', `cordon_console=${expired}`)).status).toBe(303);
    const otherKey = issueSession('another-token-entirely-0123456789', 'Mallory', new Date()).cookie;
    expect((await get('/console/holds', `cordon_console=${otherKey}`)).status).toBe(303);

    const page = await get(`/console/holds/${holdA}`, cookie);
    const csrf = csrfOf(page.text);
    expect(csrf).not.toBe('');
    const post = (headers: Record<string, string>, body: Record<string, string>) =>
      fetch(`${server.url}/console/holds/${holdA}/confirm`, { method: 'POST', redirect: 'manual', headers: { ...FORM, cookie, ...headers }, body: new URLSearchParams(body).toString() });
    expect((await post({ 'sec-fetch-site': 'cross-site' }, { csrf, reason: 'x' })).status).toBe(403);
    expect((await post({}, { csrf: `${csrf}x`, reason: 'x' })).status).toBe(403);
    // Another session's token is not this one's.
    const second = await signIn();
    const otherCsrf = csrfOf((await get(`/console/holds/${holdA}`, second.cookie)).text);
    expect(otherCsrf).not.toBe(csrf);
    expect((await post({}, { csrf: otherCsrf, reason: 'x' })).status).toBe(403);
    expect((await store.holds.getHold(holdA))?.state).toBe('open');
    // With its own token, a confirm needs a reason too, and is recorded as the analyst.
    const noReason = await post({}, { csrf, reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('A reason is required to confirm');
    const ok = await post({}, { csrf, reason: 'Confirmed: same party, case COMP-1' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/console/holds/${holdA}?done=confirm`);
    const events = await store.holds.holdEvents(holdA);
    expect(events.at(-1)).toMatchObject({ toState: 'confirmed', actor: 'Sam <b>Analyst</b>', reason: 'Confirmed: same party, case COMP-1' });
    // Releasing it now is refused by the state machine, shown on the page.
    const refused = await fetch(`${server.url}/console/holds/${holdA}/release`, { method: 'POST', headers: { ...FORM, cookie }, body: new URLSearchParams({ csrf, reason: 'oops' }).toString() });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('cannot release it');
  });

  it('refuses a sign-in from another site and never redirects off the console', async () => {
    const foreign = await fetch(`${server.url}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORM, 'sec-fetch-site': 'cross-site' },
      body: new URLSearchParams({ analyst: 'x', token: TOKEN }).toString(),
    });
    expect(foreign.status).toBe(403);
    for (const next of ['//evil.example/console', 'https://evil.example/', '/v1/holds', '/console\\@evil']) {
      const res = await fetch(`${server.url}/console/sign-in`, { method: 'POST', redirect: 'manual', headers: FORM, body: new URLSearchParams({ analyst: 'x', token: TOKEN, next }).toString() });
      expect(res.headers.get('location'), next).toBe('/console/holds');
    }
  });

  it('marks the cookie Secure behind TLS: when the proxy says https, or always when configured', async () => {
    const plain = await signIn();
    expect(plain.setCookie).toBe(`${plain.cookie}; Path=/console; Max-Age=28800; HttpOnly; SameSite=Strict`);
    expect((await signIn(server.url, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/; Secure$/);
    expect((await signIn(secureServer.url)).setCookie).toMatch(/HttpOnly; SameSite=Strict; Secure$/);
  });

  it('serves the stylesheet and the sign-in page without a session, and nothing else', async () => {
    const css = await fetch(`${server.url}/console/console.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(await css.text()).toContain(':focus-visible');
    const signInPage = await fetch(`${server.url}/console/sign-in`);
    expect(signInPage.status).toBe(200);
    expect(signInPage.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const path of ['/console/holds', `/console/holds/${holdB}`, '/console/lists', '/console/lists/ofac-sdn/pending']) {
      const res = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(303);
      expect(await res.text(), path).toBe('');
    }
    const out = await fetch(`${server.url}/console/sign-out`, { method: 'POST', headers: FORM, body: 'csrf=x' });
    expect(out.status).toBe(403);
  });
});
