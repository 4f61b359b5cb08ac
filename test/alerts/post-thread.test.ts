/**
 * The alert sender thread: the daemon's on-call POSTs go out from a thread of their own. What
 * arrives must be what the calling thread would have sent, every outcome must come back, and a
 * thread that dies must leave no request unanswered (each comes back retryable, so the
 * dispatcher sends it again) and no alert unsendable afterwards.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPostThread, startPostThread } from '../../src/alerts/post-thread.js';
import { createWebhookChannel } from '../../src/alerts/webhook.js';
import { verifyWebhookSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/alerts/webhook-signature.js';
import type { Alert } from '../../src/domain/alert.js';
import { captureLog, holdAlert } from './fixtures.js';
import { startReceiver, type Receiver } from './receiver.js';

const SECRET = 'whsec-thread-0123456789abcdef';

describe('alert sender thread', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ status: 200, body: 'ok' });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('delivers signed alerts from the thread, many at once, and brings back refusals with their reasons', async () => {
    const { log } = captureLog();
    const thread = createPostThread(log);
    const channel = createWebhookChannel({ name: 'siem', url: `${receiver.url}/hook`, secret: SECRET, post: thread.post });
    const before = receiver.requests.length;
    const alerts: Alert[] = Array.from({ length: 40 }, () => holdAlert());
    const results = await Promise.all(alerts.map((a) => channel.send(a)));
    expect(results.every((r) => r.outcome === 'delivered')).toBe(true);
    const got = receiver.requests.slice(before);
    expect(new Set(got.map((r) => r.headers['idempotency-key']))).toEqual(new Set(alerts.map((a) => a.dedupKey)));
    for (const r of got) {
      expect(verifyWebhookSignature(SECRET, String(r.headers[TIMESTAMP_HEADER]), r.body, String(r.headers[SIGNATURE_HEADER]))).toBe(true);
    }

    receiver.script({ status: 429, headers: { 'retry-after': '7' }, body: 'slow down' }, { status: 400, body: `bad key ${SECRET}` });
    expect(await channel.send(holdAlert())).toMatchObject({ outcome: 'retryable', status: 429, retryAfterMs: 7_000 });
    const refused = await channel.send(holdAlert());
    expect(refused).toMatchObject({ outcome: 'permanent', status: 400 });
    expect(JSON.stringify(refused)).not.toContain(SECRET);

    await thread.close();
    // Closed (the daemon stopping): a late alert is still sent, from the calling thread.
    expect(await channel.send(holdAlert())).toEqual({ outcome: 'delivered', status: 200 });
  });

  it('a thread that dies answers its requests as retryable and says so; the next alert gets a new thread', async () => {
    const { log, lines } = captureLog();
    let starts = 0;
    const thread = createPostThread(log, {
      start: () => {
        starts++;
        // The first thread exits as soon as it is handed a request, as one that crashed would.
        if (starts === 1) return new Worker(`require('node:worker_threads').parentPort.on('message', () => process.exit(3))`, { eval: true });
        return startPostThread();
      },
    });
    const channel = createWebhookChannel({ name: 'siem', url: `${receiver.url}/hook`, secret: SECRET, post: thread.post });
    const lost = await channel.send(holdAlert());
    expect(lost).toEqual({ outcome: 'retryable', status: null, retryAfterMs: null, reason: 'alert sender thread stopped' });
    const said = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(said).toContainEqual(expect.objectContaining({ level: 50, msg: 'alert sender thread stopped; its requests will be retried', code: 3, requests: 1 }));

    const before = receiver.requests.length;
    expect(await channel.send(holdAlert())).toEqual({ outcome: 'delivered', status: 200 });
    expect(receiver.requests.length).toBe(before + 1);
    expect(starts).toBe(2);
    await thread.close();
  });
});
