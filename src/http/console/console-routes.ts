/**
 * The analysts' web console under /console: server-rendered pages over the same read and act
 * functions as the /v1 API (`src/holds/`, `src/sanctions/`). Every page and form needs a
 * session (see session.ts) except sign-in and the stylesheet; every POST needs the session's
 * CSRF token and is refused when the browser says it comes from another site.
 */
import { listId as toListId } from '../../domain/sanction-entry.js';
import { confirmHold, listHolds, releaseHold, showHold } from '../../holds/index.js';
import { pendingDiff } from '../../sanctions/refresh-list.js';
import { HOLD_STATES, type HoldState } from '../../store/holds-repo.js';
import { tokensEqual } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { toHttpError } from '../errors.js';
import { HttpError, type Reply, type RequestContext, type Route } from '../router.js';
import { parseCookies, setCookie } from './cookies.js';
import { holdPage, type HoldDecision } from './hold-page.js';
import { holdPath } from './hold-view.js';
import { CONSOLE_ROOT } from './layout.js';
import { listsPage, type ListRow } from './lists-page.js';
import { messagePage } from './message-page.js';
import { pendingPage } from './pending-page.js';
import { queuePage, type QueueFilter } from './queue-page.js';
import { htmlReply, redirect } from './replies.js';
import { analystName, csrfMatches, issueSession, readSession, SESSION_COOKIE, SESSION_TTL_MS, type ConsoleSession } from './session.js';
import { signInPage } from './sign-in-page.js';
import { CONSOLE_CSS, CONSOLE_CSS_PATH } from './style.js';

const QUEUE_LIMIT = 200;
const MAX_REASON = 2_000;
const HOME = `${CONSOLE_ROOT}/holds`;

/** A console path to return to after signing in; anything else (another site, `//host`) goes home. */
function safeNext(raw: string | null): string {
  if (raw === null || !/^\/console(\/|$|\?)/.test(raw) || raw.includes('//') || raw.includes('\\')) return HOME;
  return raw;
}

function holdIdParam(ctx: RequestContext): number {
  const raw = ctx.params['id'] ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw new HttpError(404, `no hold "${raw}": hold ids are numbers`);
  return Number(raw);
}

function queueFilter(q: URLSearchParams): QueueFilter {
  const pick = (name: string) => {
    const v = q.get(name)?.trim() ?? '';
    return v === '' ? undefined : v;
  };
  const state = pick('state');
  if (state !== undefined && !(HOLD_STATES as readonly string[]).includes(state)) {
    throw new HttpError(400, `state must be one of ${HOLD_STATES.join(', ')}`, 'state');
  }
  const chain = pick('chain');
  const account = pick('account');
  const list = pick('list');
  return {
    ...(state === undefined ? {} : { state: state as HoldState }),
    ...(chain === undefined ? {} : { chain }),
    ...(account === undefined ? {} : { account }),
    ...(list === undefined ? {} : { list }),
  };
}

