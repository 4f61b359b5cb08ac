/**
 * Downloading a list source to a temporary file, and reading a file back decoded. A download
 * is streamed to disk (never held in memory), capped at `maxBytes` both on the wire and once
 * decompressed, follows at most `maxRedirects` redirects by hand (a loop is named as one), and
 * sends a User-Agent OFAC's firewall accepts. Every URL in an error is redacted.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { ListParseError } from './list-errors.js';
import { redactSourceUrl, redactUrlsIn } from './source-url.js';
import { ofacWafRefusal } from './user-agent.js';

/** 512 MiB: OFAC's advanced XML is ~120 MB; a body past the cap is refused, not read. */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

export interface DownloadOptions {
  /** The whole download, first byte to last. */
  readonly timeoutMs: number;
  readonly userAgent: string;
  readonly maxBytes: number;
  readonly maxRedirects?: number;
}

/** A downloaded body on disk (content-encoding already undone). `dispose` removes it. */
export interface DownloadedFile {
  readonly path: string;
  dispose(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Streams the body of `url` to a temporary file; throws ListParseError naming what failed. */
export async function downloadToFile(url: string, opts: DownloadOptions): Promise<DownloadedFile> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const dir = await mkdtemp(join(tmpdir(), 'cordon-list-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'body');
  const received = { bytes: 0, answered: false };
  try {
    const res = await follow(url, opts, signal);
    received.answered = true;
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      res.resume();
      throw new ListParseError(url, `download failed: ${statusReason(res, url, opts.userAgent)}`);
    }
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > opts.maxBytes) {
      res.destroy();
      throw new ListParseError(url, `download refused: the server announces ${length} bytes, ${tooBig(opts.maxBytes)}`);
    }
    const decode = contentDecoder(res, url);
    await pipelineAsync(
      [
        res,
        byteCap(url, opts.maxBytes, 'download', received),
        ...(decode === undefined ? [] : [decode, byteCap(url, opts.maxBytes, 'decompressed')]),
        createWriteStream(path),
      ],
      { signal },
    );
    return { path, dispose };
  } catch (err) {
    await dispose();
    throw downloadError(err, url, opts.timeoutMs, signal, received);
  }
}

/**
 * The bytes of a file, gunzipped when they start with gzip's magic bytes (`.gz` files and
 * gzipped downloads alike), capped at `maxBytes` after decompression (a zip bomb stops there).
 * `name` is what errors call the file (the configured source).
 */
export async function openDecoded(path: string, name: string, maxBytes: number): Promise<AsyncIterable<Uint8Array>> {
  const handle = await open(path, 'r');
  let gzip: boolean;
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    gzip = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (err) {
    await handle.close();
    throw new ListParseError(name, `cannot read: ${errorText(err)}`);
  }
  const raw = handle.createReadStream({ start: 0 });
  const stages: (Transform | Readable)[] = [raw, ...(gzip ? [createGunzip()] : []), byteCap(name, maxBytes, gzip ? 'decompressed' : 'file')];
  // Errors reach the last stage (pipeline destroys every stage with the first error).
  const last = pipeline(stages, () => undefined) as unknown as Readable;
  return decodedChunks(last, raw, name, gzip);
}

async function* decodedChunks(last: Readable, raw: Readable, name: string, gzip: boolean): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of last) yield chunk as Uint8Array;
  } catch (err) {
    if (err instanceof ListParseError) throw err;
    if (gzip && isZlibError(err)) throw new ListParseError(name, `not a readable .gz (truncated or corrupt): ${errorText(err)}`);
    throw new ListParseError(name, `reading failed: ${errorText(err)}`);
  } finally {
    last.destroy();
    raw.destroy();
  }
}

