import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { ListParseError } from './list-errors.js';

/**
 * Reading list sources: local files, folders and http(s) URLs. The only I/O in sanctions/.
 * A download that fails is an error here; the caller keeps the last good snapshot.
 */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export async function readText(source: string, timeoutMs: number): Promise<string> {
  if (!isUrl(source)) {
    try {
      return await readFile(source, 'utf8');
    } catch (err) {
      throw new ListParseError(source, `cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const res = await download(source, timeoutMs);
  try {
    return await res.text();
  } catch (err) {
    throw new ListParseError(source, `download broke off: ${(err as Error).message}`);
  }
}

/** A byte stream of the source, for formats too large to hold whole (OFAC's advanced XML). */
export async function openStream(source: string, timeoutMs: number): Promise<AsyncIterable<Uint8Array>> {
  if (!isUrl(source)) {
    await statOrFail(source);
    return createReadStream(source);
  }
  const res = await download(source, timeoutMs);
  if (!res.body) throw new ListParseError(source, 'download has no body');
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

/** Files in a folder source, sorted by name, filtered by a name test. */
export async function folderFiles(source: string, accept: (name: string) => boolean): Promise<string[]> {
  const info = await statOrFail(source);
  if (!info.isDirectory()) return [source];
  const names = (await readdir(source)).filter(accept).sort();
  if (names.length === 0) throw new ListParseError(source, 'folder holds no list files');
  return names.map((n) => join(source, n));
}

/** Finds `name` in a folder whatever its letter case (OFAC publishes SDN.CSV, mirrors sdn.csv). */
export async function fileInFolder(folder: string, name: string): Promise<string | undefined> {
  const names = await readdir(folder);
  const found = names.find((n) => n.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : join(folder, found);
}

/** The URL of a sibling file (`…/SDN.CSV` → `…/SDN_COMMENTS.CSV`), keeping the letter case. */
export function siblingUrl(url: string, stem: string): string {
  const u = new URL(url);
  const file = basename(u.pathname);
  const upper = file === file.toUpperCase();
  u.pathname = u.pathname.slice(0, -file.length) + (upper ? stem.toUpperCase() : stem.toLowerCase());
  return u.toString();
}

export async function isFolder(source: string): Promise<boolean> {
  if (isUrl(source)) return false;
  return (await statOrFail(source)).isDirectory();
}

async function statOrFail(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    throw new ListParseError(path, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function download(url: string, timeoutMs: number): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
    throw new ListParseError(url, `download failed: ${reason}`);
  }
  if (!res.ok) throw new ListParseError(url, `download failed: HTTP ${res.status} ${res.statusText}`);
  return res;
}
