/**
 * The follower's sleep: a poll interval or a backoff that a stop always cuts short, and a new
 * head cuts short when the sleep allows it (polls do, backoffs do not).
 */
export interface Alarm {
  sleep(ms: number, opts: { readonly wakeOnHead: boolean }): Promise<void>;
  /** A new head arrived; remembered until the next sleep that listens for heads. */
  head(): void;
  /** Wakes every sleep now and later: the follower is stopping. */
  stop(): void;
}

export function createAlarm(): Alarm {
  let stopped = false;
  let pendingHead = false;
  let current: { readonly wakeOnHead: boolean; readonly wake: () => void } | null = null;

  return {
    sleep(ms, { wakeOnHead }) {
      if (stopped) return Promise.resolve();
      if (wakeOnHead && pendingHead) {
        pendingHead = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          current = null;
          resolve();
        };
        const timer = setTimeout(wake, ms);
        current = { wakeOnHead, wake };
      });
    },
    head() {
      if (current?.wakeOnHead) {
        pendingHead = false;
        current.wake();
      } else {
        pendingHead = true;
      }
    },
    stop() {
      stopped = true;
      current?.wake();
    },
  };
}
