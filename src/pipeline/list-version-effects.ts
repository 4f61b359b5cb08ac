/**
 * The effects of a list version's activation, made durable. When a version becomes active (an
 * accepted refresh or import, a person's approval) two things must follow:
 *
 * - `hold-basis`: every open hold citing an entry the version removed or whose programs it
 *   changed gets its basis event, and on-call is told (holds/list-change.ts);
 * - `rescreen`: past transfers with the addresses it added are re-screened (retro-screen.ts).
 *
 * The process that activated the version does both at once. A crash after the commit, or a
 * screen worker that still used the old index for a few seconds after it (its cache checks the
 * store every few seconds), would leave holds unraised or untold. So the service also runs
 * `catchUp()` every little while: each version with an effect not recorded as finished in
 * `list_version_effects`, once `settleMs` has passed since it became active (every worker then
 * surely screens with it), has both effects done again from the store's own diff and recorded.
 * Both effects are idempotent (keyed holds, basis events and alerts), so a second run adds only
 * what the first missed. The re-screen then reads the transfers recorded until the settle time:
 * any recorded later were screened with the new version.
 */
import type { HoldBasisChangedAlert } from '../domain/alert.js';
import type { ListId } from '../domain/sanction-entry.js';
import { afterListActivation } from '../holds/index.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/index.js';
import type { VersionAwaitingEffects } from '../store/lists-repo.js';
import { rescreenAddedEntries, type RetroScreenDeps } from './retro-screen.js';

/** After activation, how long until every screen worker surely uses the new version (its index cache checks every 5 s; a job takes seconds). */
export const EFFECTS_SETTLE_MS = 60_000;
/** How often the service looks for versions whose effects are not recorded. */
export const EFFECTS_CATCH_UP_EVERY_MS = 30_000;

export interface ListVersionEffectsDeps {
  readonly store: Pick<Store, 'lists' | 'holds'>;
  /** What the re-screen needs (the act queue for its alerts, confirmations). */
  readonly retro: RetroScreenDeps;
  /** Queues a hold's basis page. */
  tellHolds(alert: HoldBasisChangedAlert): Promise<unknown>;
  readonly log: Logger;
  readonly settleMs?: number;
  /** The clock (tests). */
  now?(): Date;
}

export interface CatchUpResult {
  /** Versions whose effects were done and recorded now. */
  readonly finished: readonly { readonly listId: ListId; readonly version: number }[];
  /** Versions still settling (activated less than `settleMs` ago): next time. */
  readonly settling: number;
  /** Versions whose effects failed (logged): next time. */
  readonly failed: number;
}

export class ListVersionEffects {
  readonly #deps: ListVersionEffectsDeps;
  readonly #settleMs: number;
  #running: Promise<CatchUpResult> | null = null;

  constructor(deps: ListVersionEffectsDeps) {
    this.#deps = deps;
    this.#settleMs = deps.settleMs ?? EFFECTS_SETTLE_MS;
  }

  /** Does and records the missing effects of every settled version. One pass at a time: a caller during a pass shares it. */
  catchUp(): Promise<CatchUpResult> {
    if (this.#running !== null) return this.#running;
    const pass = this.#pass().finally(() => {
      this.#running = null;
    });
    this.#running = pass;
    return pass;
  }

  /** Runs `catchUp` now and every `everyMs`; returns the stop, which waits for a pass under way. */
  start(everyMs = EFFECTS_CATCH_UP_EVERY_MS): () => Promise<void> {
    const tick = (): void => {
      this.catchUp().catch((err: unknown) => this.#deps.log.error({ err }, 'list version effects: catch-up failed; retrying at the next interval'));
    };
    tick();
    const timer = setInterval(tick, everyMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await this.#running?.catch(() => undefined);
    };
  }

  async #pass(): Promise<CatchUpResult> {
    const now = (this.#deps.now?.() ?? new Date()).getTime();
    const finished: { listId: ListId; version: number }[] = [];
    let settling = 0;
    let failed = 0;
    for (const v of await this.#deps.store.lists.versionsAwaitingEffects()) {
      const settledAt = v.activatedAt.getTime() + this.#settleMs;
      if (settledAt > now) {
        settling++;
        continue;
      }
      try {
        await this.#finish(v, new Date(settledAt));
        finished.push({ listId: v.listId, version: v.version });
      } catch (err) {
        failed++;
        this.#deps.log.error(
          { err, list: v.listId, version: v.version, missing: v.missing },
          'list version effects failed (holds to tell of a withdrawn basis, past transfers to re-screen); retrying at the next interval',
        );
      }
    }
    return { finished, settling, failed };
  }

  async #finish(v: VersionAwaitingEffects, settledAt: Date): Promise<void> {
    const { store, log } = this.#deps;
    const diff = await store.lists.versionDiff(v.listId, v.version);
    const at = { list: v.listId, version: v.version };
    if (v.missing.includes('hold-basis')) {
      const changes =
        v.version > 1
          ? await afterListActivation(
              store.holds,
              { listId: v.listId, version: v.version, removed: diff.removed, changed: diff.changed },
              (alert) => this.#deps.tellHolds(alert),
              log.child({ component: 'holds' }),
            )
          : [];
      await store.lists.recordVersionEffect(v.listId, v.version, 'hold-basis', {
        removed: diff.removed.length,
        changed: diff.changed.length,
        holdsTold: changes.length,
        holdsNew: changes.filter((c) => c.created).length,
      });
    }
    if (v.missing.includes('rescreen')) {
      const retro =
        diff.added.length === 0
          ? null
          : await rescreenAddedEntries(this.#deps.retro, v.listId, v.version, diff.added, { attributedBy: settledAt });
      await store.lists.recordVersionEffect(v.listId, v.version, 'rescreen', {
        added: diff.added.length,
        transfersFound: retro?.transfersFound ?? 0,
        holdsCreated: retro?.holdsCreated ?? 0,
        alerted: retro?.alerted ?? 0,
      });
      if ((retro?.holdsCreated ?? 0) > 0) log.warn({ ...at, holdsCreated: retro?.holdsCreated }, 'list version effects: the re-screen raised holds no earlier pass had');
    }
    log.info({ ...at, effects: v.missing }, 'list version effects done and recorded');
  }
}
