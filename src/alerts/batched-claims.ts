/**
 * The dispatcher's claims and outcomes, written to the store together: calls made while a
 * batch is being gathered (the same turn of the event loop) or written go out as one
 * statement each (`claimAlerts`, `finishAlerts`), not one per alert and channel. A job that
 * sends a block's alerts at once then costs two statements, not two per alert.
 *
 * Outcomes may be gathered for a few milliseconds more (`outcomeGatherMs`): a claim holds up
 * its send, an outcome holds up nothing once the dispatcher has handed it over, and answers
 * arrive spread out (a replay's 1,500 alerts: 163 outcome statements a run without gathering).
 */
import type { AlertClaim, AlertOutcome, AlertsRepo, AlertStatus, AlertToClaim } from '../store/alerts-repo.js';

type ClaimsRepo = Pick<AlertsRepo, 'claimAlert' | 'extendClaim' | 'finishAlert' | 'claimAlerts' | 'finishAlerts'>;

interface Waiting<I, O> {
  readonly item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

/**
 * Gathers calls and runs them as batches, one at a time; a pair already in a batch waits for
 * the next. The first call of a batch waits `gatherMs` (0: the end of this turn) for others.
 */
function batcher<I, O>(keyOf: (item: I) => string, run: (items: I[]) => Promise<O[]>, gatherMs = 0): (item: I) => Promise<O> {
  let queue: Waiting<I, O>[] = [];
  let running = false;
  const flush = async (): Promise<void> => {
    running = true;
    while (queue.length > 0) {
      const batch: Waiting<I, O>[] = [];
      const rest: Waiting<I, O>[] = [];
      const keys = new Set<string>();
      for (const w of queue) {
        const key = keyOf(w.item);
        if (keys.has(key)) rest.push(w);
        else {
          keys.add(key);
          batch.push(w);
        }
      }
      queue = rest;
      try {
        const out = await run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(out[i] as O));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    running = false;
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) {
        running = true;
        if (gatherMs > 0) setTimeout(() => void flush(), gatherMs);
        else setImmediate(() => void flush());
      }
    });
}

export interface BatchedClaimsOptions {
  /** How long the first outcome of a batch waits for others (default 0: the end of this turn). */
  readonly outcomeGatherMs?: number;
}

export function batchedClaims(repo: ClaimsRepo, opts: BatchedClaimsOptions = {}): Pick<AlertsRepo, 'claimAlert' | 'extendClaim' | 'finishAlert'> {
  const pair = (x: { channel: string; dedupKey: string }): string => `${x.channel}\u0000${x.dedupKey}`;
  const claims = new Map<number, (item: AlertToClaim) => Promise<AlertClaim>>();
  const finish = batcher<AlertOutcome, void>(
    pair,
    async (items) => {
      await repo.finishAlerts(items);
      return items.map(() => undefined);
    },
    opts.outcomeGatherMs ?? 0,
  );
  return {
    claimAlert(channel, dedupKey, kind, leaseMs) {
      // One batcher per lease length: a batch shares one lease.
      let claim = claims.get(leaseMs);
      if (claim === undefined) claims.set(leaseMs, (claim = batcher<AlertToClaim, AlertClaim>(pair, (items) => repo.claimAlerts(items, leaseMs))));
      return claim({ channel, dedupKey, kind });
    },
    extendClaim: (channel, dedupKey, leaseMs) => repo.extendClaim(channel, dedupKey, leaseMs),
    finishAlert: (channel: string, dedupKey: string, status: AlertStatus) => finish({ channel, dedupKey, status }),
  };
}
