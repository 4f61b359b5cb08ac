/**
 * At most `limit` tasks running at once, however many callers there are; the others wait
 * their turn in arrival order. A source shares one among all its range reads, so that several
 * replay jobs at once still put at most `limit` chunk requests on the node.
 */
export interface Slots {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createSlots(limit: number): Slots {
  const max = Math.max(1, limit);
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < max) running++;
      // A finishing task hands its slot straight to the first waiter (running stays the same).
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next !== undefined) next();
        else running--;
      }
    },
  };
}
