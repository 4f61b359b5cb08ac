/**
 * Head following with I/O: polls the chain source (waking early on pushed heads), feeds what the
 * node says into the pure reconciler, hands the resulting events to the consumer strictly in
 * order, and moves the durable cursor only after the consumer's handler for an event resolved.
 */
import type { ChainSource } from '../chains/chain-source.js';
import { blockHash, type BlockRef } from '../domain/block.js';
import type { Transfer } from '../domain/transfer.js';
import type { Logger } from '../log/logger.js';
import type { CursorsRepo } from '../store/cursors-repo.js';
import { createAlarm } from './alarm.js';
import { CursorBlockUnknown, InconsistentBlock, ReorgTooDeep } from './errors.js';
import type { FollowEvent, ReconcileEvent } from './events.js';
import { fetchByHash, fetchRange, mapLimit } from './fetch-blocks.js';
import { headSubscriptionOf, type HeadSubscription } from './head-subscription.js';
import {
  DEFAULT_POLICY,
  freshState,
  linkedPrefix,
  nextNumber,
  planFetch,
  reconcile,
  resumedState,
  tipOf,
  windowCapacity,
  type FollowPolicy,
  type FollowState,
  type Advance,
  type Step,
} from './reconcile.js';

export interface FollowerOptions {
  readonly source: ChainSource;
  readonly cursors: Pick<CursorsRepo, 'getCursor' | 'setCursor'>;
  /**
   * Receives every event in order; the next one waits until it resolves. Throwing (rejecting)
   * leaves the cursor where it was; the same event is offered again after a backoff. An event
   * can also be offered twice after a crash or a failed cursor write: handlers must be idempotent.
   */
  readonly onEvent: (event: FollowEvent) => Promise<void>;
  readonly log: Logger;
  /** Default 0: screen at the tip, so a hold exists before the exchange credits a deposit. */
  readonly confirmations?: number;
  /** Default 64. */
  readonly finality?: number;
  /** Default 64. */
  readonly reorgDepth?: number;
  /** Where the first run (no cursor in the store) starts. Default `latest`. */
  readonly startBlock?: 'latest' | number | bigint;
  /** Default 2,000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * Default true. False when a later stage extracts transfers itself (the pipeline's extract
   * workers, which scale out): block events then carry an empty `transfers`.
   */
  readonly withTransfers?: boolean;
  /** Blocks read (and their transfers fetched) concurrently when behind. Default 10. */
  readonly batchSize?: number;
  /** Backoff after a failure: doubles from `initialMs` (default 500) up to `maxMs` (default 30,000). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Wakes the follower early on new heads. Default: the source's own `subscribeHeads`, if any. */
  readonly heads?: HeadSubscription;
}

export interface FollowerStatus {
  readonly chain: string;
  readonly running: boolean;
  /** The node's head number, as last seen. */
  readonly head: bigint | null;
  /** The last block handed on (what the cursor names). */
  readonly tip: BlockRef | null;
  /** Head number minus the last block handed on (includes the confirmations held back). */
  readonly lag: bigint | null;
  /** The newest block number reported final. */
  readonly finalized: bigint | null;
  /** Failures since the last successful round (0 when healthy). */
  readonly consecutiveErrors: number;
  /**
   * When the node's head was last read successfully (ms since the epoch), or, before the first
   * read, when following started; null before `run()`. A node that stopped answering shows here
   * while `lag` still reads as it was.
   */
  readonly lastHeadAt: number | null;
  /** The last failure's message while `consecutiveErrors` > 0. */
  readonly lastError: string | null;
}

export interface Follower {
  readonly chain: string;
  /**
   * Follows until `stop()` (then resolves) or a fatal ReorgTooDeep (then rejects with it).
   * Source, handler and store failures are retried with backoff, never skipped. Once only.
   */
  run(): Promise<void>;
  /** Stops after the event in flight (its handler and cursor write) finished. */
  stop(): Promise<void>;
  status(): FollowerStatus;
}

type Phase = 'start' | 'read' | 'handler' | 'cursor';

