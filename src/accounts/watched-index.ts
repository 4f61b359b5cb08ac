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
 * Watched addresses are only ever added or re-assigned, never removed, so the set only grows;
 * removing them would need the store to keep tombstones for `watchedAddressesSince`.
 */
import { HexAddressSet, isHexAddress, type HexAddressLookup } from '../domain/hex-address-set.js';
import type { Logger } from '../log/logger.js';
import type { AccountsRepo } from '../store/accounts-repo.js';

export type WatchedChangesRepo = Pick<AccountsRepo, 'watchedAddressesSince'>;

export interface WatchedAddressIndex {
  /** The chain's watched addresses, including every one whose write committed before this call. */
  current(chain: string): Promise<HexAddressLookup>;
}

interface ChainState {
  readonly set: HexAddressSet;
  /** What the store said last; null before the first load. */
  version: bigint | null;
  /** The catch-up in flight. */
  running: Promise<void> | undefined;
  /** The catch-up that starts when `running` ends, shared by everyone who asked meanwhile. */
  next: Promise<void> | undefined;
}

const noop = (): void => undefined;

export function createWatchedAddressIndex(repo: WatchedChangesRepo, log: Logger): WatchedAddressIndex {
  const chains = new Map<string, ChainState>();
  /** Rows that are no EVM address are reported once each, not at every catch-up. */
  const reported = new Set<string>();

  async function catchUp(chain: string, state: ChainState): Promise<void> {
    const since = state.version;
    const { version, addresses } = await repo.watchedAddressesSince(chain, since);
    let added = 0;
    for (const address of addresses) {
      if (!isHexAddress(address)) {
        // Cannot match anything on an EVM chain; skipping it keeps the chain screened.
        if (!reported.has(`${chain}:${address}`)) {
          reported.add(`${chain}:${address}`);
          log.warn({ chain, address }, 'watched address is not an EVM address; it cannot match on this chain');
        }
        continue;
      }
      if (state.set.add(address)) added++;
    }
    // Never back: adding is idempotent, but a version that went back would only re-fetch.
    if (version !== null && (state.version === null || version > state.version)) state.version = version;
    if (since === null) log.info({ chain, addresses: state.set.size }, 'watched addresses loaded');
    else if (added > 0) log.debug({ chain, added, addresses: state.set.size }, 'watched addresses added');
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
      if (state === undefined) chains.set(chain, (state = { set: new HexAddressSet(), version: null, running: undefined, next: undefined }));
      await caughtUp(chain, state);
      return state.set;
    },
  };
}
