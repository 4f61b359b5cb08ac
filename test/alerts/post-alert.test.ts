/**
 * One POST to an on-call receiver, against receivers that misbehave in ways a real one can:
 * no answer, a redirect, a huge answer, an error page echoing the secret.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { postAlert } from '../../src/alerts/http.js';
import { startReceiver, type Receiver } from './receiver.js';

const SECRET = 'whsec-0123456789abcdef';

describe('postAlert', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ status: 200, body: 'ok' });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('delivers on a 2xx even when the answer is megabytes long, and sends the body and headers given', async () => {
    receiver.script({ status: 202, body: 'x'.repeat(3 * 1024 * 1024) });
    const r = await postAlert(`${receiver.url}/hook`, '{"kind":"hold"}', { timeoutMs: 5_000, secrets: [], headers: { 'x-signature': 'sig' } });
    expect(r).toEqual({ outcome: 'delivered', status: 202 });
    const got = receiver.requests.at(-1);
    expect(got?.body).toBe('{"kind":"hold"}');
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['x-signature']).toBe('sig');
  });

  it('a redirect is not followed: retried later, with the status in the reason', async () => {
    receiver.script({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } });
    const r = await postAlert(`${receiver.url}/hook`, '{}', { timeoutMs: 5_000, secrets: [] });
    expect(r).toMatchObject({ outcome: 'retryable', status: 302, reason: 'HTTP 302' });
  });

  it('a 400 is permanent; its answer is cut to one short line with the secret scrubbed out', async () => {
    receiver.script({ status: 400, body: `bad signature for ${SECRET}\n${'detail '.repeat(100)}` });
    const r = await postAlert(`${receiver.url}/hook`, '{}', { timeoutMs: 5_000, secrets: [SECRET] });
    expect(r.outcome).toBe('permanent');
    if (r.outcome !== 'permanent') return;
    expect(r.reason).toMatch(/^HTTP 400: bad signature for \[redacted\] detail/);
    expect(r.reason).not.toContain(SECRET);
    expect(r.reason.length).toBeLessThanOrEqual('HTTP 400: '.length + 200);
  });

  it("a 429 is retryable no sooner than the receiver's Retry-After", async () => {
    receiver.script({ status: 429, headers: { 'retry-after': '7' } });
    const r = await postAlert(`${receiver.url}/hook`, '{}', { timeoutMs: 5_000, secrets: [] });
    expect(r).toMatchObject({ outcome: 'retryable', status: 429, retryAfterMs: 7_000 });
  });

  describe('a receiver that takes the request and never answers', () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = http.createServer(() => undefined);
    silent.on('connection', (s) => sockets.add(s));
    let url = '';
    beforeAll(async () => {
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook?token=${SECRET}`;
    });
    afterEach(() => {
      for (const s of sockets) s.destroy();
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('is given up on at the deadline, retryably, with neither the URL nor its token in the reason', async () => {
      const started = Date.now();
      const r = await postAlert(url, '{}', { timeoutMs: 300, secrets: [url, SECRET] });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(r).toEqual({ outcome: 'retryable', status: null, retryAfterMs: null, reason: 'no answer within 300 ms' });
    });
  });

  it('a refused connection is retryable and named by its code only', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await postAlert(`http://127.0.0.1:${port}/hook`, '{}', { timeoutMs: 5_000, secrets: [] });
    expect(r).toEqual({ outcome: 'retryable', status: null, retryAfterMs: null, reason: 'request failed: ECONNREFUSED' });
  });
});
