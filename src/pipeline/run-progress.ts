import type { Redis } from 'ioredis';

/**
 * Progress of a replay run, in Redis so that every worker process contributes and a crashed
 * one's retried jobs count once: blocks are members of a set, never counters.
 *   cordon:run:<id>:meta      hash: chain, from, to, dryRun, total, startedAt
 *   cordon:run:<id>:done      set of block hashes fully handled
 *   cordon:run:<id>:acts:<h>  expected act jobs of block <h>;  …:actsdone:<h> set of those done
 *   cordon:run:<id>:matches   hash: match key → JSON of what was (or would have been) held
 *   cordon:run:<id>:alerts    set of the alert job ids the run queued (it waits for them)
 */
const TTL_SECONDS = 7 * 86_400;

export interface RunMeta {
  readonly runId: string;
  readonly chain: string;
  readonly from: string;
  readonly to: string;
  readonly dryRun: boolean;
  readonly total: number;
  readonly startedAt: number;
}

export interface RunProgress {
  start(meta: RunMeta): Promise<void>;
  meta(runId: string): Promise<RunMeta | null>;
  blockDone(runId: string, blockHash: string): Promise<void>;
  expectActs(runId: string, blockHash: string, count: number): Promise<void>;
  actDone(runId: string, blockHash: string, actKey: string): Promise<void>;
  recordMatch(runId: string, key: string, report: unknown): Promise<void>;
  doneCount(runId: string): Promise<number>;
  matches(runId: string): Promise<unknown[]>;
  expectAlert(runId: string, alertJobId: string): Promise<void>;
  alertJobs(runId: string): Promise<string[]>;
}

export function runProgress(redis: Redis): RunProgress {
  const k = (runId: string, ...rest: string[]) => ['cordon', 'run', runId, ...rest].join(':');
  const touch = (key: string) => redis.expire(key, TTL_SECONDS);
  return {
    async start(meta) {
      await redis.hset(k(meta.runId, 'meta'), {
        chain: meta.chain,
        from: meta.from,
        to: meta.to,
        dryRun: meta.dryRun ? '1' : '0',
        total: String(meta.total),
        startedAt: String(meta.startedAt),
      });
      await touch(k(meta.runId, 'meta'));
    },
    async meta(runId) {
      const m = await redis.hgetall(k(runId, 'meta'));
      if (!m['chain']) return null;
      return {
        runId,
        chain: m['chain'],
        from: m['from'] ?? '0',
        to: m['to'] ?? '0',
        dryRun: m['dryRun'] === '1',
        total: Number(m['total'] ?? 0),
        startedAt: Number(m['startedAt'] ?? 0),
      };
    },
    async blockDone(runId, blockHash) {
      await redis.sadd(k(runId, 'done'), blockHash);
      await touch(k(runId, 'done'));
    },
    async expectActs(runId, blockHash, count) {
      await redis.set(k(runId, 'acts', blockHash), String(count), 'EX', TTL_SECONDS);
    },
    async actDone(runId, blockHash, actKey) {
      const doneKey = k(runId, 'actsdone', blockHash);
      await redis.sadd(doneKey, actKey);
      await touch(doneKey);
      const [expected, done] = await Promise.all([redis.get(k(runId, 'acts', blockHash)), redis.scard(doneKey)]);
      if (expected !== null && done >= Number(expected)) await this.blockDone(runId, blockHash);
    },
    async recordMatch(runId, key, report) {
      await redis.hset(k(runId, 'matches'), key, JSON.stringify(report));
      await touch(k(runId, 'matches'));
    },
    doneCount(runId) {
      return redis.scard(k(runId, 'done'));
    },
    async matches(runId) {
      const all = await redis.hvals(k(runId, 'matches'));
      return all.map((v) => JSON.parse(v) as unknown);
    },
    async expectAlert(runId, alertJobId) {
      await redis.sadd(k(runId, 'alerts'), alertJobId);
      await touch(k(runId, 'alerts'));
    },
    alertJobs(runId) {
      return redis.smembers(k(runId, 'alerts'));
    },
  };
}
