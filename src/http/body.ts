/** Reading and checking request bodies (JSON, and the console's HTML forms): size-limited, fields named in errors. */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './router.js';

export const DEFAULT_BODY_LIMIT = 64 * 1024;

function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Reads the body of a JSON request. 415 for another content type, 413 past `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = contentType(req);
  if (type !== 'application/json') {
    throw new HttpError(415, `send the body as JSON with content-type application/json (got ${type === '' ? 'none' : type})`);
  }
  const text = await readText(req, limit);
  if (text.trim() === '') throw new HttpError(400, 'empty body; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, `body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Reads an HTML form's body (`application/x-www-form-urlencoded`). 415 for another type, 413 past `limit` bytes. */
export async function readFormBody(req: IncomingMessage, limit: number): Promise<URLSearchParams> {
  const type = contentType(req);
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, `send the form as application/x-www-form-urlencoded (got ${type === '' ? 'none' : type})`);
  }
  return new URLSearchParams(await readText(req, limit));
}

/** The body as UTF-8 text, at most `limit` bytes (413 past it). */
async function readText(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `body larger than ${limit} bytes`, undefined, { connection: 'close' });
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();

  // Events rather than `for await`: leaving that loop early destroys the socket before the 413
  // can be sent. Past the limit the rest is discarded and the connection closed after the reply.
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const received: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        settled = true;
        reject(tooLarge());
        return;
      }
      received.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(received);
    });
    req.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(new HttpError(400, `request body aborted: ${err.message}`));
    });
  });
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as an object with only `allowed` keys (a typo like `account_id` is named, not ignored). */
export function bodyObject(body: unknown, allowed: readonly string[]): Readonly<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `body must be a JSON object with ${allowed.join(', ')}`);
  }
  const obj = body as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new HttpError(400, `unknown field "${key}" (expected ${allowed.join(', ')})`, key);
  }
  return obj;
}

export interface StringRule {
  /** Default 256. */
  readonly max?: number;
}

/** A required non-blank string field, trimmed. */
export function requiredString(obj: Readonly<Record<string, unknown>>, field: string, rule: StringRule = {}): string {
  const v = optionalString(obj, field, rule);
  if (v === undefined) throw new HttpError(400, `${field} is required`, field);
  return v;
}

/** An optional string field, trimmed; absent, null and "" are all absent. */
export function optionalString(obj: Readonly<Record<string, unknown>>, field: string, rule: StringRule = {}): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `${field} must be a string`, field);
  const s = v.trim();
  if (s === '') return undefined;
  const max = rule.max ?? 256;
  if (s.length > max) throw new HttpError(400, `${field} is longer than ${max} characters`, field);
  return s;
}
