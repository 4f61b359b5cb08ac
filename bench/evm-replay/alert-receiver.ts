/**
 * The bench's on-call receiver, in a process of its own, as a SIEM is in a deployment: the
 * replay's process pays for sending its alerts, not for receiving them. Every POST's signature
 * is checked with the secret given; `GET /counts` answers how many signed POSTs each path got,
 * how many distinct alert keys (`idempotency-key`), and how many were refused.
 *   node --import tsx bench/evm-replay/alert-receiver.ts <webhook secret>
 * Prints `listening <port>` once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../src/alerts/webhook.js';

export interface ReceiverCounts {
  readonly posts: Record<string, number>;
  readonly distinctKeys: number;
  readonly badSignatures: number;
}

const secret = process.argv[2];
if (secret === undefined) throw new Error('usage: alert-receiver.ts <webhook secret>');
const posts: Record<string, number> = {};
const keys = new Set<string>();
let badSignatures = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = req.url ?? '/';
    if (req.method === 'GET' && path === '/counts') {
      const counts: ReceiverCounts = { posts, distinctKeys: keys.size, badSignatures };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(counts));
      return;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const signature = req.headers[SIGNATURE_HEADER];
    const timestamp = req.headers[TIMESTAMP_HEADER];
    if (typeof signature !== 'string' || typeof timestamp !== 'string' || !verifyWebhookSignature(secret, timestamp, body, signature)) {
      badSignatures++;
      res.writeHead(401).end();
      return;
    }
    posts[path] = (posts[path] ?? 0) + 1;
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string') keys.add(key);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));

