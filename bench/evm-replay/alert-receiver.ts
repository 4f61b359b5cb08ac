/**
 * The bench's on-call receiver, in a process of its own, as a SIEM is in a deployment: the
 * replay's process pays for sending its alerts, not for receiving them. Every POST's signature
 * is checked with the secret given; `GET /counts` answers how many signed POSTs each path got,
 * how many distinct alert keys (`idempotency-key`), and how many were refused.
 *   node --import tsx bench/evm-replay/alert-receiver.ts <webhook secret>
 * Prints `listening <port>` once it listens, after warming up on signed POSTs to itself that
 * no count includes (see `warmUp`).
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../src/alerts/webhook-signature.js';

export interface ReceiverCounts {
  readonly posts: Record<string, number>;
  readonly distinctKeys: number;
  readonly badSignatures: number;
}

/** The path of the warm-up POSTs, which every count leaves out. */
const WARM_UP_PATH = '/warm-up';
const WARM_UP_POSTS = 4000;
const given = process.argv[2];
if (given === undefined) throw new Error('usage: alert-receiver.ts <webhook secret>');
const secret: string = given;
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
    if (path === WARM_UP_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    posts[path] = (posts[path] ?? 0) + 1;
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string') keys.add(key);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  void warmUp(port).then(() => process.stdout.write(`listening ${port}\n`));
});

/**
 * Signed POSTs to itself, counted nowhere, before it says it listens: a SIEM is a long-running
 * server, and a cold one (compiling its request path while the replay's alerts arrive) took
 * twice the CPU (0.5 s against 0.27 s a run) from the two cores the daemon shares with it.
 */
async function warmUp(port: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const body = JSON.stringify({ source: 'cordon', kind: 'warm-up', detail: 'x'.repeat(800) });
  const post = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const ts = String(Math.floor(Date.now() / 1000));
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: WARM_UP_PATH,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signWebhook(secret, ts, body), 'idempotency-key': `warm-up-${i}` },
        },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => { while (next < WARM_UP_POSTS) await post(next++); }));
  agent.destroy();
}

