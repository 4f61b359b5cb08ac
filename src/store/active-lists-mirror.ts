/**
 * A copy, in files beside the tables, of what screening reads from an embedded store: the
 * active version of every list and its index image. `cordon screen` reads it without starting
 * PGlite (a fraction of a second and of the memory). Only an embedded store on disk keeps one:
 * one process at a time writes it (the data directory's lock), so that process can keep the
 * copy exact; PostgreSQL is written by any number of processes and is cheap to open anyway.
 *
 * The copy is never stale: before a change to list versions or images the manifest is removed
 * (readers then open the store), and it is written again from the committed tables once no
 * such change is in flight. A crash in between leaves no manifest, and the next process that
 * opens the store writes it. The images are opaque text here (sanctions/index-image.ts).
 *
 *   <dataDir>/cordon-active-lists/manifest.json
 *   <dataDir>/cordon-active-lists/<list>@<version>.image
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ListId } from '../domain/sanction-entry.js';
import type { ListSnapshot, ListsRepo } from './lists-repo.js';

export const MIRROR_DIR_NAME = 'cordon-active-lists';
const MANIFEST = 'manifest.json';
const FORMAT = 'cordon-active-lists/1';

interface ManifestVersion {
  readonly listId: string;
  readonly version: number;
  readonly contentHash: string;
  readonly source: string;
  readonly entryCount: number;
  readonly addedCount: number;
  readonly removedCount: number;
  readonly fetchedAt: string;
  readonly image: string;
  readonly imageSha256: string;
}

interface Manifest {
  readonly format: typeof FORMAT;
  /** In the order the store lists them (`listSnapshots`), which is the order screening indexes them in. */
  readonly lists: readonly ManifestVersion[];
}

/** One list's active version and its index image, as the mirror holds them. */
export interface MirroredVersion {
  readonly snapshot: ListSnapshot;
  readonly image: string;
}

export function mirrorDirFor(dataDir: string): string {
  return join(resolve(dataDir), MIRROR_DIR_NAME);
}

/**
 * The active versions and their images, in the store's order; null when there is no manifest
 * or any part of the copy is missing or damaged (the caller then opens the store).
 */
export async function readActiveListsMirror(dataDir: string): Promise<MirroredVersion[] | null> {
  const dir = mirrorDirFor(dataDir);
  let manifest: Manifest | null;
  try {
    manifest = parseManifest(await readFile(join(dir, MANIFEST), 'utf8'));
  } catch {
    return null;
  }
  if (manifest === null) return null;
  const out: MirroredVersion[] = [];
  for (const v of manifest.lists) {
    let image: string;
    try {
      image = await readFile(join(dir, v.image), 'utf8');
    } catch {
      // Replaced by a newer activation since the manifest was read.
      return null;
    }
    if (sha256(image) !== v.imageSha256) {
      // Damaged (files are replaced whole, by rename): without a manifest, the next process to
      // open the store writes the copy again.
      await unlink(join(dir, MANIFEST)).catch(() => undefined);
      return null;
    }
    out.push({ snapshot: snapshotOf(v), image });
  }
  return out;
}

