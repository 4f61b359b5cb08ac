import { Queue } from 'bullmq';
import type { Alert } from '../domain/alert.js';
import { assetPolicies } from '../pipeline/asset-policy.js';
import { jobId, type ActJob } from '../pipeline/jobs.js';
import { jobOptions } from '../pipeline/queues.js';
import { QUEUE } from '../pipeline/queue-names.js';
import { probeRedis, redisOptions } from '../pipeline/redis-connection.js';
import { rescreenAfterRefresh } from '../pipeline/retro-screen.js';
import type { RefreshResult } from '../sanctions/refresh-list.js';
import type { Store } from '../store/index.js';
import type { CliContext } from './context.js';

/**
 * `cordon lists refresh|import` activated a version: re-screen past transfers against its added
 * entries (pipeline/retro-screen.ts). Holds are written first; their alerts then go to the act
 * queue in Redis for the service's act workers to deliver. Returns a line for stdout, and
 * whether everything that had to happen did.
 */
export async function rescreenFromCli(ctx: CliContext, store: Store, result: RefreshResult): Promise<{ line: string; ok: boolean }> {
  if (result.outcome !== 'accepted' || result.diff.added.length === 0) return { line: '', ok: true };
  const alerts: Alert[] = [];
  const retro = await rescreenAfterRefresh(
    {
      config: ctx.config,
      store,
      assets: assetPolicies(ctx.config.chains),
      log: ctx.log,
      queueAlert: async (alert) => void alerts.push(alert),
      async confirmations(chain, blockNumber) {
        const cursor = await store.cursors.getCursor(chain);
        return cursor && cursor.number >= blockNumber ? Number(cursor.number - blockNumber) : 0;
      },
    },
    result,
  );
  if (retro === null) {
    return { line: `${result.listId}: v${result.version}: retroactive screening FAILED (see the log)\n`, ok: false };
  }
  const line =
    `${result.listId}: v${result.version}: retroactive screening of ${retro.addedEntries} added entries: ` +
    `${retro.transfersFound} past transfers, ${retro.holdsCreated} new holds, ${retro.alerted} alerts, ${retro.ignored} ignored (no value)\n`;
  if (alerts.length === 0) return { line, ok: true };
  try {
    await probeRedis(ctx.config.redis.url, 5_000);
  } catch (err) {
    return {
      line: `${line}    ${alerts.length} on-call alerts NOT queued: ${(err as Error).message}; the holds are stored and reach the exchange when the service runs, but tell on-call\n`,
      ok: false,
    };
  }
  const queue = new Queue<ActJob>(QUEUE.act, {
    connection: redisOptions(ctx.config.redis.url),
    defaultJobOptions: jobOptions({ attempts: ctx.config.pipeline.attempts, backoffMs: ctx.config.pipeline.backoff }),
  });
  try {
    await queue.addBulk(alerts.map((alert) => ({ name: 'alert', data: { kind: 'alert', alert }, opts: { jobId: jobId('alert', alert.dedupKey) } })));
  } finally {
    await queue.close();
  }
  return { line: `${line}    ${alerts.length} on-call alerts queued\n`, ok: true };
}
