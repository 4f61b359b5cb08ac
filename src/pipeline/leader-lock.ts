import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';

// Renew or release only a lock we still hold: another process may have taken it after expiry.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaderLockOptions {
  readonly redis: Redis;
  /** e.g. `cordon:leader:follow:ethereum` */
  readonly key: string;
  readonly ttlMs?: number;
  readonly log: Logger;
}

/**
 * Runs `task` in exactly one process at a time across every process that asks with the same
 * key (the follower of a chain runs once however many `cordon run` processes there are).
 * Standby processes retry; a holder that cannot renew (Redis gone, process paused) has its
 * task aborted before the lock could pass to another. Resolves when `stop` aborts.
 */
export async function runAsLeader(
  opts: LeaderLockOptions,
  stop: AbortSignal,
  task: (lost: AbortSignal) => Promise<void>,
): Promise<void> {
  const ttl = opts.ttlMs ?? 15_000;
  const token = `${process.pid}-${randomUUID()}`;
  let waitingLogged = false;
  while (!stop.aborted) {
    let acquired = false;
    try {
      acquired = (await opts.redis.set(opts.key, token, 'PX', ttl, 'NX')) === 'OK';
    } catch (err) {
      opts.log.warn({ key: opts.key, err }, 'cannot reach Redis for the leader lock; retrying');
    }
    if (!acquired) {
      if (!waitingLogged) opts.log.info({ key: opts.key }, 'another process leads; standing by');
      waitingLogged = true;
      await sleep(Math.floor(ttl / 3), stop);
      continue;
    }
    waitingLogged = false;
    opts.log.info({ key: opts.key }, 'leader lock acquired');
    const lost = new AbortController();
    const onStop = () => lost.abort();
    stop.addEventListener('abort', onStop);
    // A stop that came while the lock was being taken has fired already: the listener never will.
    if (stop.aborted) lost.abort();
    const renew = setInterval(() => {
      opts.redis
        .eval(RENEW, 1, opts.key, token, String(ttl))
        .then((ok) => {
          if (ok !== 1) throw new Error('lock taken over');
        })
        .catch((err: unknown) => {
          opts.log.error({ key: opts.key, err }, 'leader lock lost; stopping the task');
          lost.abort();
        });
    }, Math.floor(ttl / 3));
    try {
      await task(lost.signal);
    } finally {
      clearInterval(renew);
      stop.removeEventListener('abort', onStop);
      await opts.redis.eval(RELEASE, 1, opts.key, token).catch(() => undefined);
    }
    if (!stop.aborted) await sleep(1_000, stop);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