/** GETs `url`, following redirects by hand; returns the first non-redirect response. */
async function follow(url: string, opts: DownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const first = parseUrl(url);
  // Credentials in the URL become Basic auth, sent to the source's own origin only.
  const auth =
    first.username === '' && first.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(first.username)}:${decodeURIComponent(first.password)}`).toString('base64')}`;
  first.username = '';
  first.password = '';
  const visited = [first.href];
  let current = first;
  for (;;) {
    const headers: OutgoingHttpHeaders = {
      'user-agent': opts.userAgent,
      accept: '*/*',
      'accept-encoding': 'gzip',
      ...(auth !== undefined && current.origin === first.origin ? { authorization: auth } : {}),
    };
    const res = await get(current, headers, signal);
    const status = res.statusCode ?? 0;
    if (!REDIRECT_STATUSES.has(status)) return res;
    res.resume();
    const location = res.headers.location;
    if (location === undefined || location === '') {
      throw new ListParseError(url, `download failed: HTTP ${status} from ${redactSourceUrl(current.href)} redirects without a Location`);
    }
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new ListParseError(url, `download failed: HTTP ${status} from ${redactSourceUrl(current.href)} redirects to an unreadable Location`);
    }
    const hops = [...visited, next.href].map(redactSourceUrl).join(' → ');
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new ListParseError(url, `download failed: redirected to a ${next.protocol} URL: ${hops}`);
    }
    if (visited.includes(next.href)) {
      throw new ListParseError(url, `download failed: redirect loop: ${hops}; the server (or a proxy) is misconfigured`);
    }
    if (visited.length > maxRedirects) {
      throw new ListParseError(url, `download failed: too many redirects (more than ${maxRedirects}): ${hops}`);
    }
    visited.push(next.href);
    current = next;
  }
}

function get(url: URL, headers: OutgoingHttpHeaders, signal: AbortSignal): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, signal }, resolve);
    req.on('error', reject);
    req.end();
  });
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ListParseError(url, 'not a valid URL');
  }
}

/** A decoder for the response's content-encoding, or undefined for none. */
function contentDecoder(res: IncomingMessage, url: string): Transform | undefined {
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  res.destroy();
  throw new ListParseError(url, `download failed: the server sent content-encoding "${encoding}", which Cordon cannot decode (it asks for gzip)`);
}

type CapStage = 'download' | 'decompressed' | 'file';

/** Passes bytes through until more than `limit` passed, then fails with a ListParseError. */
function byteCap(name: string, limit: number, stage: CapStage, counter: { bytes: number } = { bytes: 0 }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      counter.bytes += chunk.length;
      if (counter.bytes <= limit) return done(null, chunk);
      const what = { download: 'the download is', decompressed: 'the decompressed content is', file: 'the file is' }[stage];
      done(new ListParseError(name, `${what} ${tooBig(limit)}; stopped after ${counter.bytes} bytes`));
    },
  });
}

function tooBig(limit: number): string {
  return `larger than the list's maxBytes (${limit} bytes, ${(limit / 1024 / 1024).toFixed(1)} MiB): if the list really grew, raise maxBytes`;
}

function statusReason(res: IncomingMessage, url: string, userAgent: string): string {
  const status = res.statusCode ?? 0;
  const text = `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} from ${redactSourceUrl(url)}`;
  if (status !== 403) return text;
  const waf = ofacWafRefusal(userAgent);
  return waf === undefined
    ? `${text} (refused; if a web application firewall refuses the client, check the list's userAgent: "${userAgent}")`
    : `${text}: the User-Agent sent ("${userAgent}") ${waf}, which OFAC's firewall refuses; set the list's userAgent or leave it unset for Cordon's default`;
}

function downloadError(
  err: unknown,
  url: string,
  timeoutMs: number,
  signal: AbortSignal,
  { bytes, answered }: { readonly bytes: number; readonly answered: boolean },
): ListParseError {
  if (err instanceof ListParseError) return err;
  if (signal.aborted) {
    return new ListParseError(
      url,
      answered
        ? `download did not finish within ${timeoutMs} ms (the list's timeout; ${bytes} bytes received)`
        : `download failed: no answer within ${timeoutMs} ms (the list's timeout)`,
    );
  }
  if (isZlibError(err)) return new ListParseError(url, `download failed: the gzip-encoded body is corrupt or truncated: ${errorText(err)}`);
  const reason = bytes > 0 ? `download broke off after ${bytes} bytes` : 'download failed';
  return new ListParseError(url, `${reason}: ${redactUrlsIn(errorText(err))}`);
}

function isZlibError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
