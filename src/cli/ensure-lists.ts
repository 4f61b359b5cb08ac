import { listId } from '../domain/sanction-entry.js';
import { loadActiveLists, type ActiveLists } from '../sanctions/active-lists.js';
import { refreshList } from '../sanctions/refresh-list.js';
import type { CliContext } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { refreshRequestFor } from './list-requests.js';

/**
 * The lists screening uses: every stored list's active snapshot. A configured list that has
 * never been loaded is loaded first (first run); if that fails, screening stops rather than
 * answer "clean" against an incomplete set.
 */
export async function activeListsForScreening(ctx: CliContext): Promise<ActiveLists> {
  const store = await ctx.store();
  for (const list of ctx.config.lists) {
    if (await store.lists.latestSnapshot(listId(list.id))) continue;
    ctx.log.info({ list: list.id, source: list.source }, 'list has no snapshot yet; loading it');
    const result = await refreshList(store.lists, ctx.log, refreshRequestFor(list));
    if (result.outcome === 'rejected') {
      throw new CliError(`list ${list.id} could not be loaded, so screening would be incomplete: ${result.reason}`, EXIT.failed);
    }
  }
  const active = await loadActiveLists(store.lists);
  if (active.snapshots.size === 0) {
    throw new CliError('no sanctions list is loaded: configure one under "lists" or run `cordon lists import`', EXIT.usage);
  }
  return active;
}
