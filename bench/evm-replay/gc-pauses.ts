/**
 * This process's garbage-collection pauses over a stretch of a bench: how many young- and
 * old-generation collections ran and how long they stopped the thread. The pipeline runs in
 * the bench's process, so these are the daemon's pauses (a full collection marks its whole
 * heap: a few of them are a visible share of a run of seconds).
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface GcPauses {
  readonly minor: number;
  readonly minorMs: number;
  /** Full (mark-compact) collections, with the pauses that finish incremental marking. */
  readonly major: number;
  readonly majorMs: number;
}

/** Starts counting; `stop` ends it and returns the counts. */
export function watchGcPauses(): { stop(): GcPauses } {
  const counts = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) add(counts, entry);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      for (const entry of observer.takeRecords()) add(counts, entry);
      observer.disconnect();
      return { ...counts };
    },
  };
}

function add(counts: { minor: number; minorMs: number; major: number; majorMs: number }, entry: PerformanceEntry): void {
  const detail: unknown = 'detail' in entry ? entry.detail : undefined;
  const kind = typeof detail === 'object' && detail !== null && 'kind' in detail ? detail.kind : undefined;
  if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
    counts.minor++;
    counts.minorMs += entry.duration;
  } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
    counts.major++;
    counts.majorMs += entry.duration;
  } else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) counts.majorMs += entry.duration;
}

export function gcLine(p: GcPauses): string {
  return `${p.minor} young ${p.minorMs.toFixed(0)} ms, ${p.major} full ${p.majorMs.toFixed(0)} ms`;
}
