/**
 * New heads pushed by a node over WebSocket (`eth_subscribe('newHeads')`), reconnecting with
 * backoff when the socket drops. Only a wake-up for the follower, which polls `head()` anyway:
 * a head that is late, missed or malformed costs at most a poll interval, never a block.
 *
 * ethers' WebSocketProvider is not used: it gives block numbers, not headers, and does not
 * reconnect.
 */
import WebSocket from 'ws';

import type { BlockRef } from '../../domain/block.js';
import type { Logger } from '../../log/logger.js';
import { parseHead, ShapeError } from './rpc-shapes.js';

export interface NewHeadsOptions {
  readonly chain: string;
  /** ws:// or wss:// URL; may carry credentials, so it is never logged (`label` is). */
  readonly url: string;
  readonly label: string;
  readonly log: Logger;
  /** First wait before reconnecting, doubling up to `reconnectMaxMs` (defaults 500 and 30,000 ms). */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
}

const SUBSCRIBE_ID = 1;

/** Subscribes; returns the unsubscribe function (closes the socket, stops reconnecting). */
export function subscribeNewHeads(opts: NewHeadsOptions, onHead: (head: BlockRef) => void): () => void {
  const { chain, label, log } = opts;
  const minMs = opts.reconnectMinMs ?? 500;
  const maxMs = opts.reconnectMaxMs ?? 30_000;
  const fields = { chain, endpoint: label };
  let stopped = false;
  let socket: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = minMs;

  function connect(): void {
    if (stopped) return;
    const ws = new WebSocket(opts.url, { handshakeTimeout: 10_000 });
    socket = ws;
    let subscription: string | undefined;
    let refused = false;

    ws.on('open', () => {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: SUBSCRIBE_ID, method: 'eth_subscribe', params: ['newHeads'] }));
    });
    ws.on('message', (data: WebSocket.RawData) => {
      let msg: { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown }; method?: unknown; params?: { subscription?: unknown; result?: unknown } };
      try {
        msg = JSON.parse(data.toString()) as typeof msg;
      } catch {
        log.warn(fields, 'new heads: a message that is not JSON; ignored');
        return;
      }
      if (msg.id === SUBSCRIBE_ID) {
        if (msg.error !== undefined || typeof msg.result !== 'string') {
          // The node has no subscriptions here: polling alone from now on, no reconnect loop.
          refused = true;
          log.warn({ ...fields, code: msg.error?.code, message: msg.error?.message }, 'new heads subscription refused; following by polling only');
          ws.close();
          return;
        }
        subscription = msg.result;
        delay = minMs;
        log.info(fields, 'subscribed to new heads');
        return;
      }
      if (msg.method !== 'eth_subscription' || subscription === undefined || msg.params?.subscription !== subscription) return;
      let head: BlockRef;
      try {
        head = parseHead(msg.params.result);
      } catch (err) {
        if (!(err instanceof ShapeError)) throw err;
        log.warn({ ...fields, problem: err.message }, 'new heads: a malformed head; ignored');
        return;
      }
      onHead(head);
    });
    // The message only: some clients' errors repeat the URL, which may hold an API key.
    ws.on('error', (err: Error) => log.warn({ ...fields, error: err.message.replace(opts.url, label) }, 'new heads socket failed'));
    ws.on('close', () => {
      if (socket === ws) socket = undefined;
      if (stopped || refused) return;
      log.warn({ ...fields, retryInMs: delay }, 'new heads socket closed; reconnecting');
      timer = setTimeout(connect, delay);
      timer.unref();
      delay = Math.min(delay * 2, maxMs);
    });
  }

  connect();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    const ws = socket;
    socket = undefined;
    if (ws === undefined) return;
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close();
  };
}
