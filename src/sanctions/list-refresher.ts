import type { Logger } from '../log/logger.js';
import { refreshList, type RefreshRequest, type RefreshResult } from './refresh-list.js';
import type { SnapshotStore } from './snapshot-store.js';

export interface ScheduledList {
  readonly request: RefreshRequest;
  readonly everyMs: number;
}

export interface ListRefresher {
  /** Stops scheduling and waits for refreshes in flight. */
  stop(): Promise<void>;
}

/**
 * Refreshes each list on its own interval: at once when it has no snapshot or its snapshot is
 * older than the interval, then every interval. A refresh that throws (store down) is logged
 * and retried at the next tick; it never stops the others.
 */
export function startListRefresher(
  store: SnapshotStore,
  log: Logger,
  lists: readonly ScheduledList[],
  /** Runs after each refresh (its activation committed); a rejection is logged, never stops the refresher. */
  onResult: (result: RefreshResult) => void | Promise<void> = () => undefined,
): ListRefresher {
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const runOnce = (item: ScheduledList) => {
    if (stopped) return;
    const p = refreshList(store, log, item.request)
      .then(async (result) => {
        try {
          await onResult(result);
        } catch (err) {
          log.error({ list: item.request.listId, outcome: result.outcome, err }, 'acting on a list refresh failed: its alerts or the basis events of holds citing changed entries may be missing; check the store and the alert channels');
        }
      })
      .catch((err: unknown) => log.error({ list: item.request.listId, err }, 'list refresh failed; will retry'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  for (const item of lists) {
    const schedule = (delay: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        runOnce(item);
        schedule(item.everyMs);
      }, delay);
      timers.add(t);
    };
    void store
      .latestSnapshot(item.request.listId)
      .then((snap) => {
        const age = snap ? Date.now() - snap.fetchedAt.getTime() : Infinity;
        schedule(age >= item.everyMs ? 0 : item.everyMs - age);
      })
      .catch((err: unknown) => {
        log.error({ list: item.request.listId, err }, 'cannot read list state; refreshing now');
        schedule(0);
      });
  }

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
}
