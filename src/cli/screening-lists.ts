import type { ListId } from '../domain/sanction-entry.js';
import type { ActiveLists } from '../sanctions/active-lists.js';
import { AddressIndex, type SnapshotIndex } from '../sanctions/address-index.js';
import { decodeIndexImage, IndexImageUnreadable } from '../sanctions/index-image.js';
import type { SnapshotInfo } from '../sanctions/snapshot-store.js';
import { readActiveListsMirror } from '../store/active-lists-mirror.js';
import type { CliContext } from './context.js';

/**
 * The lists `screen` checks against: from the embedded store's copy of its active lists when
 * there is one that covers every configured list (no database started), otherwise from the
 * store as `activeListsForScreening` reads them (which loads a list never loaded). Both give
 * the same versions in the same order, so the answers are the same.
 */
export async function listsForScreening(ctx: CliContext): Promise<ActiveLists> {
  const mirrored = await mirroredActiveLists(ctx);
  if (mirrored !== null) return mirrored;
  const { activeListsForScreening } = await import('./ensure-lists.js');
  return activeListsForScreening(ctx);
}

async function mirroredActiveLists(ctx: CliContext): Promise<ActiveLists | null> {
  const store = ctx.config.store;
  if (store.driver !== 'pglite' || store.dataDir.startsWith('memory://')) return null;
  const versions = await readActiveListsMirror(store.dataDir);
  if (versions === null || versions.length === 0) return null;
  // A configured list with no version yet: the store path loads it first.
  if (ctx.config.lists.some((l) => !versions.some((v) => v.snapshot.listId === l.id))) return null;
  const snapshots = new Map<ListId, SnapshotInfo>();
  const parts: SnapshotIndex[] = [];
  for (const { snapshot, image } of versions) {
    try {
      parts.push(decodeIndexImage(snapshot.listId, snapshot.version, image, snapshot.entryCount));
    } catch (err) {
      if (err instanceof IndexImageUnreadable) return null;
      throw err;
    }
    snapshots.set(snapshot.listId, snapshot);
  }
  const index = AddressIndex.of(parts);
  return { snapshots, index, entryCount: index.entryCount };
}