export function consoleRoutes(deps: HttpDeps): Route[] {
  const repo = deps.store.holds;
  const token = () => (deps.apiToken === undefined || deps.apiToken === '' ? null : deps.apiToken);

  const sessionOf = (ctx: RequestContext): ConsoleSession | null => {
    const t = token();
    if (t === null) return null;
    const header = ctx.headers.cookie;
    return readSession(t, parseCookies(Array.isArray(header) ? header.join('; ') : header).get(SESSION_COOKIE), new Date());
  };

  /** Secure when configured (TLS in front), or when the proxy in front says the request came over https. */
  const secure = (ctx: RequestContext): boolean => {
    if (deps.secureCookie === 'always') return true;
    const proto = ctx.headers['x-forwarded-proto'];
    return (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase() === 'https';
  };

  const cookie = (ctx: RequestContext, value: string, maxAgeSeconds: number) =>
    setCookie(SESSION_COOKIE, value, { maxAgeSeconds, secure: secure(ctx), path: CONSOLE_ROOT });

  /** A page or form error as HTML (a known error's status and message), else rethrown (a 500, logged). */
  const failure = (err: unknown, session: ConsoleSession | null): Reply => {
    const known = toHttpError(err);
    if (known === null) throw err;
    return htmlReply(known.status, messagePage(session, known.status === 404 ? 'Not found' : 'Cannot do that', known.message));
  };

  const page = (path: string, render: (ctx: RequestContext, s: ConsoleSession) => Promise<Reply>): Route => ({
    method: 'GET',
    path,
    auth: 'public',
    async handle(ctx) {
      const s = sessionOf(ctx);
      if (s === null) {
        const here = `${ctx.path}${ctx.query.size > 0 ? `?${ctx.query.toString()}` : ''}`;
        return redirect(`${CONSOLE_ROOT}/sign-in?next=${encodeURIComponent(here)}`);
      }
      try {
        return await render(ctx, s);
      } catch (err) {
        return failure(err, s);
      }
    },
  });

  const crossSite = (ctx: RequestContext) => ctx.headers['sec-fetch-site'] === 'cross-site';

  const action = (path: string, act: (ctx: RequestContext, s: ConsoleSession, form: URLSearchParams) => Promise<Reply>): Route => ({
    method: 'POST',
    path,
    auth: 'public',
    async handle(ctx) {
      const s = sessionOf(ctx);
      if (s === null) return htmlReply(403, messagePage(null, 'Not signed in', 'Sign in first: nothing in the console works without a session.'));
      if (crossSite(ctx)) return htmlReply(403, messagePage(s, 'Refused', 'This form was sent from another site.'));
      const form = await ctx.form();
      if (!csrfMatches(s, form.get('csrf'))) {
        return htmlReply(403, messagePage(s, 'Refused', 'This form is stale or was not sent by the console (CSRF check): reload the page and try again.'));
      }
      try {
        return await act(ctx, s, form);
      } catch (err) {
        return failure(err, s);
      }
    },
  });

  const renderHold = async (s: ConsoleSession, id: number, extra: { done?: HoldDecision; error?: { decision: HoldDecision; message: string; reason: string } }, status = 200) => {
    const details = await showHold(repo, id);
    const h = details.hold;
    const entry = (await deps.store.lists?.snapshotEntry(h.listId, h.listVersion, h.entryUid)) ?? null;
    return htmlReply(status, holdPage({ session: s, details, entry, ...extra }));
  };

  const decide = (decision: HoldDecision) =>
    action(`${CONSOLE_ROOT}/holds/:id/${decision}`, async (ctx, s, form) => {
      const id = holdIdParam(ctx);
      const reason = (form.get('reason') ?? '').trim();
      const refuse = (status: number, message: string) => renderHold(s, id, { error: { decision, message, reason } }, status);
      if (reason === '') return refuse(400, `A reason is required to ${decision} a hold: it is recorded in the audit trail.`);
      if (reason.length > MAX_REASON) return refuse(400, `The reason is longer than ${MAX_REASON} characters.`);
      try {
        const result = decision === 'release' ? await releaseHold(repo, id, s.analyst, reason) : await confirmHold(repo, id, s.analyst, reason);
        ctx.log.info({ hold: id, actor: s.analyst, to: result.hold.state }, `hold ${decision === 'release' ? 'released' : 'confirmed'} through the console`);
      } catch (err) {
        const known = toHttpError(err);
        if (known === null || known.status === 404) throw err;
        return refuse(known.status, known.message);
      }
      return redirect(`${holdPath(id)}?done=${decision}`);
    });

  return [
    { method: 'GET', path: CONSOLE_ROOT, auth: 'public', handle: async () => redirect(HOME) },
    {
      method: 'GET',
      path: CONSOLE_CSS_PATH,
      auth: 'public',
      handle: async () => ({ status: 200, text: CONSOLE_CSS, contentType: 'text/css; charset=utf-8', headers: { 'cache-control': 'max-age=3600' } }),
    },
    {
      method: 'GET',
      path: `${CONSOLE_ROOT}/sign-in`,
      auth: 'public',
      async handle(ctx) {
        const next = safeNext(ctx.query.get('next'));
        if (token() === null) return htmlReply(503, signInPage({ next, disabled: true }));
        if (sessionOf(ctx) !== null) return redirect(next);
        return htmlReply(200, signInPage({ next }));
      },
    },
    {
      method: 'POST',
      path: `${CONSOLE_ROOT}/sign-in`,
      auth: 'public',
      async handle(ctx) {
        const t = token();
        if (t === null) return htmlReply(503, signInPage({ next: HOME, disabled: true }));
        if (crossSite(ctx)) return htmlReply(403, messagePage(null, 'Refused', 'This sign-in was sent from another site.'));
        const form = await ctx.form();
        const next = safeNext(form.get('next'));
        const typed = form.get('analyst') ?? '';
        let analyst: string;
        try {
          analyst = analystName(typed);
        } catch (err) {
          return htmlReply(400, signInPage({ next, analyst: typed, error: (err as Error).message }));
        }
        if (!tokensEqual(form.get('token') ?? '', t)) {
          ctx.log.warn({ analyst }, 'console sign-in with a wrong token');
          return htmlReply(401, signInPage({ next, analyst, error: 'Wrong token: use the service\'s CORDON_API_TOKEN.' }));
        }
        const issued = issueSession(t, analyst, new Date());
        ctx.log.info({ analyst }, 'analyst signed in to the console');
        return redirect(next, { 'set-cookie': cookie(ctx, issued.cookie, Math.floor(SESSION_TTL_MS / 1000)) });
      },
    },
    action(`${CONSOLE_ROOT}/sign-out`, async (ctx, s) => {
      ctx.log.info({ analyst: s.analyst }, 'analyst signed out of the console');
      return redirect(`${CONSOLE_ROOT}/sign-in`, { 'set-cookie': cookie(ctx, '', 0) });
    }),
    page(`${CONSOLE_ROOT}/holds`, async (ctx, s) => {
      const filter = queueFilter(ctx.query);
      const [holds, counts, snapshots] = await Promise.all([
        listHolds(repo, {
          limit: QUEUE_LIMIT,
          ...(filter.state === undefined ? {} : { state: filter.state }),
          ...(filter.account === undefined ? {} : { accountId: filter.account }),
          ...(filter.chain === undefined ? {} : { chain: filter.chain }),
          ...(filter.list === undefined ? {} : { listId: filter.list }),
        }),
        deps.holdCounts(),
        deps.store.lists?.listSnapshots() ?? Promise.resolve([]),
      ]);
      const lists = [...new Set(snapshots.map((x) => x.listId))].sort();
      return htmlReply(200, queuePage({ session: s, filter, holds, counts, chains: deps.chains.map((c) => c.id), lists, limit: QUEUE_LIMIT }));
    }),
    page(`${CONSOLE_ROOT}/holds/:id`, async (ctx, s) => {
      const done = ctx.query.get('done');
      return renderHold(s, holdIdParam(ctx), done === 'release' || done === 'confirm' ? { done } : {});
    }),
    decide('release'),
    decide('confirm'),
    page(`${CONSOLE_ROOT}/lists`, async (_ctx, s) => {
      const lists = deps.store.lists;
      if (lists === undefined) return htmlReply(200, listsPage(s, null));
      const latest = new Map<string, ListRow['active']>();
      for (const snap of await lists.listSnapshots()) {
        const seen = latest.get(snap.listId);
        if (seen === undefined || snap.version > seen.version) latest.set(snap.listId, snap);
      }
      const rows: ListRow[] = [];
      for (const active of [...latest.values()].sort((a, b) => a.listId.localeCompare(b.listId))) {
        rows.push({ active, pending: await lists.pendingVersion(active.listId) });
      }
      return htmlReply(200, listsPage(s, rows));
    }),
    page(`${CONSOLE_ROOT}/lists/:id/pending`, async (ctx, s) => {
      const lists = deps.store.lists;
      if (lists === undefined) throw new HttpError(404, 'this process serves no lists');
      let id;
      try {
        id = toListId(ctx.params['id'] ?? '');
      } catch (err) {
        throw new HttpError(404, (err as Error).message);
      }
      const found = await pendingDiff(lists, id);
      if (found === null) throw new HttpError(404, `list ${id} has no version awaiting approval`);
      return htmlReply(200, pendingPage(s, found));
    }),
  ];
}
