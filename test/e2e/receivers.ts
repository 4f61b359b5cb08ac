import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly status: number;
}

/**
 * Local HTTP receivers standing in for PagerDuty, Slack, a generic webhook and the exchange's
 * hold hook (third-party endpoints cannot be reached here). `/hook` can be made to fail.
 */
export interface Receivers {
  readonly url: string;
  readonly received: Received[];
  /** Status the exchange hook answers with (e.g. 503 while "down"). */
  hookStatus: number;
  /** Milliseconds a path waits before answering (a slow on-call channel). */
  readonly delayMs: Record<string, number>;
  on(path: string): Received[];
  close(): Promise<void>;
}

export async function startReceivers(): Promise<Receivers> {
  const received: Received[] = [];
  const state = { hookStatus: 200 };
  const delayMs: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const status = path === '/hook' ? state.hookStatus : path === '/pd' ? 202 : 200;
      const answer = () => {
        received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status, { 'content-type': path === '/slack' ? 'text/plain' : 'application/json' });
        res.end(path === '/slack' ? 'ok' : path === '/pd' ? '{"status":"success","message":"Event processed"}' : '{}');
      };
      const delay = delayMs[path] ?? 0;
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    delayMs,
    get hookStatus() {
      return state.hookStatus;
    },
    set hookStatus(s: number) {
      state.hookStatus = s;
    },
    on: (path) => received.filter((r) => r.path === path),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
