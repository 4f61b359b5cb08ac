/**
 * A list server for download tests, in the test process: serves a plain ETH list, OFAC's real
 * advanced XML (gzip), and the ways a feed goes wrong (a firewall that refuses User-Agents,
 * bodies past any cap, a zip bomb, redirect loops, a refusal). Records every request.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import { SDN_ADVANCED_GZ } from './sdn-advanced-fixtures.js';

export const LISTED_ETH = [
  '0x098b716b8aaf21512996dc57eb0615e2383e2f96',
  '0x7f367cc41522ce07553e823bf3be79a889debe1b',
  '0x1da5821544e25c636c1417ba96ade4cf6d2f9b5a',
];
export const PLAIN_LIST = `# test list\n${LISTED_ETH.join('\n')}\n`;
/** OFAC's firewall rule (2026-07-30): `Mozilla/` and a digit first, and at least 40 characters. */
export const WAF_PASSES = (ua: string | undefined): boolean => ua !== undefined && /^Mozilla\/\d/.test(ua) && ua.length >= 40;

export interface SeenRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface FakeListServer {
  readonly base: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/** Bytes of `# padding` lines, `size` in all. */
function padding(size: number): Buffer {
  const line = Buffer.from('# padding padding padding padding padding padding padding\n');
  return Buffer.alloc(size, line);
}

export async function startFakeListServer(): Promise<FakeListServer> {
  const sdnGz = readFileSync(SDN_ADVANCED_GZ('2025-11-19'));
  const seen: SeenRequest[] = [];
  let bomb: Buffer | undefined;
  const send = (res: ServerResponse, status: number, body: Buffer | string, headers: Record<string, string | number> = {}) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': bytes.length, ...headers });
    res.end(bytes);
  };
  const redirect = (res: ServerResponse, status: number, location: string) => {
    res.writeHead(status, { location, 'content-length': 0 });
    res.end();
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    seen.push({ url: req.url ?? '/', headers: req.headers });
    const path = url.pathname;
    if (path.startsWith('/waf/')) {
      // The firewall answers before the application does.
      if (!WAF_PASSES(req.headers['user-agent'])) return send(res, 403, '<html><body>Request Rejected</body></html>', { 'content-type': 'text/html' });
      return send(res, 200, PLAIN_LIST);
    }
    if (path.startsWith('/plain/')) return send(res, 200, PLAIN_LIST);
    if (path === '/plain-gz/sanctioned_addresses_ETH.txt.gz') return send(res, 200, gzipSync(PLAIN_LIST), { 'content-type': 'application/gzip' });
    if (path === '/gzip-encoded/sanctioned_addresses_ETH.txt') {
      return send(res, 200, gzipSync(PLAIN_LIST), { 'content-encoding': 'gzip' });
    }
    if (path === '/xml/SDN_ADVANCED.XML') return send(res, 200, sdnGz, { 'content-type': 'application/xml', 'content-encoding': 'gzip' });
    if (path.startsWith('/big/')) {
      // 4 MiB, announced (content-length) or streamed (chunked, no length).
      const body = Buffer.concat([Buffer.from(PLAIN_LIST), padding(4 * 1024 * 1024)]);
      if (url.searchParams.has('chunked')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const more = () => {
          while (sent < body.length) {
            const chunk = body.subarray(sent, sent + 64 * 1024);
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        return more();
      }
      return send(res, 200, body);
    }
    if (path.startsWith('/bomb/')) {
      // 64 MiB of padding, gzipped to ~64 KB, sent as content-encoding or as a .gz file.
      bomb ??= gzipSync(Buffer.concat([Buffer.from(PLAIN_LIST), padding(64 * 1024 * 1024)]));
      return path.endsWith('.gz') ? send(res, 200, bomb) : send(res, 200, bomb, { 'content-encoding': 'gzip' });
    }
    if (path === '/loop/a') return redirect(res, 302, '/loop/b');
    if (path === '/loop/b') return redirect(res, 301, `http://${req.headers.host}/loop/a${url.search}`);
    const hop = /^\/hop\/(\d+)$/.exec(path);
    if (hop) return redirect(res, 302, `/hop/${Number(hop[1]) + 1}`);
    if (path === '/moved/sanctioned_addresses_ETH.txt') return redirect(res, 308, '../plain/sanctioned_addresses_ETH.txt');
    if (path.startsWith('/stall/')) {
      // Answers, sends a little, then goes quiet.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1_000_000 });
      return void res.write(PLAIN_LIST);
    }
    if (path.startsWith('/deny/')) return send(res, 403, 'Forbidden');
    if (path.startsWith('/auth/')) {
      // Needs Basic cordon:hunter2 and ?apikey=SECRETKEY123.
      const ok = req.headers.authorization === `Basic ${Buffer.from('cordon:hunter2').toString('base64')}` && url.searchParams.get('apikey') === 'SECRETKEY123';
      return ok ? send(res, 200, PLAIN_LIST) : send(res, 401, 'Unauthorized');
    }
    return send(res, 404, 'Not Found');
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
