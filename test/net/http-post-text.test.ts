import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HttpFailure, httpPostText } from '../../src/net/http-request.js';

/** Answers by path; each handler writes its answer as it likes (in pieces, gzipped…). */
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => (routes.get(req.url ?? '') ?? ((_q, r) => r.writeHead(404).end()))(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Writes `bytes` in pieces of `piece` bytes, each in a socket write of its own. */
async function writeInPieces(res: ServerResponse, bytes: Buffer, piece: number): Promise<void> {
  for (let i = 0; i < bytes.length; i += piece) {
    res.write(bytes.subarray(i, i + piece));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  res.end();
}

const BIG_JSON = JSON.stringify({ jsonrpc: '2.0', id: 1, result: Array.from({ length: 3000 }, (_, i) => ({ hash: `0x${i.toString(16).padStart(64, '0')}`, name: i % 7 === 0 ? 'Société Générale Ω' : 'plain' })) });

describe('httpPostText: a JSON answer read as text as it arrives', () => {
  it('reads an answer sent in many pieces, UTF-8 characters split between them, as the text sent', async () => {
    routes.set('/pieces', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      void writeInPieces(res, Buffer.from(BIG_JSON, 'utf8'), 4093);
    });
    const answer = await httpPostText(`${base}/pieces`, '{}', { timeoutMs: 10_000 });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(BIG_JSON);
  });

  it('unpacks a gzip answer as it streams', async () => {
    routes.set('/gzip', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      void writeInPieces(res, gzipSync(Buffer.from(BIG_JSON, 'utf8')), 1000);
    });
    const answer = await httpPostText(`${base}/gzip`, '{}', { timeoutMs: 10_000 });
    expect(JSON.parse(answer.text)).toEqual(JSON.parse(BIG_JSON));
  });

  it('refuses an answer larger than maxBytes, and a small gzip body that unpacks into more', async () => {
    const plain = Buffer.alloc(200_000, 0x61);
    routes.set('/large', (_req, res) => res.writeHead(200).end(plain));
    routes.set('/bomb', (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(5_000_000, 0x61))));
    for (const path of ['/large', '/bomb']) {
      const err = await httpPostText(`${base}${path}`, '{}', { timeoutMs: 10_000, maxBytes: 100_000 }).catch((e: unknown) => e);
      expect(err, path).toBeInstanceOf(HttpFailure);
      expect((err as Error).message, path).toBe('answer larger than 100000 bytes');
    }
  });

  it('fails a gzip answer that is not gzip as a bad gzip body', async () => {
    routes.set('/bad-gzip', (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('{"not":"gzip"}'));
    const err = await httpPostText(`${base}/bad-gzip`, '{}', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpFailure);
    expect((err as Error).message).toMatch(/^bad gzip body: /);
  });

  it('fails an answer cut off by the server as a failure reading it', async () => {
    routes.set('/cut', (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const err = await httpPostText(`${base}/cut`, '{}', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpFailure);
  });
});
