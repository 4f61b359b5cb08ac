/**
 * One HTTP POST or GET with a hard deadline, over keep-alive connections: chain nodes' RPC and
 * REST, and on-call receivers. Node's http, not fetch: the body arrives as chunks joined once
 * (linear in size; JSON answers in a buffer reused from answer to answer, answer-text.ts) and
 * decoded with Node's native decoders, which matters for multi-megabyte batch answers; and a
 * request costs a third
 * of fetch's CPU (1,500 alert POSTs: 196 ms against 463 ms), which a replay raising thousands
 * of holds feels.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createGunzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';

import { TextCollector } from './answer-text.js';

const gunzipAsync = promisify(gunzip);

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** An answer read as text (`httpPostText`): a JSON body. */
export interface HttpTextAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/** The deadline passed before the whole answer arrived. */
export class HttpTimeout extends Error {
  override readonly name = 'HttpTimeout';
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/** Connection refused or reset, DNS failure, undecodable gzip… */
export class HttpFailure extends Error {
  override readonly name = 'HttpFailure';
}

export interface HttpPostOptions {
  readonly timeoutMs: number;
  /** Larger answers are refused (default 512 MiB): a broken endpoint must not exhaust memory. */
  readonly maxBytes?: number;
  /**
   * Keep only this many bytes of the answer and read the rest away, instead of refusing it
   * (a receiver whose answer only matters by its status and first words). Not with gzip.
   */
  readonly keepBytes?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly agent?: http.Agent;
}

/** Keep-alive agents shared by every endpoint of the process. */
const AGENTS = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

export function httpPost(url: string, body: string | Uint8Array, opts: HttpPostOptions): Promise<HttpAnswer> {
  return httpRequest('POST', url, body, opts, readBytes(opts));
}

/**
 * A POST whose answer is wanted as text (JSON-RPC): its chunks joined in a reused buffer and
 * decoded (answer-text.ts), a gzip body unpacked as it streams. `maxBytes` bounds the unpacked
 * answer.
 */
export function httpPostText(url: string, body: string, opts: Omit<HttpPostOptions, 'keepBytes'>): Promise<HttpTextAnswer> {
  return httpRequest('POST', url, body, opts, readText(opts.maxBytes ?? DEFAULT_MAX_BYTES));
}

/** One GET with the same deadline, size cap, keep-alive and gzip handling (REST interfaces). */
export function httpGet(url: string, timeoutMs: number): Promise<HttpAnswer> {
  return httpRequest('GET', url, undefined, { timeoutMs }, readBytes({}));
}

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

/** Settles a request once: with an error (the request is then destroyed) or with the answer. */
type Finish<A> = (err: Error | null, answer?: A) => void;

/** Reads an answer's body, then calls `finish`; errors say what went wrong with the body. */
type ReadAnswer<A> = (res: http.IncomingMessage, finish: Finish<A>) => void;

function answerHeaders(res: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function httpRequest<A>(
  method: 'GET' | 'POST',
  url: string,
  body: string | Uint8Array | undefined,
  opts: HttpPostOptions,
  read: ReadAnswer<A>,
): Promise<A> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  if (!secure && u.protocol !== 'http:') return Promise.reject(new HttpFailure(`unsupported protocol ${u.protocol}`));
  const headers: Record<string, string> = {
    // A kept prefix is read as it comes: ask for no encoding it could not decode.
    ...(opts.keepBytes === undefined ? { 'accept-encoding': 'gzip' } : {}),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...opts.headers,
    ...(body === undefined ? {} : { 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength) }),
  };
  if (u.username !== '' && headers['authorization'] === undefined) {
    const cred = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    headers['authorization'] = `Basic ${Buffer.from(cred).toString('base64')}`;
  }
  const agent = opts.agent ?? (secure ? AGENTS.https : AGENTS.http);
  return new Promise<A>((resolve, reject) => {
    let settled = false;
    const finish: Finish<A> = (err, answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== null) {
        req.destroy();
        reject(err);
      } else if (answer !== undefined) resolve(answer);
    };
    const req = (secure ? https : http).request(
      { protocol: u.protocol, hostname: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, headers, agent },
      (res) => read(res, finish),
    );
    const timer = setTimeout(() => finish(new HttpTimeout(opts.timeoutMs)), opts.timeoutMs);
    req.on('error', (e) => finish(new HttpFailure(e.message, { cause: e })));
    req.end(body);
  });
}

/** The body as bytes: joined once, gunzipped when so encoded; or only its first `keepBytes`. */
function readBytes(opts: Pick<HttpPostOptions, 'maxBytes' | 'keepBytes'>): ReadAnswer<HttpAnswer> {
  return (res, finish) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    const keepBytes = opts.keepBytes;
    res.on('data', (c: Buffer) => {
      if (keepBytes !== undefined) {
        if (size < keepBytes) chunks.push(c.subarray(0, keepBytes - size));
        size = Math.min(keepBytes, size + c.length);
        return;
      }
      size += c.length;
      if (size > maxBytes) finish(new HttpFailure(`answer larger than ${maxBytes} bytes`));
      else chunks.push(c);
    });
    res.on('error', (e) => finish(new HttpFailure(`reading the answer: ${e.message}`, { cause: e })));
    res.on('end', () => {
      const raw = Buffer.concat(chunks, size);
      const headers = answerHeaders(res);
      const status = res.statusCode ?? 0;
      if (headers['content-encoding'] === 'gzip' && keepBytes === undefined) {
        gunzipAsync(raw).then(
          (b) => finish(null, { status, headers, body: b }),
          (e: Error) => finish(new HttpFailure(`bad gzip body: ${e.message}`, { cause: e })),
        );
      } else finish(null, { status, headers, body: raw });
    });
  };
}

/** The body as text (gunzipped as it streams when so encoded). */
function readText(maxBytes: number): ReadAnswer<HttpTextAnswer> {
  return (res, finish) => {
    const headers = answerHeaders(res);
    const gzip = headers['content-encoding'] === 'gzip';
    res.on('error', (e) => finish(new HttpFailure(`reading the answer: ${e.message}`, { cause: e })));
    let source: Readable = res;
    if (gzip) {
      const gunzipping = createGunzip();
      gunzipping.on('error', (e) => finish(new HttpFailure(`bad gzip body: ${e.message}`, { cause: e })));
      source = res.pipe(gunzipping);
    }
    const text = new TextCollector();
    let size = 0;
    source.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) return text.add(c);
      // Decoded size: a small gzip body must not unpack into more than the cap either.
      if (gzip) source.destroy();
      finish(new HttpFailure(`answer larger than ${maxBytes} bytes`));
    });
    source.on('end', () => finish(null, { status: res.statusCode ?? 0, headers, text: text.text() }));
  };
}

/**
 * `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; null
 * when absent or unreadable. Callers cap it: each knows how long it may wait.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
