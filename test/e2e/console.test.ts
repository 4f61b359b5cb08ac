/**
 * The analysts' console in a real browser (headless Chromium): a deposit from a listed address
 * on anvil raises a hold through the whole pipeline; an analyst signs in with the keyboard,
 * finds the hold, reads its entity and programs, releases it with a reason, and sees the
 * release in the audit trail and in the API. Without a session nothing is served or done.
 *
 * CORDON_CONSOLE_SCREENSHOTS=docs writes docs/console-queue.png and docs/console-hold.png
 * (the README's pictures); otherwise they go to a temp folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceHttpDeps } from '../../src/cli/service-http.js';
import { freePort } from '../../src/demo/anvil-node.js';
import { normaliseForFamily } from '../../src/domain/address.js';
import { startHttpServer, type HttpServer } from '../../src/http/index.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { pino } from 'pino';
import { DEV_ACCOUNTS } from '../helpers/anvil.js';
import { launchChromium } from '../helpers/chromium.js';
import { RedisServer } from '../helpers/redis-server.js';
import { eventually, LISTED_ETH, sendEth, setUpE2e, type E2e } from './harness.js';

const TOKEN = 'console-test-token-0123456789abcdef';
const DEPOSIT = DEV_ACCOUNTS[1];
const ANALYST = 'Ana Analyst';
const REASON = 'False positive: address reused by a payment processor, case COMP-4711';
const SHOTS = process.env['CORDON_CONSOLE_SCREENSHOTS'] ?? mkdtempSync(join(tmpdir(), 'cordon-console-shots-'));

describe('the analysts’ console in headless Chromium', () => {
  let redis: RedisServer;
  let e2e: E2e;
  let http: HttpServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let holdId: number;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    e2e = await setUpE2e('pglite', 0, '', { redisUrl: redis.url(0) });
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(DEPOSIT, 'evm'), accountId: 'acct-console', kind: 'deposit' });
    const pipeline = await e2e.start();
    http = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
      deps: serviceHttpDeps({
        config: e2e.config,
        store: e2e.store,
        pipeline,
        metrics: createMetrics({ defaultMetrics: false }),
        queueAlert: async () => undefined,
        apiToken: TOKEN,
      }),
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await e2e?.close();
    await redis?.close();
  });

  it('refuses every page and form without a session', async () => {
    const pageRes = await fetch(`${http.url}/console/holds`, { redirect: 'manual' });
    expect(pageRes.status).toBe(303);
    expect(pageRes.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole%2Fholds');
    const post = await fetch(`${http.url}/console/holds/1/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'reason=nope&csrf=x',
    });
    expect(post.status).toBe(403);
    const forged = await fetch(`${http.url}/console/holds`, { redirect: 'manual', headers: { cookie: 'cordon_console=a.9999999999999.QQ.forged' } });
    expect(forged.status).toBe(303);
    await page.goto(`${http.url}/console/holds`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Sign in');
  });

  it('refuses a wrong token at sign-in', async () => {
    await page.getByLabel('Your name').fill(ANALYST);
    await page.getByLabel('API token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong token');
    expect((await context.cookies()).some((c) => c.name === 'cordon_console')).toBe(false);
  });

  it('a deposit from a listed address raises a hold the analyst finds in the queue after signing in with the keyboard', async () => {
    const tx = await sendEth(e2e.anvil, LISTED_ETH, DEPOSIT, 3n * 10n ** 18n);
    const hold = await eventually('the deposit hold', async () => (await e2e.store.holds.listHolds({ accountId: 'acct-console', limit: 1 }))[0]);
    expect(hold.txid).toBe(tx);
    holdId = hold.id;

    await page.goto(`${http.url}/console/sign-in`);
    // The name field takes focus by itself (autofocus runs at the next rendering
    // step, which may come after the load event on a busy machine): once it has
    // it, type, Tab to the token, Enter submits.
    await page.waitForFunction("document.activeElement?.id === 'analyst'", undefined, { timeout: 5_000 });
    await page.keyboard.type(ANALYST);
    await page.keyboard.press('Tab');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${http.url}/console/holds`);
    const cookie = (await context.cookies()).find((c) => c.name === 'cordon_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console', secure: false });

    await expect(page.getByText(`Signed in as ${ANALYST}`).count()).resolves.toBe(1);
    await page.getByLabel('Account', { exact: true }).fill('acct-console');
    await page.getByLabel('State', { exact: true }).selectOption('open');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/state=open/);
    const row = page.getByRole('row').filter({ hasText: 'acct-console' });
    await expect(row.count()).resolves.toBe(1);
    await expect(row.textContent()).resolves.toContain('ANDREYEV, Anton Nikolaeyvich');
    await expect(row.textContent()).resolves.toContain('3 ETH');
    await expect(row.textContent()).resolves.toContain('CYBER2, ELECTION-EO13848');
    await page.screenshot({ path: join(SHOTS, 'console-queue.png') });

    // A filter that matches nothing shows nothing.
    await page.goto(`${http.url}/console/holds?chain=anvil&list=no-such-list`);
    await expect(page.getByText('No holds match.').count()).resolves.toBe(1);
  });

  it('opens the hold: transfer, entity, programs, authority, entry, where the list said so, audit trail, deliveries', async () => {
    await page.goto(`${http.url}/console/holds?account=acct-console`);
    await page.getByRole('link', { name: `Hold #${holdId}` }).click();
    await page.waitForURL(`${http.url}/console/holds/${holdId}`);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('ANDREYEV, Anton Nikolaeyvich');
    expect(text).toContain('CYBER2, ELECTION-EO13848');
    expect(text).toContain('US Treasury OFAC, SDN List');
    expect(text).toContain(`sdn:29703:ETH:${LISTED_ETH}`);
    expect(text).toContain('ofac-sdn-2021 version 1');
    expect(text).toMatch(/Read from.*sdn(_comments)?\.csv:\d+/s);
    expect(text).toContain('3 ETH (3000000000000000000 base units)');
    expect(text).toContain('deposit (into the exchange)');
    await expect(page.locator('#audit').getByRole('row').count()).resolves.toBe(2); // header + raised
    await page.screenshot({ path: join(SHOTS, 'console-hold.png') });
  });

  it('a release without a reason is refused and changes nothing; with a reason it is recorded at once, with who, in the audit trail and the API', async () => {
    // The browser would refuse the empty `required` field itself; post one without it to see the server refuse too.
    await page.locator('#reason-release').evaluate((el) => el.removeAttribute('required'));
    await page.getByRole('button', { name: 'Release hold' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('A reason is required to release');
    expect((await e2e.store.holds.getHold(holdId))?.state).toBe('open');

    await page.locator('#reason-release').fill(REASON);
    await page.getByRole('button', { name: 'Release hold' }).click();
    await page.waitForURL(`${http.url}/console/holds/${holdId}?done=release`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Hold released');
    const last = page.locator('#audit tbody tr').last();
    await expect(last.textContent()).resolves.toMatch(new RegExp(`open\\s*released\\s*${ANALYST}\\s*${REASON}`));
    await expect(page.getByRole('button', { name: 'Release hold' }).count()).resolves.toBe(0);

    const api = await fetch(`${http.url}/v1/holds/${holdId}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await api.json()) as { hold: { state: string }; events: { toState: string; actor: string; reason: string }[] };
    expect(body.hold.state).toBe('released');
    expect(body.events.at(-1)).toMatchObject({ toState: 'released', actor: ANALYST, reason: REASON });
  });

  it('a form post with the session but without its CSRF token is refused', async () => {
    const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(`${http.url}/console/holds/${holdId}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: 'reason=confirming',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('CSRF');
    expect((await e2e.store.holds.getHold(holdId))?.state).toBe('released');
  });

  it('signing out ends the session in the browser', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in/);
    await page.goto(`${http.url}/console/holds/${holdId}`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  });
});