export function createFollower(opts: FollowerOptions): Follower {
  const { source, cursors, onEvent, log } = opts;
  const chain = source.chain;
  const policy: FollowPolicy = {
    confirmations: opts.confirmations ?? DEFAULT_POLICY.confirmations,
    finality: opts.finality ?? DEFAULT_POLICY.finality,
    reorgDepth: opts.reorgDepth ?? DEFAULT_POLICY.reorgDepth,
  };
  const pollIntervalMs = opts.pollIntervalMs ?? 2_000;
  const batchSize = Math.max(1, opts.batchSize ?? 10);
  const backoffInitialMs = opts.backoff?.initialMs ?? 500;
  const backoffMaxMs = opts.backoff?.maxMs ?? 30_000;
  const heads = opts.heads ?? headSubscriptionOf(source);
  const alarm = createAlarm();

  let state: FollowState | null = null;
  let headNumber: bigint | null = null;
  let consecutiveErrors = 0;
  let lastHeadAt: number | null = null;
  let lastError: string | null = null;
  let stopping = false;
  let active = false;
  let running: Promise<void> | null = null;

  async function initialState(): Promise<FollowState> {
    const cursor = await cursors.getCursor(chain);
    if (!cursor) {
      const start =
        opts.startBlock === undefined || opts.startBlock === 'latest'
          ? await latestStart()
          : BigInt(opts.startBlock);
      log.info({ chain, block: start }, 'no cursor stored; following from the start block');
      return freshState(chain, start);
    }
    const window = await resumeWindow(cursor.number, cursor.hash);
    log.info({ chain, block: cursor.number, hash: cursor.hash }, 'resuming from the stored cursor');
    return resumedState(chain, window, policy);
  }

  async function latestStart(): Promise<bigint> {
    const due = (await source.head()).number - BigInt(policy.confirmations);
    return due > 0n ? due : 0n;
  }

  /**
   * The cursor block and its ancestors, oldest first. Read by number while the cursor is still
   * canonical; otherwise (it was reorged out while we were down) by parent hash, so the
   * reconciler finds the fork point and retracts the blocks from the cursor back to it.
   */
  async function resumeWindow(number: bigint, rawHash: string): Promise<BlockRef[]> {
    const hash = blockHash(rawHash);
    const capacity = BigInt(windowCapacity(policy));
    const from = number - capacity + 1n > 0n ? number - capacity + 1n : 0n;
    const byNumber = await fetchRange(source, from, number, batchSize);
    const count = Number(number - from + 1n);
    if (byNumber.length === count && byNumber[count - 1]?.hash === hash && linkedPrefix(byNumber).length === count) {
      return byNumber;
    }
    const cursorBlock = await fetchByHash(source, hash);
    if (!cursorBlock) throw new CursorBlockUnknown(chain, number, rawHash);
    if (cursorBlock.number !== number) throw new InconsistentBlock(chain, hash, cursorBlock);
    const blocks = [cursorBlock];
    for (let b = cursorBlock; blocks.length < capacity && b.number > 0n; ) {
      const parent = await fetchByHash(source, b.parentHash);
      if (!parent) {
        log.warn({ chain, block: b.number - 1n, hash: b.parentHash }, 'node no longer has an ancestor of the cursor; keeping fewer blocks');
        break;
      }
      blocks.unshift(parent);
      b = parent;
    }
    log.warn({ chain, block: number, hash: rawHash }, 'cursor block is no longer canonical; will retract it');
    return blocks;
  }

  /** Reconciles, fetching ancestors by hash until the fork point is found (or is too deep). */
  async function reconcileWithAncestors(from: FollowState, segment: BlockRef[], head: bigint): Promise<Advance> {
    let offered = segment;
    for (;;) {
      const result = reconcile(from, offered, head, policy);
      if (result.kind === 'advance') return result;
      const parent = await fetchByHash(source, result.of.parentHash);
      if (!parent) throw new Error(`${chain}: node does not know block ${result.of.parentHash}, parent of #${result.of.number}`);
      offered = [parent, ...offered];
    }
  }

  async function transfersOf(steps: readonly Step[]): Promise<Map<string, readonly Transfer[]>> {
    if (opts.withTransfers === false) return new Map();
    const blocks = steps.flatMap((s) => (s.event.type === 'block' ? [s.event.block] : []));
    const lists = await mapLimit(blocks, batchSize, async (block) => {
      const transfers = await source.transfers(block);
      const stray = transfers.find((t) => t.blockHash !== block.hash);
      if (stray) throw new InconsistentBlock(chain, block.hash, { number: stray.blockNumber, hash: stray.blockHash });
      return transfers;
    });
    return new Map(blocks.map((b, i) => [b.hash, lists[i] ?? []]));
  }

  function cursorAfter(event: ReconcileEvent): BlockRef | null {
    if (event.type === 'block') return event.block;
    if (event.type === 'reorg') return event.forkPoint;
    return null;
  }

  function logEvent(event: ReconcileEvent): void {
    if (event.type === 'reorg') {
      const orphaned = event.orphaned;
      log.warn(
        { chain, forkPoint: event.forkPoint.number, from: orphaned[0]?.number, to: orphaned[orphaned.length - 1]?.number, orphaned: orphaned.length },
        'reorg: blocks above the fork point are no longer canonical',
      );
    } else {
      log.debug({ chain, block: event.block.number, hash: event.block.hash }, event.type);
    }
  }

  /** One poll: read, reconcile, hand on. Returns true when caught up (time to sleep). */
  async function round(setPhase: (p: Phase) => void): Promise<boolean> {
    setPhase('start');
    const current = (state ??= await initialState());
    setPhase('read');
    const head = await source.head();
    headNumber = head.number;
    lastHeadAt = Date.now();
    const plan = planFetch(current, head.number, policy, batchSize);
    let segment: BlockRef[];
    let caughtUp = true;
    switch (plan.kind) {
      case 'wait':
        if (plan.reason === 'node-behind') log.warn({ chain, head: head.number, block: tipOf(current)?.number }, 'node head is below the blocks handed on; waiting');
        return true;
      case 'check': {
        segment = plan.number === head.number ? [head] : await fetchRange(source, plan.number, plan.number, 1);
        break;
      }
      case 'range':
        segment = await fetchRange(source, plan.from, plan.to, batchSize);
        caughtUp = segment.length < Number(plan.to - plan.from + 1n) || plan.to >= head.number - BigInt(policy.confirmations);
        break;
    }
    if (segment.length === 0) return true;

    const result = await reconcileWithAncestors(current, segment, head.number);
    const transfers = await transfersOf(result.steps);
    for (const step of result.steps) {
      if (stopping) return true;
      const event: FollowEvent =
        step.event.type === 'block'
          ? { type: 'block', block: step.event.block, transfers: transfers.get(step.event.block.hash) ?? [] }
          : step.event;
      setPhase('handler');
      await onEvent(event);
      const cursor = cursorAfter(step.event);
      if (cursor) {
        setPhase('cursor');
        await cursors.setCursor(chain, { number: cursor.number, hash: cursor.hash });
      }
      state = step.state;
      logEvent(step.event);
    }
    return caughtUp;
  }

  async function loop(): Promise<void> {
    const unsubscribe = heads?.subscribeHeads((head) => {
      if (headNumber === null || head.number > headNumber) headNumber = head.number;
      alarm.head();
    });
    let delay = backoffInitialMs;
    active = true;
    lastHeadAt ??= Date.now();
    try {
      while (!stopping) {
        let phase: Phase = 'start';
        try {
          const caughtUp = await round((p) => (phase = p));
          consecutiveErrors = 0;
          lastError = null;
          delay = backoffInitialMs;
          if (caughtUp) await alarm.sleep(pollIntervalMs, { wakeOnHead: true });
        } catch (err) {
          if (err instanceof ReorgTooDeep) {
            log.error(
              { chain, depth: err.depth, limit: err.limit, forkSearchedTo: err.forkSearchedTo, err },
              'reorg deeper than the blocks kept; following stopped',
            );
            throw err;
          }
          consecutiveErrors++;
          lastError = err instanceof Error ? err.message : String(err);
          const block = state ? nextNumber(state) : undefined;
          const fields = { chain, block, phase, attempt: consecutiveErrors, retryInMs: delay, err };
          if (err instanceof CursorBlockUnknown) log.error(fields, 'cursor block unknown to the node; retrying');
          else log.warn(fields, `${phase} failed; retrying after backoff`);
          await alarm.sleep(delay, { wakeOnHead: false });
          delay = Math.min(delay * 2, backoffMaxMs);
        }
      }
    } finally {
      active = false;
      unsubscribe?.();
    }
  }

  return {
    chain,
    run() {
      if (running) throw new Error(`${chain}: follower already running`);
      stopping = false;
      running = loop();
      return running;
    },
    async stop() {
      stopping = true;
      alarm.stop();
      await running?.catch(() => undefined);
    },
    status() {
      const tip = state ? tipOf(state) : null;
      const handedOn = tip?.number ?? (state ? state.floor - 1n : null);
      return {
        chain,
        running: active && !stopping,
        head: headNumber,
        tip,
        lag: headNumber !== null && handedOn !== null ? headNumber - handedOn : null,
        finalized: state?.finalized ?? null,
        consecutiveErrors,
        lastHeadAt,
        lastError,
      };
    },
  };
}
