import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChannels, type AlertChannelConfig } from '../../src/alerts/create-channels.js';
import { createAlertDispatcher, type AlertDispatcherOptions, type DispatchResult } from '../../src/alerts/dispatcher.js';
import { verifyWebhookSignature } from '../../src/alerts/webhook-signature.js';
import type { Alert } from '../../src/domain/alert.js';
import { openStore, type Store } from '../../src/store/index.js';
import { captureLog, holdAlert } from './fixtures.js';
import { startReceiver, type Receiver } from './receiver.js';

const ROUTING_KEY = 'R0UTINGKEY00000000000000SECRET42';
const SLACK_PATH = '/services/T000/B000/SLACKSECRETTOKEN123';
const HOOK_SECRET = 'whsec-0123456789abcdef-HOOKSECRET';
const HOOK_PATH = '/cordon/alerts?token=HOOKQUERYTOKEN99';
const SECRETS = [ROUTING_KEY, 'SLACKSECRETTOKEN123', HOOK_SECRET, 'HOOKQUERYTOKEN99'];

const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 4, maxTotalMs: 10_000 };

let store: Store;
const logs = captureLog();
const results: DispatchResult[] = [];
let receivers: Receiver[] = [];
/** Which receiver got a request, in arrival order across all of them. */
let arrivals: string[] = [];

beforeAll(async () => {
  store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
  arrivals = [];
});

async function receiver(name: string, fallback: { status: number; body?: string }): Promise<Receiver> {
  const r = await startReceiver(fallback);
  receivers.push(r);
  const push = r.requests.push.bind(r.requests);
  r.requests.push = (...items) => {
    arrivals.push(name);
    return push(...items);
  };
  return r;
}

/** PagerDuty, Slack and a webhook, each a local receiver answering like the real service. */
async function onCall(overrides: Partial<AlertDispatcherOptions> = {}) {
  const pd = await receiver('pagerduty', { status: 202, body: '{"status":"success","message":"Event processed"}' });
  const slack = await receiver('slack', { status: 200, body: 'ok' });
  const hook = await receiver('webhook', { status: 204 });
  const config: AlertChannelConfig[] = [
    { type: 'pagerduty', name: 'pd-compliance', routingKey: ROUTING_KEY, severity: 'critical' },
    { type: 'slack', name: 'slack-compliance', webhookUrl: `${slack.url}${SLACK_PATH}` },
    { type: 'webhook', name: 'case-system', url: `${hook.url}${HOOK_PATH}`, secret: HOOK_SECRET },
  ];
  const dispatcher = createAlertDispatcher({
    channels: createChannels(config, { pagerDutyUrl: `${pd.url}/v2/enqueue`, timeoutMs: 2_000 }),
    alertsRepo: store.alerts,
    log: logs.log,
    rateLimitPerMinute: 600,
    retry: FAST_RETRY,
    ...overrides,
  });
  const dispatch = async (alert: Alert) => {
    const r = await dispatcher.dispatch(alert);
    results.push(r);
    return r;
  };
  return { pd, slack, hook, dispatch };
}

const outcome = (r: DispatchResult, channel: string) => r.outcomes.find((o) => o.channel === channel);
const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

async function recorded(channel: string, dedupKey: string): Promise<string | undefined> {
  const rows = await store.db.query<{ status: string }>('SELECT status FROM alerts_sent WHERE channel = $1 AND dedup_key = $2', [channel, dedupKey]);
  return rows[0]?.status;
}

