import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DEFAULT_MAX_BYTES, downloadToFile, openDecoded } from './download.js';
import { ListParseError } from './list-errors.js';
import { DEFAULT_USER_AGENT } from './user-agent.js';

/**
 * Reading list sources: local files, folders and http(s) URLs. The only I/O in sanctions/.
 * A download that fails is an error here; the caller keeps the last good snapshot.
 * A download is streamed to a temporary file, then read from there; gzip (a `.gz` file, a
 * gzipped download or `content-encoding: gzip`) is undone while reading. Errors name the
 * source redacted (see source-url.ts).
 */
export interface ReadOptions {
  /** Milliseconds for a whole download. */
  readonly timeout: number;
  /** Default: DEFAULT_USER_AGENT, which OFAC's firewall accepts. */
  readonly userAgent?: string;
  /** Largest body, downloaded and decompressed; default DEFAULT_MAX_BYTES. */
  readonly maxBytes?: number;
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export async function readText(source: string, opts: ReadOptions): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await openStream(source, opts)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A byte stream of the source, for formats too large to hold whole (OFAC's advanced XML). */
export async function openStream(source: string, opts: ReadOptions): Promise<AsyncIterable<Uint8Array>> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!isUrl(source)) {
    if ((await statOrFail(source)).isDirectory()) throw new ListParseError(source, 'is a folder, not a file');
    return openDecoded(source, source, maxBytes);
  }
  const file = await downloadToFile(source, { timeoutMs: opts.timeout, userAgent: opts.userAgent ?? DEFAULT_USER_AGENT, maxBytes });
  try {
    // The open file stays readable once its folder is removed, and nothing is left behind.
    return await openDecoded(file.path, source, maxBytes);
  } finally {
    await file.dispose();
  }
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
