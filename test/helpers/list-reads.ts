import type { SnapshotStore } from '../../src/sanctions/snapshot-store.js';

export interface CountedLists {
  readonly lists: SnapshotStore;
  /** Reads of a snapshot's entries that started at its first entry, as `list@version`. */
  readonly reads: string[];
  /** Makes the next `n` reads of entries fail, as a store that went away would. */
  failNext(n: number): void;
}

/** The store's lists, recording every load of a snapshot (its index image, a whole read, or the first page where no image is kept). */
export function countingReads(lists: SnapshotStore): CountedLists {
  const reads: string[] = [];
  let failing = 0;
  const counted = new Proxy(lists, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const page = args[2] as { after?: string } | undefined;
        // A load starts with the version's index image (then, without one, its entries' pages).
        const starts = prop === 'snapshotEntries' || prop === 'indexImage' || (prop === 'snapshotEntriesPage' && !('indexImage' in target));
        const reading = starts || prop === 'snapshotEntriesPage';
        if (starts && page?.after === undefined) reads.push(`${String(args[0])}@${String(args[1])}`);
        if (reading && failing > 0) {
          failing--;
          return Promise.reject(new Error('connection terminated unexpectedly'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { lists: counted, reads, failNext: (n) => void (failing = n) };
}
