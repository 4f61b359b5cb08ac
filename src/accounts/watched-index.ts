/**
 * The exchange's watched addresses on each EVM chain, held in memory for the extract stage's
 * scope, and kept exactly current: every ask first fetches from the store what was written
 * since the last one (`watchedAddressesSince`, one indexed query that normally returns no row).
 *
 * Why: a range read asks about ~375 parties a block. Sent to the store, that is a query with
 * thousands of parameters per 10 blocks, which made replay store-bound; in memory it is a few
 * nanoseconds a party (bench/evm-replay.ts). The catch-up per ask keeps the promise the store
 * query gave: an address whose write committed before a block is read is screened in it (a
 * deposit address handed out a moment ago gets its first deposit screened).
 *
 * The store is read in pages (`pageSize` rows, in version order), so that the first load of a
 * chain with millions of addresses, or a catch-up after a large import, never holds more than a
 * page of rows besides the set.
 *
 * Watched addresses are only ever added or re-assigned, never removed, so the set only grows;
 * removing them would need the store to keep tombstones for `watchedAddressesSince`.
 */
import { HexAddressSet, type HexAddressLookup } from '../domain/hex-address-set.js';
import type { Logger } from '../log/logger.js';
import type { NormalisedAddress } from '../domain/address.js';
import type { AccountsRepo } from '../store/accounts-repo.js';

/** `countWatchedAddresses`, when there, sizes the set before the first load (no rehash of millions midway). */
export type WatchedChangesRepo = Pick<AccountsRepo, 'watchedAddressesSince'> & Partial<Pick<AccountsRepo, 'countWatchedAddresses'>>;

/** Rows per store query (default 50,000: a few megabytes of rows at a time). */
export interface WatchedAddressIndexOptions {
  readonly pageSize?: number;
}

export interface WatchedAddressIndex {
  /** The chain's watched addresses, including every one whose write committed before this call. */
  current(chain: string): Promise<HexAddressLookup>;
}

interface ChainState {
  /** Replaced once, by one sized for the chain, before the first load adds anything. */
  set: HexAddressSet;
  /** The last row read, in the store's (version, address) order; version null before the first load. */
  version: bigint | null;
  after: NormalisedAddress | undefined;
  /** The first catch-up has ended (logged once, even for a chain with no address yet). */
  loaded: boolean;
  /** The catch-up in flight. */
  running: Promise<void> | undefined;
  /** The catch-up that starts when `running` ends, shared by everyone who asked meanwhile. */
  next: Promise<void> | undefined;
}

const noop = (): void => undefined;

export function createWatchedAddressIndex(repo: WatchedChangesRepo, log: Logger, opts: WatchedAddressIndexOptions = {}): WatchedAddressIndex {
  const pageSize = opts.pageSize ?? 50_000;
  const chains = new Map<string, ChainState>();
  /** Rows that are no EVM address are reported once each, not at every catch-up. */
  const reported = new Set<string>();

  /**
   * Pages until one comes back short; the position moves with each page, so a failure resumes
   * where it stopped. The next page is asked for before this one is added: the store computes
   * it (another process for PostgreSQL) while this thread fills the set.
   */
  async function catchUp(chain: string, state: ChainState): Promise<void> {
    let added = 0;
    let asked = repo.watchedAddressesSince(chain, state.version, { limit: pageSize, after: state.after });
    if (state.version === null && state.set.size === 0 && repo.countWatchedAddresses !== undefined) {
      // Asked alongside the first page (PostgreSQL answers both at once); growing the set
      // instead rehashes it at each doubling: seconds at 10 M, on this thread.
      asked.catch(noop);
      const expected = await repo.countWatchedAddresses(chain);
      if (expected > 0) state.set = new HexAddressSet(expected);
    }
    for (;;) {
      const { version, addresses, after: last } = await asked;
      const full = addresses.length >= pageSize && last !== undefined;
      if (full) {
        asked = repo.watchedAddressesSince(chain, version, { limit: pageSize, after: last });
        // Awaited at the next turn; until then a failure must not count as unhandled.
        asked.catch(noop);
        // Let the driver send it before this thread gets busy with the page; and let timers and
        // sockets run between pages: on the embedded store each page is computed on this
        // thread, and a load of millions must not starve lock renewals or RPC answers.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      for (const address of addresses) {
        const fresh = state.set.tryAdd(address);
        if (fresh === undefined) {
          // Cannot match anything on an EVM chain; skipping it keeps the chain screened.
          if (!reported.has(`${chain}:${address}`)) {
            reported.add(`${chain}:${address}`);
            log.warn({ chain, address }, 'watched address is not an EVM address; it cannot match on this chain');
          }
          continue;
        }
        if (fresh) added++;
      }
      if (last !== undefined) {
        state.version = version;
        state.after = last;
      }
      if (!full) break;
    }
    if (!state.loaded) {
      state.loaded = true;
      log.info({ chain, addresses: state.set.size }, 'watched addresses loaded');
    } else if (added > 0) log.debug({ chain, added, addresses: state.set.size }, 'watched addresses added');
  }

  function start(chain: string, state: ChainState): Promise<void> {
    const run: Promise<void> = catchUp(chain, state).finally(() => {
      if (state.running === run) state.running = undefined;
    });
    state.running = run;
    return run;
  }

  /**
   * A catch-up that starts after this call: one already running may have asked the store before
   * the caller's write committed, so callers arriving meanwhile share the one queued after it.
   */
  function caughtUp(chain: string, state: ChainState): Promise<void> {
    if (state.running === undefined) return start(chain, state);
    state.next ??= state.running.then(noop, noop).then(() => {
      state.next = undefined;
      // One may have started in between, after the running one ended: it is late enough too.
      return state.running ?? start(chain, state);
    });
    return state.next;
  }

  return {
    async current(chain) {
      let state = chains.get(chain);
      if (state === undefined) chains.set(chain, (state = { set: new HexAddressSet(), version: null, after: undefined, loaded: false, running: undefined, next: undefined }));
      await caughtUp(chain, state);
      return state.set;
    },
  };
}
