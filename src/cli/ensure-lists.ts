import type { ListConfig } from '../config/schema.js';
import { listId } from '../domain/sanction-entry.js';
import { loadActiveLists, type ActiveLists } from '../sanctions/active-lists.js';
import { refreshList } from '../sanctions/refresh-list.js';
import { redactSourceUrl } from '../sanctions/source-url.js';
import type { CliContext } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { refreshRequestFor } from './list-requests.js';

/** A configured list that has no snapshot and could not be loaded now. */
interface ListLoadFailure {
  readonly list: ListConfig;
  readonly reason: string;
}

/**
 * The lists screening uses: every stored list's active snapshot. A configured list that has
 * never been loaded is loaded first (first run); if that fails, screening stops rather than
 * answer "clean" against an incomplete set.
 */
export async function activeListsForScreening(ctx: CliContext): Promise<ActiveLists> {
  const failures = await loadMissingLists(ctx);
  const active = await loadActiveLists((await ctx.store()).lists);
  if (failures.length > 0) throw loadFailed(failures, active.snapshots.size > 0, 'screening would be incomplete');
  if (active.snapshots.size === 0) throw nothingConfigured();
  return active;
}

/**
 * Before `replay` or `run` start screen workers: loads every configured list that has no
 * snapshot yet, as `screen` does, so that a job never meets an empty store (the workers fail
 * such a job at once, see NoListLoaded). `complete` (replay): a list that cannot be loaded
 * stops the command, since a replay against part of the lists would miss holds. Otherwise
 * (run): a list that fails is logged and retried by the refresher on its schedule, and only
 * a store with no list at all stops the command.
 */
export async function ensureListsForWorkers(ctx: CliContext, opts: { readonly complete: boolean }): Promise<void> {
  const failures = await loadMissingLists(ctx);
  const store = await ctx.store();
  const loaded = new Set((await store.lists.listSnapshots()).map((s) => s.listId));
  if (loaded.size === 0 && failures.length === 0) throw nothingConfigured();
  if (failures.length > 0 && (loaded.size === 0 || opts.complete)) {
    throw loadFailed(failures, loaded.size > 0, 'the blocks would be screened against part of the lists');
  }
  for (const f of failures) {
    ctx.log.error(
      { list: f.list.id, source: redactSourceUrl(f.list.source), reason: f.reason, loaded: [...loaded] },
      'list has no snapshot and could not be loaded; screening uses the other lists until a refresh loads it (the lists stage, or `cordon lists refresh`)',
    );
  }
}

/** Loads the configured lists that have no snapshot; returns the ones that could not be loaded. */
async function loadMissingLists(ctx: CliContext): Promise<ListLoadFailure[]> {
  const store = await ctx.store();
  const failures: ListLoadFailure[] = [];
  for (const list of ctx.config.lists) {
    const id = listId(list.id);
    if (await store.lists.latestSnapshot(id)) continue;
    ctx.log.info({ list: list.id, source: redactSourceUrl(list.source) }, 'list has no snapshot yet; loading it');
    try {
      const result = await refreshList(store.lists, ctx.log, refreshRequestFor(list));
      if (result.outcome === 'rejected') failures.push({ list, reason: result.reason });
    } catch (err) {
      // Another process starting at the same moment may have stored it first.
      if (await store.lists.latestSnapshot(id)) continue;
      failures.push({ list, reason: (err as Error).message });
    }
  }
  return failures;
}

function nothingConfigured(): CliError {
  return new CliError('no sanctions list is loaded: configure one under "lists" or run `cordon lists import`', EXIT.usage);
}

/** Exit 3 naming every list that failed and what to do; `partial`: other lists are loaded. */
function loadFailed(failures: readonly ListLoadFailure[], partial: boolean, consequence: string): CliError {
  const why = failures.map(describeFailure).join('; ');
  const fix = failures[0] === undefined ? '' : whatToDo(failures[0]);
  return new CliError(partial ? `${why}, so ${consequence}${fix}` : `no sanctions list is loaded and ${why}${fix}`, EXIT.failed);
}

function describeFailure({ list, reason }: ListLoadFailure): string {
  // A refused load's reason usually names the source already.
  const source = redactSourceUrl(list.source);
  return `list ${list.id} could not be loaded${reason.includes(source) ? '' : ` from ${source}`}: ${reason}`;
}

function whatToDo({ list }: ListLoadFailure): string {
  return `; fix its source (lists: ${list.id} in the config) and run \`cordon lists refresh ${list.id}\`, or load a copy with \`cordon lists import ${list.id} <path>\``;
}
