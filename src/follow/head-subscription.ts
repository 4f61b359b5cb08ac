import type { ChainSource } from '../chains/chain-source.js';
import type { BlockRef } from '../domain/block.js';

/**
 * Optional push of new heads (e.g. `eth_subscribe('newHeads')` over a WebSocket). The follower
 * only uses it to wake early; it polls `head()` anyway, so a dropped subscription loses nothing.
 */
export interface HeadSubscription {
  /** Calls `onHead` for each new head; returns the unsubscribe function. */
  subscribeHeads(onHead: (head: BlockRef) => void): () => void;
}

/** The source's own head subscription, where its family offers one. */
export function headSubscriptionOf(source: ChainSource): HeadSubscription | null {
  const subscribe = source.subscribeHeads;
  return subscribe ? { subscribeHeads: (onHead) => subscribe.call(source, onHead) } : null;
}
