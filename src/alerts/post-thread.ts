/**
 * On-call POSTs sent from a thread of their own. A replay or a mass listing raises thousands of
 * holds, and each page is an HTTP request: on the pipeline's thread their sockets, headers and
 * answers took CPU from extraction and screening (bench:replay, 1,500 alerts a run). The thread
 * does the HTTP (`postAlert`), webhook signatures included; claims, rate limits and retries stay
 * with the dispatcher, and bodies are built before they are handed over.
 *
 * A thread that fails or stops answers every request it held as retryable (the dispatcher tries
 * again, and its claims keep each alert to one delivery); the next request starts a new one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.js';
import type { SendResult } from './channel.js';
import { postAlert, type PostAlert, type PostOptions } from './http.js';

/** A request as it crosses to the thread: PostOptions are plain data, so they clone as they are. */
export interface PostRequest {
  readonly id: number;
  readonly url: string;
  readonly body: string;
  readonly opts: PostOptions;
}

export interface PostAnswer {
  readonly id: number;
  readonly result: SendResult;
}

export interface PostThread {
  readonly post: PostAlert;
  /** Ends the thread once the requests it holds are answered; later posts are sent from this thread. */
  close(): Promise<void>;
}

/**
 * How the thread is started. From the build, its entry is the compiled sibling module; run from
 * TypeScript sources (tests, benches under tsx), a thread does not inherit tsx's loader on
 * Node 20, so the entry is imported after registering it in the thread.
 */
export function startPostThread(): Worker {
  const compiled = new URL('./post-thread-main.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled);
  const source = new URL('./post-thread-main.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`, { eval: true });
}

export interface PostThreadOptions {
  /** Starts a thread (default `startPostThread`); tests pass one that fails. */
  readonly start?: () => Worker;
}

export function createPostThread(log: Logger, opts: PostThreadOptions = {}): PostThread {
  const start = opts.start ?? startPostThread;
  let thread: Worker | null = null;
  let closed = false;
  let next = 0;
  const waiting = new Map<number, (result: SendResult) => void>();

  const failAll = (reason: string): void => {
    for (const answer of waiting.values()) answer({ outcome: 'retryable', status: null, retryAfterMs: null, reason });
    waiting.clear();
  };

  const running = (): Worker => {
    if (thread !== null) return thread;
    const t = start();
    // Idle, it keeps nothing alive: the pipeline's own handles decide when the process ends.
    t.unref();
    t.on('message', (m: PostAnswer) => {
      const answer = waiting.get(m.id);
      waiting.delete(m.id);
      answer?.(m.result);
      if (waiting.size === 0) t.unref();
    });
    t.on('error', (err) => {
      log.error({ error: err.name }, 'alert sender thread failed; its requests will be retried');
    });
    t.on('exit', (code) => {
      if (thread === t) thread = null;
      if (waiting.size > 0) {
        if (!closed) log.error({ code, requests: waiting.size }, 'alert sender thread stopped; its requests will be retried');
        failAll('alert sender thread stopped');
      }
    });
    thread = t;
    return t;
  };

  return {
    post(url, body, opts) {
      if (closed) return postAlert(url, body, opts);
      const t = running();
      const id = ++next;
      return new Promise<SendResult>((resolve) => {
        waiting.set(id, resolve);
        // Held while answers are owed, so a replay waiting for its alerts does not end early.
        t.ref();
        try {
          t.postMessage({ id, url, body, opts } satisfies PostRequest);
        } catch (err) {
          // Options that cannot cross to the thread (a bug): sent from this thread instead.
          waiting.delete(id);
          if (waiting.size === 0) t.unref();
          log.error({ error: err instanceof Error ? err.name : typeof err }, 'alert request could not be handed to the sender thread; sending it from this one');
          resolve(postAlert(url, body, opts));
        }
      });
    },
    async close() {
      closed = true;
      const t = thread;
      if (t === null) return;
      while (waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await t.terminate();
    },
  };
}