/** The manifest's versions without reading the images (what the store compares at open). */
function readManifestSync(dir: string): Manifest | null {
  try {
    return parseManifest(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    return null;
  }
}

function parseManifest(text: string): Manifest | null {
  const raw = JSON.parse(text) as Partial<Manifest> | null;
  if (raw === null || typeof raw !== 'object' || raw.format !== FORMAT || !Array.isArray(raw.lists)) return null;
  for (const v of raw.lists as unknown[]) {
    const o = v as Partial<ManifestVersion> | null;
    if (
      o === null ||
      typeof o !== 'object' ||
      typeof o.listId !== 'string' ||
      !Number.isInteger(o.version) ||
      typeof o.contentHash !== 'string' ||
      typeof o.source !== 'string' ||
      !Number.isInteger(o.entryCount) ||
      !Number.isInteger(o.addedCount) ||
      !Number.isInteger(o.removedCount) ||
      typeof o.fetchedAt !== 'string' ||
      Number.isNaN(Date.parse(o.fetchedAt)) ||
      typeof o.image !== 'string' ||
      o.image !== imageFileName(o.listId, o.version as number) ||
      typeof o.imageSha256 !== 'string'
    ) {
      return null;
    }
  }
  return raw as Manifest;
}

function snapshotOf(v: ManifestVersion): ListSnapshot {
  return {
    listId: v.listId as ListId,
    version: v.version,
    contentHash: v.contentHash,
    source: v.source,
    entryCount: v.entryCount,
    addedCount: v.addedCount,
    removedCount: v.removedCount,
    fetchedAt: new Date(v.fetchedAt),
  };
}

/** List ids are `[a-z0-9._-]` (domain/sanction-entry.ts): safe in a file name as they are. */
function imageFileName(listId: string, version: number): string {
  return `${listId}@${version}.image`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Newest version of each list, in the order `listSnapshots` returns the lists. */
function activeOf(all: readonly ListSnapshot[]): ListSnapshot[] {
  const active = new Map<ListId, ListSnapshot>();
  for (const s of all) {
    const seen = active.get(s.listId);
    if (seen === undefined || s.version > seen.version) active.set(s.listId, s);
  }
  return [...active.values()];
}

export interface MirrorLog {
  warn(obj: object, msg: string): void;
}

/**
 * Keeps the mirror of one embedded store: `change` wraps every write that can change the
 * active versions or their images; `sync` (re)writes the copy from the committed tables.
 */
export class ActiveListsMirror {
  readonly dir: string;
  /** Changes in flight; the manifest is written only when there are none. */
  #inFlight = 0;
  /** Bumped by each change, so a sync that a change overtook does not publish what it read. */
  #generation = 0;

  constructor(
    dataDir: string,
    private readonly lists: ListsRepo,
    private readonly log: MirrorLog,
  ) {
    this.dir = mirrorDirFor(dataDir);
  }

  /**
   * Runs a change of list versions or images: the manifest is removed first (a change that
   * cannot remove it is refused, since the copy would go stale), and written again after.
   */
  async change<T>(fn: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await fn();
    } finally {
      await this.end();
    }
  }

  /** A change begins (see `change`): removes the manifest, or throws when it cannot. */
  begin(): void {
    this.#inFlight++;
    this.#generation++;
    try {
      this.#removeManifest();
    } catch (err) {
      this.#inFlight--;
      throw err;
    }
  }

  /** A change that `begin` announced is committed or rolled back: the last one writes the copy. */
  async end(): Promise<void> {
    this.#inFlight--;
    if (this.#inFlight === 0) await this.sync();
  }

  /** At open: writes the copy unless the manifest already names exactly the active versions. */
  async syncIfStale(): Promise<void> {
    const manifest = readManifestSync(this.dir);
    if (manifest !== null) {
      let active: ListSnapshot[];
      try {
        active = activeOf(await this.lists.listSnapshots());
      } catch (err) {
        this.log.warn({ err, dir: this.dir }, 'cannot compare the copy of the active lists with the store; removing it');
        return this.#removeManifestQuietly();
      }
      const same =
        active.length === manifest.lists.length &&
        active.every((s, i) => {
          const m = manifest.lists[i];
          return m !== undefined && m.listId === s.listId && m.version === s.version && m.contentHash === s.contentHash && m.entryCount === s.entryCount;
        });
      if (same) return;
    }
    await this.sync();
  }

  /**
   * Writes the images of the active versions, then the manifest naming them, then removes the
   * images no longer named. A version without an image leaves no manifest (readers open the
   * store, which stores the image as it loads the version). Failures are logged: the copy only
   * saves time.
   */
  async sync(): Promise<void> {
    const generation = this.#generation;
    try {
      const versions: ManifestVersion[] = [];
      for (const s of activeOf(await this.lists.listSnapshots())) {
        const image = await this.lists.indexImage(s.listId, s.version);
        if (image === null) {
          if (generation === this.#generation) this.#removeManifestQuietly();
          return;
        }
        const file = imageFileName(s.listId, s.version);
        const imageSha256 = sha256(image);
        await mkdir(this.dir, { recursive: true });
        if (!(await holds(join(this.dir, file), imageSha256))) await writeAtomically(join(this.dir, file), image);
        versions.push({
          listId: s.listId,
          version: s.version,
          contentHash: s.contentHash,
          source: s.source,
          entryCount: s.entryCount,
          addedCount: s.addedCount,
          removedCount: s.removedCount,
          fetchedAt: s.fetchedAt.toISOString(),
          image: file,
          imageSha256,
        });
      }
      await mkdir(this.dir, { recursive: true });
      const manifest: Manifest = { format: FORMAT, lists: versions };
      const tmp = join(this.dir, `${MANIFEST}.${process.pid}.tmp`);
      await writeFile(tmp, JSON.stringify(manifest, null, 1));
      // Checked and renamed in one step of the event loop: a change that began meanwhile has
      // removed the manifest already and will sync after itself.
      if (generation !== this.#generation || this.#inFlight > 0) return void (await unlink(tmp).catch(() => undefined));
      renameSync(tmp, join(this.dir, MANIFEST));
      const named = new Set([MANIFEST, ...versions.map((v) => v.image)]);
      for (const f of await readdir(this.dir)) if (!named.has(f) && !f.endsWith('.tmp')) await unlink(join(this.dir, f)).catch(() => undefined);
    } catch (err) {
      this.log.warn({ err, dir: this.dir }, 'cannot write the copy of the active lists; `cordon screen` opens the store instead');
      if (generation === this.#generation) this.#removeManifestQuietly();
    }
  }

  #removeManifest(): void {
    try {
      unlinkSync(join(this.dir, MANIFEST));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(
        `cannot remove ${join(this.dir, MANIFEST)} (${(err as Error).message}) before changing the lists; nothing was changed. ` +
          'Fix the permissions of that folder (screening reads it) and retry',
        { cause: err },
      );
    }
  }

  #removeManifestQuietly(): void {
    try {
      this.#removeManifest();
    } catch {
      // Logged by the caller already.
    }
  }
}

async function holds(path: string, sha: string): Promise<boolean> {
  try {
    return sha256(await readFile(path, 'utf8')) === sha;
  } catch {
    return false;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  renameSync(tmp, path);
}
