import type { ChainableCommander, Redis } from 'ioredis';

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
  /** Several blocks fully handled, in one round trip. */
  blocksDone(runId: string, blockHashes: readonly string[]): Promise<void>;
  expectActs(runId: string, blockHash: string, count: number): Promise<void>;
  /** `expectActs` for several blocks, in one round trip. */
  expectActsOf(runId: string, counts: ReadonlyMap<string, number>): Promise<void>;
  actDone(runId: string, blockHash: string, actKey: string): Promise<void>;
  /** `actDone` for several (block, act key) pairs: two round trips whatever their number. */
  actsDone(runId: string, done: readonly { readonly blockHash: string; readonly key: string }[]): Promise<void>;
  recordMatch(runId: string, key: string, report: unknown): Promise<void>;
  /** `recordMatch` for several matches, in one round trip. */
  recordMatches(runId: string, reports: ReadonlyMap<string, unknown>): Promise<void>;
  doneCount(runId: string): Promise<number>;
  matches(runId: string): Promise<unknown[]>;
  expectAlert(runId: string, alertJobId: string): Promise<void>;
  alertJobs(runId: string): Promise<string[]>;
}

/** Runs a MULTI; an error of any command in it is thrown, not left in the replies. */
async function exec(m: ChainableCommander): Promise<unknown[]> {
  const replies = (await m.exec()) ?? [];
  const failed = replies.find(([err]) => err !== null);
  if (failed?.[0]) throw failed[0];
  return replies.map(([, value]) => value);
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
    async blocksDone(runId, blockHashes) {
      if (blockHashes.length === 0) return;
      await exec(redis.multi().sadd(k(runId, 'done'), ...blockHashes).expire(k(runId, 'done'), TTL_SECONDS));
    },
    async expectActsOf(runId, counts) {
      if (counts.size === 0) return;
      const m = redis.multi();
      for (const [blockHash, count] of counts) m.set(k(runId, 'acts', blockHash), String(count), 'EX', TTL_SECONDS);
      await exec(m);
    },
    async actsDone(runId, done) {
      if (done.length === 0) return;
      const byBlock = new Map<string, string[]>();
      for (const d of done) byBlock.set(d.blockHash, [...(byBlock.get(d.blockHash) ?? []), d.key]);
      const m = redis.multi();
      for (const [blockHash, keys] of byBlock) {
        const doneKey = k(runId, 'actsdone', blockHash);
        m.sadd(doneKey, ...keys).expire(doneKey, TTL_SECONDS).get(k(runId, 'acts', blockHash)).scard(doneKey);
      }
      const replies = await exec(m);
      const finished: string[] = [];
      [...byBlock.keys()].forEach((blockHash, i) => {
        const expected = replies[i * 4 + 2];
        if (typeof expected === 'string' && Number(replies[i * 4 + 3]) >= Number(expected)) finished.push(blockHash);
      });
      await this.blocksDone(runId, finished);
    },
    async recordMatches(runId, reports) {
      if (reports.size === 0) return;
      const fields: string[] = [];
      for (const [key, report] of reports) fields.push(key, JSON.stringify(report));
      await exec(redis.multi().hset(k(runId, 'matches'), ...fields).expire(k(runId, 'matches'), TTL_SECONDS));
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
