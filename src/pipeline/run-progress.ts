import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Progress of a replay run, in Redis so that every worker process contributes and a crashed
 * one's retried jobs count once: blocks are members of a set, never counters.
 *   cordon:run:<id>:meta      hash: chain, from, to, dryRun, total, startedAt
 *   cordon:run:<id>:done      set of block hashes fully handled
 *   cordon:run:<id>:acts:<h>  expected act jobs of block <h>;  …:actsdone:<h> set of those done
 *   cordon:run:<id>:matches   hash: match key → JSON of what was (or would have been) held
 *   cordon:run:<id>:alerts    set of the alert job ids the run queued (it waits for them)
 *   cordon:run:<id>:alertcount hash: alert job id → how many alerts it carries
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
  recordMatch(runId: string, key: string, report: unknown): Promise<void>;
  /**
   * An act job's progress in one round trip (a MULTI): its match reports (`recordMatch` for
   * each), then each (block, act key) it acted on (`actDone` for each), so that a block is
   * never done without the reports of its matches.
   */
  matchesActed(runId: string, reports: ReadonlyMap<string, unknown>, done: readonly { readonly blockHash: string; readonly key: string }[]): Promise<void>;
  doneCount(runId: string): Promise<number>;
  matches(runId: string): Promise<unknown[]>;
  /** An alert job the run queued, carrying `alerts` alerts (default 1). */
  expectAlert(runId: string, alertJobId: string, alerts?: number): Promise<void>;
  alertJobs(runId: string): Promise<string[]>;
  /** Alerts per alert job, as `expectAlert` recorded them (jobs queued by earlier versions have none). */
  alertCounts(runId: string): Promise<Map<string, number>>;
}

/** Runs a MULTI; an error of any command in it is thrown, not left in the replies. */
async function exec(m: ChainableCommander): Promise<unknown[]> {
  const replies = (await m.exec()) ?? [];
  const failed = replies.find(([err]) => err !== null);
  if (failed?.[0]) throw failed[0];
  return replies.map(([, value]) => value);
}

// `expectActsOf` and `matchesActed` run one script each: a replay's act job ticks off ~50 blocks,
// and as a MULTI of four commands a block (queued, then answered) that was most of the
// commands a replay sent (bench:replay: ~5,300 of ~7,000 a run). Same effects, same keys.

/** KEYS: acts:<hash> per block. ARGV: ttl, then the expected count per block, in KEYS' order. */
const EXPECT_ACTS = `
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ARGV[1]) end
return #KEYS`;

/**
 * KEYS: the run's done set, then acts:<hash> and actsdone:<hash> per block. ARGV: ttl, then per
 * block its hash, how many act keys follow, and those keys. A block whose acts are all done
 * joins the done set. Returns how many did.
 */
const ACTS_DONE = `
local ttl = ARGV[1]
local a = 2
local finished = 0
for i = 2, #KEYS, 2 do
  local hash, n = ARGV[a], tonumber(ARGV[a + 1])
  local doneKey = KEYS[i + 1]
  for j = a + 2, a + 1 + n do redis.call('SADD', doneKey, ARGV[j]) end
  a = a + 2 + n
  redis.call('EXPIRE', doneKey, ttl)
  local expected = redis.call('GET', KEYS[i])
  if expected and redis.call('SCARD', doneKey) >= tonumber(expected) then
    redis.call('SADD', KEYS[1], hash)
    finished = finished + 1
  end
end
if finished > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return finished`;

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
      const keys: string[] = [];
      const args: string[] = [String(TTL_SECONDS)];
      for (const [blockHash, count] of counts) {
        keys.push(k(runId, 'acts', blockHash));
        args.push(String(count));
      }
      await redis.eval(EXPECT_ACTS, keys.length, ...keys, ...args);
    },
    async matchesActed(runId, reports, done) {
      const m = redis.multi();
      if (reports.size > 0) {
        const fields: string[] = [];
        for (const [key, report] of reports) fields.push(key, JSON.stringify(report));
        m.hset(k(runId, 'matches'), ...fields).expire(k(runId, 'matches'), TTL_SECONDS);
      }
      if (done.length > 0) {
        const byBlock = new Map<string, string[]>();
        for (const d of done) {
          const keys = byBlock.get(d.blockHash);
          if (keys) keys.push(d.key);
          else byBlock.set(d.blockHash, [d.key]);
        }
        const keys = [k(runId, 'done')];
        const args = [String(TTL_SECONDS)];
        for (const [blockHash, actKeys] of byBlock) {
          keys.push(k(runId, 'acts', blockHash), k(runId, 'actsdone', blockHash));
          args.push(blockHash, String(actKeys.length), ...actKeys);
        }
        m.eval(ACTS_DONE, keys.length, ...keys, ...args);
      }
      await exec(m);
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
    async expectAlert(runId, alertJobId, alerts = 1) {
      const ids = k(runId, 'alerts');
      const counts = k(runId, 'alertcount');
      await exec(redis.multi().sadd(ids, alertJobId).expire(ids, TTL_SECONDS).hset(counts, alertJobId, String(alerts)).expire(counts, TTL_SECONDS));
    },
    alertJobs(runId) {
      return redis.smembers(k(runId, 'alerts'));
    },
    async alertCounts(runId) {
      const all = await redis.hgetall(k(runId, 'alertcount'));
      return new Map(Object.entries(all).map(([id, n]) => [id, Number(n)]));
    },
  };
}
