/**
 * The lists API for the compliance team: the version of a list awaiting approval with its diff
 * against the active one, and its approval (who and why, kept in the append-only audit). An
 * approval reaches the holds citing what the version removes or changes, as from the CLI.
 */
import { listId, type ListId } from '../domain/sanction-entry.js';
import { afterListActivation } from '../holds/index.js';
import { approvePendingVersion, NoPendingVersion, pendingDiff } from '../sanctions/refresh-list.js';
import { bodyObject, requiredString } from './body.js';
import type { HttpDeps } from './deps.js';
import { HttpError, type RequestContext, type Route } from './router.js';

function listRef(ctx: RequestContext): ListId {
  try {
    return listId(ctx.params['id'] ?? '');
  } catch (err) {
    throw new HttpError(400, (err as Error).message, 'id');
  }
}

export function listsRoutes(deps: HttpDeps): Route[] {
  const lists = deps.store.lists;
  const needLists = () => {
    if (lists === undefined) throw new HttpError(503, 'this process serves no lists API (no store for lists was wired)');
    return lists;
  };
  return [
    {
      method: 'GET',
      path: '/v1/lists/:id/pending',
      auth: 'token',
      async handle(ctx) {
        const id = listRef(ctx);
        const found = await pendingDiff(needLists(), id);
        if (found === null) throw new HttpError(404, new NoPendingVersion(id).message);
        return {
          status: 200,
          json: {
            listId: id,
            pending: found.pending,
            activeVersion: found.activeVersion,
            entries: found.entries,
            summary: found.summary,
            added: found.diff.added,
            removed: found.diff.removed,
            changed: found.diff.changed,
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/lists/:id/pending/approve',
      auth: 'token',
      async handle(ctx) {
        const id = listRef(ctx);
        const body = bodyObject(await ctx.body(), ['by', 'reason', 'pendingId']);
        const by = requiredString(body, 'by');
        const reason = requiredString(body, 'reason', { max: 2_000 });
        const rawPending = body['pendingId'];
        if (rawPending !== undefined && (typeof rawPending !== 'number' || !Number.isSafeInteger(rawPending) || rawPending < 1)) {
          throw new HttpError(400, 'pendingId must be the positive integer id of the pending version reviewed', 'pendingId');
        }
        const approved = await approvePendingVersion(needLists(), ctx.log, {
          listId: id,
          approval: { by, reason },
          ...(rawPending === undefined ? {} : { pendingId: rawPending }),
        });
        ctx.log.info({ list: id, version: approved.version, by }, 'pending list version approved through the API');
        const changes = await afterListActivation(
          deps.store.holds,
          { listId: id, version: approved.version, removed: approved.diff.removed, changed: approved.diff.changed },
          (alert) => deps.queueAlert?.(alert) ?? Promise.resolve(),
          ctx.log,
        );
        // What it adds re-screens the past (retroactive holds), as an accepted refresh does.
        const retro = (await deps.rescreen?.({ listId: id, version: approved.version, added: approved.diff.added })) ?? null;
        return {
          status: 200,
          json: {
            listId: id,
            version: approved.version,
            retroactive: retro,
            previousVersion: approved.previousVersion,
            pendingId: approved.pendingId,
            entries: approved.entries,
            added: approved.diff.added.length,
            removed: approved.diff.removed.length,
            changed: approved.diff.changed.length,
            approvedBy: approved.approvedBy,
            holdsAffected: changes.length,
            holds: changes.map((c) => ({ id: c.hold.id, state: c.hold.state, basis: c.event.basis, event: c.event })),
          },
        };
      },
    },
  ];
}
