import type { AlertClaim } from '../../src/store/alerts-repo.js';
import { describe, expect, it } from 'vitest';
import type { AlertChannel } from '../../src/alerts/channel.js';
import { createAlertDispatcher } from '../../src/alerts/dispatcher.js';
import { pagerDutyEvent } from '../../src/alerts/pagerduty.js';
import { slackMessage } from '../../src/alerts/slack.js';
import { parseRetryAfter } from '../../src/net/http-request.js';
import {
  failedJobsAlert,
  followerLaggingAlert,
  hookDeliveryFailingAlert,
  holdOrphanedAlert,
  holdRaisedAlert,
  listRefreshRefusedAlert,
  matchAlert,
  type Alert,
} from '../../src/domain/alert.js';
import { captureLog, holdAlert, holdFacts } from './fixtures.js';

const at = new Date('2025-03-01T12:00:00Z');

function everyKind(): Alert[] {
  const f = holdFacts(900);
  return [
    holdRaisedAlert(f, at),
    matchAlert({ ...f, accountId: null, direction: 'withdrawal', policy: 'hold', reason: 'unattributed_withdrawal' }, at),
    holdOrphanedAlert({ ...f, reason: 'block reorganised away' }, at),
    failedJobsAlert({ queue: 'screen', count: 3 }, at),
    listRefreshRefusedAlert({ listId: 'ofac-sdn', keptVersion: null, reason: 'download <failed> & truncated', contentHash: null }, at),
    followerLaggingAlert({ chain: 'bitcoin', head: '880000', processed: '879900', lag: 100, maxLag: 20 }, at),
    hookDeliveryFailingAlert(
      {
        holdId: 900,
        holdKey: f.holdKey,
        accountId: f.accountId,
        chain: f.chain,
        txid: f.txid,
        reason: 'refused',
        statusCode: 401,
        error: 'HTTP 401: <bad> signature & stale',
        failedAttempts: 1,
        target: 'https://exchange.example',
        nextAttemptAt: '2025-03-01T13:05:00.000Z',
      },
      at,
    ),
  ];
}

describe('channel payloads', () => {
  it('PagerDuty gets a trigger whose severity is capped by the channel and whose dedup_key fits 255 characters', () => {
    const event = pagerDutyEvent(holdAlert(), 'rk', 'warning');
    expect(event.payload.severity).toBe('warning');
    expect(pagerDutyEvent(failedJobsAlert({ queue: 'q', count: 1 }, at), 'rk', 'critical').payload).toMatchObject({
      severity: 'error',
      component: 'queue:q',
      group: 'pipeline',
      class: 'failed_jobs',
    });
    const long = holdRaisedAlert({ ...holdFacts(901), holdKey: `acct-${'9'.repeat(300)}` }, at);
    const hashed = pagerDutyEvent(long, 'rk', 'critical');
    expect(hashed.dedup_key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pagerDutyEvent(long, 'rk', 'critical').dedup_key).toBe(hashed.dedup_key);
    expect(hashed.payload.custom_details.dedup_key).toBe(long.dedupKey);
  });

  it('every kind renders as a Slack message within Slack limits, with control characters escaped', () => {
    for (const alert of everyKind()) {
      const m = slackMessage(alert);
      expect(m.text).toBe(alert.summary);
      for (const b of m.blocks) {
        if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
        if (b.type === 'section') {
          expect(b.text.text.length).toBeLessThanOrEqual(3000);
          expect(b.fields?.length ?? 0).toBeLessThanOrEqual(10);
          for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
        }
      }
    }
    const refused = JSON.stringify(slackMessage(everyKind()[4]!).blocks);
    expect(refused).toContain('download &lt;failed&gt; &amp; truncated');
    expect(JSON.stringify(slackMessage(everyKind()[1]!).blocks)).toContain('hot wallet 0x1111111111111111111111111111111111111111');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:10 GMT', Date.parse('2025-03-01T12:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe('dispatcher without a network', () => {
  const memoryRepo = () => {
    const rows = new Map<string, string>();
    return {
      rows,
      async claimAlert(channel: string, key: string): Promise<AlertClaim> {
        const k = `${channel}|${key}`;
        const prev = rows.get(k);
        if (prev === 'sent' || prev === 'suppressed') return 'sent';
        if (prev === 'sending') return 'busy';
        rows.set(k, 'sending');
        return 'claimed';
      },
      async extendClaim() {},
      async finishAlert(channel: string, key: string, status: 'sent' | 'failed' | 'suppressed') {
        rows.set(`${channel}|${key}`, status);
      },
    };
  };

  it('a channel that throws is contained: the others still deliver, and the error message is not echoed', async () => {
    const { log, text } = captureLog();
    const sent: string[] = [];
    const ok: AlertChannel = { name: 'ok', type: 'webhook', send: async (a) => (sent.push(a.dedupKey), { outcome: 'delivered', status: 200 }) };
    const broken: AlertChannel = {
      name: 'broken',
      type: 'webhook',
      send: async () => {
        throw new Error('boom https://hooks.example/SECRET-IN-MESSAGE');
      },
    };
    const repo = memoryRepo();
    const d = createAlertDispatcher({ channels: [broken, ok], alertsRepo: repo, log, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    const r = await d.dispatch(holdAlert());
    expect(r.outcomes.map((o) => [o.channel, o.status])).toEqual([
      ['broken', 'failed'],
      ['ok', 'sent'],
    ]);
    expect(sent).toHaveLength(1);
    expect(text()).not.toContain('SECRET-IN-MESSAGE');
  });

  it('when the alert store is down nothing is sent and the outcome asks for a retry', async () => {
    const { log } = captureLog();
    let sends = 0;
    const ch: AlertChannel = { name: 'ok', type: 'slack', send: async () => (sends++, { outcome: 'delivered', status: 200 }) };
    const d = createAlertDispatcher({
      channels: [ch],
      alertsRepo: {
        claimAlert: () => Promise.reject(new Error('connection terminated')),
        finishAlert: () => Promise.reject(new Error('connection terminated')),
        extendClaim: () => Promise.reject(new Error('connection terminated')),
      },
      log,
    });
    const r = await d.dispatch(holdAlert());
    expect(r).toMatchObject({ delivered: false, retryable: true, outcomes: [{ status: 'failed', reason: 'alert store unavailable' }] });
    expect(sends).toBe(0);
  });

  it('refuses two channels with one name', () => {
    const ch: AlertChannel = { name: 'dup', type: 'slack', send: async () => ({ outcome: 'delivered', status: 200 }) };
    expect(() => createAlertDispatcher({ channels: [ch, ch], alertsRepo: memoryRepo(), log: captureLog().log })).toThrow(/named "dup"/);
  });
});
