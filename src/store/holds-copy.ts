/**
 * A copy of the holds table, in a file beside an embedded store's tables, that `cordon holds
 * list` reads without starting PGlite (which alone takes about a second).
 *
 * The copy is exact because one process at a time opens the data directory (its lock): the
 * process that takes the lock removes the copy before anything can write, and writes it again
 * from the committed table as it closes, once nothing else can write. While a process holds
 * the store, and after one crashed, there is no copy and readers open the store. Past
 * `MAX_HOLDS_IN_COPY` holds no copy is written: reading it whole would cost more than it saves.
 *
 *   <dataDir>/cordon-holds.json
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { holdFromJson } from './hold-json.js';
import type { HoldsRepo, StoredHold } from './holds-repo.js';

export const HOLDS_COPY_FILE = 'cordon-holds.json';
export const MAX_HOLDS_IN_COPY = 20_000;
const FORMAT = 'cordon-holds/1';

/** What `cordon holds list` needs of the holds: the repository's own query, answered from the copy. */
export type HoldsLister = Pick<HoldsRepo, 'listHolds'>;

export function holdsCopyPath(dataDir: string): string {
  return join(resolve(dataDir), HOLDS_COPY_FILE);
}

/**
 * At open, under the lock, before anything writes: the copy stops describing the store. A copy
 * that cannot be removed would be read stale, so that refuses the open.
 */
export function removeHoldsCopy(dataDir: string): void {
  const path = holdsCopyPath(dataDir);
  try {
    // A half-written copy of a process that died while closing, never read (see writeHoldsCopy).
    for (const f of readdirSync(resolve(dataDir))) if (f.startsWith(`${HOLDS_COPY_FILE}.`) && f.endsWith('.tmp')) unlinkSync(join(resolve(dataDir), f));
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(
      `cannot remove ${path} (${(err as Error).message}), the copy of the holds that \`holds list\` reads; the store was not opened. ` +
        'Fix the permissions of the data directory and retry',
      { cause: err },
    );
  }
}

export interface HoldsCopyLog {
  warn(obj: object, msg: string): void;
}

/**
 * At close, under the lock, once nothing else can write: the copy of every hold, newest first.
 * Failures are logged and leave no copy (readers open the store): the copy only saves time.
 */
export async function writeHoldsCopy(dataDir: string, holds: HoldsRepo, log: HoldsCopyLog): Promise<'written' | 'too-many' | 'failed'> {
  const path = holdsCopyPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const rows = await holds.listHolds({ limit: MAX_HOLDS_IN_COPY + 1 });
    if (rows.length > MAX_HOLDS_IN_COPY) return 'too-many';
    // Dates become ISO 8601 by themselves; bigints (amounts, block numbers) decimal strings.
    await writeFile(tmp, JSON.stringify({ format: FORMAT, holds: rows }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    await rename(tmp, path);
    return 'written';
  } catch (err) {
    log.warn({ err, path }, 'cannot write the copy of the holds; `cordon holds list` opens the store instead');
    await unlink(tmp).catch(() => undefined);
    return 'failed';
  }
}

/**
 * The holds as the copy has them, behind the repository's `listHolds`; null when there is no
 * copy or it is not one this version reads (the caller then opens the store).
 */
export async function readHoldsCopy(dataDir: string): Promise<HoldsLister | null> {
  let text: string;
  try {
    text = await readFile(holdsCopyPath(dataDir), 'utf8');
  } catch {
    return null;
  }
  let holds: StoredHold[];
  try {
    const raw = JSON.parse(text) as { format?: unknown; holds?: unknown } | null;
    if (raw === null || typeof raw !== 'object' || raw.format !== FORMAT || !Array.isArray(raw.holds)) return null;
    holds = (raw.holds as unknown[]).map(holdFromJson);
  } catch {
    // Damaged: written whole by rename, so only by hand. The store has the truth.
    return null;
  }
  return {
    listHolds: ({ state, accountId, chain, listId, limit }) => {
      // As the repository's SQL does it: every filter given must equal, newest first, at most `limit`.
      const out: StoredHold[] = [];
      for (const h of holds) {
        if (out.length >= limit) break;
        if (state !== undefined && h.state !== state) continue;
        if (accountId !== undefined && h.accountId !== accountId) continue;
        if (chain !== undefined && h.chain !== chain) continue;
        if (listId !== undefined && h.listId !== listId) continue;
        out.push(h);
      }
      return Promise.resolve(out);
    },
  };
}