describe('alert dispatch to on-call channels', () => {
  it('a hold alert reaches PagerDuty, Slack and the webhook exactly once, keyed by the hold key and naming the legal basis', async () => {
    const { pd, slack, hook, dispatch } = await onCall();
    const alert = holdAlert();

    // Two dispatches racing in one process (a job retried while the first still runs) send once.
    const [first] = await Promise.all([dispatch(alert), dispatch(alert)]);
    expect(first?.delivered).toBe(true);
    expect(first?.outcomes.map((o) => [o.channel, o.status])).toEqual([
      ['pd-compliance', 'sent'],
      ['slack-compliance', 'sent'],
      ['case-system', 'sent'],
    ]);
    expect([pd.requests.length, slack.requests.length, hook.requests.length]).toEqual([1, 1, 1]);

    const event = json(pd.requests[0]!.body);
    expect(pd.requests[0]!.path).toBe('/v2/enqueue');
    expect(event).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: alert.details.holdKey,
      payload: {
        source: 'cordon',
        severity: 'critical',
        component: 'ethereum',
        group: 'holds',
        class: 'hold_raised',
        custom_details: { accountId: 'acct-42', entryUid: alert.details.entryUid, programs: ['CYBER2', 'DPRK3'] },
      },
    });
    const summary = (event['payload'] as { summary: string }).summary;
    for (const s of ['TORNADO CASH', 'CYBER2, DPRK3', 'ofac-sdn v7', 'OFAC']) expect(summary).toContain(s);
    expect(summary.length).toBeLessThanOrEqual(1024);

    const message = json(slack.requests[0]!.body);
    expect(slack.requests[0]!.path).toBe(SLACK_PATH);
    expect(message['text']).toBe(alert.summary);
    const blocks = JSON.stringify(message['blocks']);
    expect(blocks).toContain('Sanctions hold raised');
    expect(blocks).toContain('*Legal basis*\\nTORNADO CASH — CYBER2, DPRK3');
    expect(blocks).toContain(`\`${alert.details.txid}\``);

    const req = hook.requests[0]!;
    expect(req.path).toBe(HOOK_PATH);
    const ts = String(req.headers['x-cordon-timestamp']);
    const signature = String(req.headers['x-cordon-signature']);
    // Verified the way a receiver would, independently of Cordon's own helper.
    expect(signature).toBe(`sha256=${createHmac('sha256', HOOK_SECRET).update(`${ts}.${req.body}`).digest('hex')}`);
    expect(verifyWebhookSignature(HOOK_SECRET, ts, req.body, signature)).toBe(true);
    expect(verifyWebhookSignature(HOOK_SECRET, ts, req.body.replace('acct-42', 'acct-43'), signature)).toBe(false);
    expect(req.headers['idempotency-key']).toBe(alert.dedupKey);
    expect(json(req.body)).toMatchObject({ source: 'cordon', kind: 'hold_raised', dedupKey: alert.dedupKey, details: { amount: '1500000000000000000' } });

    // A later dispatch of the same alert (a retried job) sends nothing anywhere.
    const again = await dispatch(alert);
    expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(again.delivered).toBe(true);
    expect([pd.requests.length, slack.requests.length, hook.requests.length]).toEqual([1, 1, 1]);
    expect(await recorded('pd-compliance', alert.dedupKey)).toBe('sent');
  });

  it('a channel answering 503 is retried until it recovers, and the other channels are not held up', async () => {
    const { pd, slack, hook, dispatch } = await onCall();
    slack.script({ status: 503, body: 'rollup_error' }, { status: 503, body: 'rollup_error' });
    const alert = holdAlert();

    const r = await dispatch(alert);

    expect(outcome(r, 'slack-compliance')).toMatchObject({ status: 'sent', attempts: 3 });
    expect(outcome(r, 'pd-compliance')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(outcome(r, 'case-system')).toMatchObject({ status: 'sent', attempts: 1 });
    expect([pd.requests.length, slack.requests.length, hook.requests.length]).toEqual([1, 3, 1]);
    // PagerDuty and the webhook had it before Slack's retries were done.
    expect(arrivals.indexOf('pagerduty')).toBeLessThan(arrivals.lastIndexOf('slack'));
    expect(arrivals.indexOf('webhook')).toBeLessThan(arrivals.lastIndexOf('slack'));
  });

  it('a channel refusing connections fails retryably alone; the next dispatch delivers to it and to nobody else', async () => {
    const { pd, slack, hook, dispatch } = await onCall();
    await hook.stop();
    const alert = holdAlert();

    const r = await dispatch(alert);
    expect(outcome(r, 'case-system')).toMatchObject({ status: 'failed', retryable: true, attempts: FAST_RETRY.maxAttempts });
    expect(outcome(r, 'case-system')).toHaveProperty('reason', expect.stringContaining('ECONNREFUSED'));
    expect(outcome(r, 'pd-compliance')).toMatchObject({ status: 'sent' });
    expect(outcome(r, 'slack-compliance')).toMatchObject({ status: 'sent' });
    expect(r).toMatchObject({ delivered: false, retryable: true });
    expect(await recorded('case-system', alert.dedupKey)).toBe('failed');

    await hook.start();
    const retried = await dispatch(alert);
    expect(retried.outcomes.map((o) => [o.channel, o.status])).toEqual([
      ['pd-compliance', 'duplicate'],
      ['slack-compliance', 'duplicate'],
      ['case-system', 'sent'],
    ]);
    expect([pd.requests.length, slack.requests.length, hook.requests.length]).toEqual([1, 1, 1]);
    expect(await recorded('case-system', alert.dedupKey)).toBe('sent');
  });

  it("a 429 is retried no sooner than the receiver's Retry-After", async () => {
    const { pd, slack, dispatch } = await onCall();
    pd.script({ status: 429, headers: { 'retry-after': '1' } });
    slack.script({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
    const alert = holdAlert();

    const r = await dispatch(alert);

    expect(outcome(r, 'pd-compliance')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(outcome(r, 'slack-compliance')).toMatchObject({ status: 'sent', attempts: 2 });
    const retries = logs.lines
      .map((l) => JSON.parse(l) as { msg: string; dedupKey?: string; channel?: string; delayMs?: number; status?: number })
      .filter((l) => l.dedupKey === alert.dedupKey && l.msg === 'alert not delivered; retrying');
    expect(retries.map((l) => [l.channel, l.status])).toEqual(
      expect.arrayContaining([
        ['pd-compliance', 429],
        ['slack-compliance', 429],
      ]),
    );
    for (const l of retries) expect(l.delayMs).toBeGreaterThanOrEqual(1_000);
  });

  it('a 400 is recorded as failed and not retried', async () => {
    const { pd, dispatch } = await onCall();
    pd.script({
      status: 400,
      body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect (should be 32 characters)"]}',
    });
    const alert = holdAlert();

    const r = await dispatch(alert);

    expect(outcome(r, 'pd-compliance')).toMatchObject({ status: 'failed', retryable: false, attempts: 1 });
    expect(outcome(r, 'pd-compliance')).toHaveProperty('reason', expect.stringContaining('Event object is invalid'));
    expect(pd.requests).toHaveLength(1);
    expect(await recorded('pd-compliance', alert.dedupKey)).toBe('failed');
    expect(r).toMatchObject({ delivered: false, retryable: false });
  });

  it('the rate limit makes a burst wait its turn instead of dropping any of it', async () => {
    const hook = await receiver('webhook', { status: 200 });
    const dispatcher = createAlertDispatcher({
      channels: createChannels([{ type: 'webhook', name: 'burst-hook', url: `${hook.url}/hook`, secret: HOOK_SECRET }]),
      alertsRepo: store.alerts,
      log: logs.log,
      rateLimitPerMinute: 120,
      burst: 2,
      retry: FAST_RETRY,
    });
    const alerts = [1, 2, 3, 4, 5].map(() => holdAlert());

    const rs = await Promise.all(alerts.map((a) => dispatcher.dispatch(a)));

    expect(rs.every((r) => r.delivered)).toBe(true);
    expect(hook.requests.map((q) => q.headers['idempotency-key']).sort()).toEqual(alerts.map((a) => a.dedupKey).sort());
    const waited = logs.lines
      .map((l) => JSON.parse(l) as { msg: string; channel?: string })
      .filter((l) => l.channel === 'burst-hook' && l.msg === 'channel rate limit reached; alert waits its turn');
    expect(waited).toHaveLength(3);
  });

  it('an alert waiting for the rate limit keeps its claim: another process does not send it as well', async () => {
    const hook = await receiver('webhook', { status: 200 });
    const channels = () => createChannels([{ type: 'webhook', name: 'slow-hook', url: `${hook.url}/hook`, secret: HOOK_SECRET }]);
    // A claim lasts 600 ms here unless renewed; the second alert waits ~2 s for its token.
    const options = { alertsRepo: store.alerts, log: logs.log, rateLimitPerMinute: 30, burst: 1, retry: FAST_RETRY, claimLeaseMs: 600 };
    const here = createAlertDispatcher({ ...options, channels: channels() });
    const elsewhere = createAlertDispatcher({ ...options, channels: channels() });
    const [first, second] = [holdAlert(), holdAlert()];

    const queued = Promise.all([here.dispatch(first), here.dispatch(second)]);
    await new Promise((r) => setTimeout(r, 1_200));
    const other = await elsewhere.dispatch(second);
    const rs = await queued;

    expect(other.outcomes[0]).toMatchObject({ status: 'failed', retryable: true, reason: 'being sent by another process' });
    expect(rs.every((r) => r.delivered)).toBe(true);
    expect(hook.requests.map((q) => q.headers['idempotency-key'])).toEqual([first.dedupKey, second.dedupKey]);
    expect(await recorded('slow-hook', second.dedupKey)).toBe('sent');
  });

  it('deliver answers once the channel has, and its outcome is in the store once `recorded` settles', async () => {
    const hook = await receiver('webhook', { status: 200 });
    // The store takes 300 ms to write an outcome (a busy database).
    let release: () => void = () => undefined;
    const slowWrite = new Promise<void>((r) => (release = r));
    const dispatcher = createAlertDispatcher({
      channels: createChannels([{ type: 'webhook', name: 'slow-store-hook', url: `${hook.url}/hook`, secret: HOOK_SECRET }]),
      alertsRepo: { ...store.alerts, finishAlert: async (...args) => slowWrite.then(() => store.alerts.finishAlert(...args)) },
      log: logs.log,
      rateLimitPerMinute: 600,
      retry: FAST_RETRY,
    });
    const alert = holdAlert();

    const delivery = await dispatcher.deliver(alert);
    expect(delivery).toMatchObject({ delivered: true, outcomes: [{ channel: 'slow-store-hook', status: 'sent', attempts: 1 }] });
    expect(await recorded('slow-store-hook', alert.dedupKey)).toBe('sending');
    // Dispatched again before the write: the same answer, not a claim found open and called busy.
    const again = dispatcher.dispatch(alert);
    let settled = false;
    void delivery.recorded.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);

    release();
    await delivery.recorded;
    expect(await recorded('slow-store-hook', alert.dedupKey)).toBe('sent');
    expect((await again).outcomes).toEqual(delivery.outcomes);
    expect(hook.requests).toHaveLength(1);
  });

  it('no routing key, webhook URL or secret reaches a log line or an outcome, even when a receiver echoes one', async () => {
    const { hook, dispatch } = await onCall();
    hook.script({ status: 401, body: `bad token HOOKQUERYTOKEN99 for ${HOOK_PATH}` });
    const r = await dispatch(holdAlert());
    expect(outcome(r, 'case-system')).toMatchObject({ status: 'failed', retryable: false });

    const text = `${logs.text()}\n${JSON.stringify(results)}`;
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const s of SECRETS) expect(text).not.toContain(s);
  });
});
