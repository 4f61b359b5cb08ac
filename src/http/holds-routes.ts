/**
 * The holds API for the compliance team's tools: list, show (with the audit trail and hook
 * deliveries), release and confirm. Moves go through `src/holds/` so the state machine and
 * the audit event are the same as from the CLI.
 */
import { confirmHold, listHolds, releaseHold, showHold, type HoldRef } from '../holds/index.js';
import { amountInUnits } from '../domain/amount.js';
import { HOLD_STATES, type HoldState, type StoredHold } from '../store/holds-repo.js';
import { bodyObject, optionalString, requiredString } from './body.js';
import type { HttpDeps } from './deps.js';
import { HttpError, type RequestContext, type Route } from './router.js';

const MAX_LIMIT = 1_000;

function holdRef(ctx: RequestContext): HoldRef {
  const raw = ctx.params['id'] ?? '';
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  if (raw === '' || raw.length > 512) throw new HttpError(400, 'id must be a hold id or hold key', 'id');
  return raw;
}

function isHoldState(s: string): s is HoldState {
  return (HOLD_STATES as readonly string[]).includes(s);
}

/** A hold as the API shows it: as stored, plus its amount in the asset's units (null when unknown). */
function holdJson(hold: StoredHold): StoredHold & { readonly amountInUnits: string | null } {
  return { ...hold, amountInUnits: amountInUnits(hold.amount, hold.units) };
}

export function holdsRoutes(deps: HttpDeps): Route[] {
  const repo = deps.store.holds;
  return [
    {
      method: 'GET',
      path: '/v1/holds',
      auth: 'token',
      async handle(ctx) {
        const state = ctx.query.get('state') ?? undefined;
        if (state !== undefined && !isHoldState(state)) {
          throw new HttpError(400, `state must be one of ${HOLD_STATES.join(', ')}`, 'state');
        }
        const account = ctx.query.get('account') ?? undefined;
        const chain = ctx.query.get('chain') ?? undefined;
        const list = ctx.query.get('list') ?? undefined;
        const rawLimit = ctx.query.get('limit');
        const limit = rawLimit === null ? 100 : Number(rawLimit);
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
          throw new HttpError(400, `limit must be an integer from 1 to ${MAX_LIMIT}`, 'limit');
        }
        const holds = await listHolds(repo, {
          limit,
          ...(state === undefined ? {} : { state }),
          ...(account === undefined || account === '' ? {} : { accountId: account }),
          ...(chain === undefined || chain === '' ? {} : { chain }),
          ...(list === undefined || list === '' ? {} : { listId: list }),
        });
        return { status: 200, json: { holds: holds.map(holdJson) } };
      },
    },
    {
      method: 'GET',
      path: '/v1/holds/:id',
      auth: 'token',
      async handle(ctx) {
        const details = await showHold(repo, holdRef(ctx));
        return { status: 200, json: { ...details, hold: holdJson(details.hold) } };
      },
    },
    {
      method: 'POST',
      path: '/v1/holds/:id/release',
      auth: 'token',
      async handle(ctx) {
        const ref = holdRef(ctx);
        const body = bodyObject(await ctx.body(), ['actor', 'reason']);
        const actor = requiredString(body, 'actor');
        const reason = requiredString(body, 'reason', { max: 2_000 });
        const result = await releaseHold(repo, ref, actor, reason);
        ctx.log.info({ hold: result.hold.id, actor, to: result.hold.state }, 'hold released through the API');
        return { status: 200, json: { ...result, hold: holdJson(result.hold) } };
      },
    },
    {
      method: 'POST',
      path: '/v1/holds/:id/confirm',
      auth: 'token',
      async handle(ctx) {
        const ref = holdRef(ctx);
        const body = bodyObject(await ctx.body(), ['actor', 'reason']);
        const actor = requiredString(body, 'actor');
        const reason = optionalString(body, 'reason', { max: 2_000 });
        const result = await confirmHold(repo, ref, actor, reason);
        ctx.log.info({ hold: result.hold.id, actor, to: result.hold.state }, 'hold confirmed through the API');
        return { status: 200, json: { ...result, hold: holdJson(result.hold) } };
      },
    },
  ];
}
