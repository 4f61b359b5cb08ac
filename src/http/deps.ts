/**
 * Everything the HTTP API needs, passed in (the pipeline wires the real ones; tests pass
 * their own). Nothing here opens a connection of its own.
 */
import type { ActivatedVersion, RetroScreenResult } from '../pipeline/retro-screen.js';
import type { AccountChain } from '../accounts/accounts-csv.js';
import type { Metrics } from '../pipeline/metrics.js';
import type { AddressIndex } from '../sanctions/address-index.js';
import type { AccountsRepo } from '../store/accounts-repo.js';
import type { Alert } from '../domain/alert.js';
import type { SnapshotStore } from '../sanctions/snapshot-store.js';
import type { HoldState, HoldsRepo } from '../store/holds-repo.js';

/** What readiness needs of Redis: an ioredis client fits. */
export interface RedisPing {
  ping(): Promise<string>;
}

/** One chain's follower, as readiness sees it. */
export interface ChainLag {
  readonly chain: string;
  /** Blocks behind the node's head; null until the follower has seen a head. */
  readonly lag: bigint | null;
  readonly maxLag: number;
  /** Since the last successful read of the node's head, ms (null or absent: not known). */
  readonly headAgeMs?: number | null;
  /** Older than this, the chain is stalled (the node is dead or unreachable). */
  readonly maxHeadAgeMs?: number;
  /** The follower's last failure while it is failing, to say why a chain stalled. */
  readonly lastError?: string | null;
  /** The lowest block of the chain whose job failed for good: screening stopped there. */
  readonly failedBlock?: {
    readonly number: string;
    readonly hash: string;
    readonly queue: string;
    readonly attempts: number;
    readonly error: string;
    readonly fix: string | null;
  } | null;
  /** Following stopped for good (a reorg deeper than reorgDepth), and why. */
  readonly fatal?: string | null;
}

export interface HttpDeps {
  readonly store: {
    readonly accounts: Pick<AccountsRepo, 'upsertWatchedAddress' | 'findWatchedAddress' | 'recordWithdrawal' | 'findWithdrawalByTxid'>;
    readonly holds: HoldsRepo;
    /** The lists store, for the pending-version API; absent: those routes answer 503. */
    readonly lists?: SnapshotStore;
  };
  /** Hands a page to on-call (the service queues it as an act job); absent: not paged. */
  readonly queueAlert?: (alert: Alert) => Promise<unknown>;
  /** The configured chains (id and address family). */
  readonly chains: readonly AccountChain[];
  /** `CORDON_API_TOKEN`; undefined or empty disables /v1 (503). */
  /** Re-screens past transfers against what an approved version adds (retroactive holds); absent: not done here. */
  readonly rescreen?: (activation: ActivatedVersion) => Promise<RetroScreenResult | null>;
  readonly apiToken: string | undefined;
  /**
   * When the console's session cookie is marked Secure: `auto` when the proxy in front says the
   * request came over https (X-Forwarded-Proto), `always` when TLS is in front whatever it says
   * (config `http.secureCookie`). Default `auto`.
   */
  readonly secureCookie?: 'auto' | 'always';
  /** /readyz and /metrics need the API token too (config `http.probeAuth: token`). */
  readonly probesNeedToken?: boolean;
  readonly redis: RedisPing;
  /** A trivial statement against the store (`SELECT 1`); rejects when it is unreachable. */
  readonly storePing: () => Promise<unknown>;
  readonly chainLags: () => readonly ChainLag[];
  readonly metrics: Pick<Metrics, 'registry' | 'holds' | 'onCollect'> &
    Partial<Pick<Metrics, 'hookUndelivered' | 'hookOldestUndeliveredSeconds'>>;
  /** Holds per state, read at scrape time (states absent from the result count 0). */
  readonly holdCounts: () => Promise<Partial<Record<HoldState, number>>>;
  /** The sanctions index in force; null while the lists are still loading. */
  readonly addressIndex: () => AddressIndex | null;
  /**
   * The exchange hook as readiness sees it: a hold raised longer ago than `maxUndeliveredAgeMs`
   * and not yet delivered makes the instance not ready. Absent or null: no exchange hook is
   * configured, and nothing is checked.
   */
  readonly hookDelivery?: { readonly maxUndeliveredAgeMs: number } | null;
  /** Per readiness check; default 2000 ms. */
  readonly checkTimeoutMs?: number;
}
