import type { Command } from 'commander';
import { listRefreshRefusedAlert } from '../domain/alert.js';
import { API_TOKEN_ENV, startHttpServer, type HttpServer } from '../http/index.js';
import { jobId } from '../pipeline/jobs.js';
import { createMetrics } from '../pipeline/metrics.js';
import { parseStages, STAGES, type Stage } from '../pipeline/queue-names.js';
import { startPipeline } from '../pipeline/service.js';
import { startListRefresher } from '../sanctions/list-refresher.js';
import type { CliContext } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { refreshRequestFor } from './list-requests.js';

/**
 * `cordon run`: the service. Follows every configured chain (one follower per chain across
 * all processes), extracts, screens and acts through the BullMQ queues, keeps the sanctions
 * lists fresh (failing closed), delivers holds to the exchange hook, and serves /healthz,
 * /readyz, /metrics and the API. `--only` runs some stages, to scale them out.
 */
export function registerRun(program: Command, context: () => CliContext): void {
  program
    .command('run')
    .description('run the service until SIGTERM/SIGINT')
    .option('--only <stages>', `comma-separated stages to run in this process (${STAGES.join(', ')}, lists, http); default all`)
    .action(async (opts: { only?: string }) => {
      const ctx = context();
      const log = ctx.log.child({ component: 'service' });
      // Listen before anything else: a SIGTERM during start-up also ends in a clean shutdown.
      const stopRequested = new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          log.info({ signal }, 'shutting down: finishing work in flight');
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      const wanted = opts.only?.split(',').map((s) => s.trim()) ?? [...STAGES, 'lists', 'http'];
      let stages: Stage[];
      try {
        stages = parseStages(wanted.filter((s) => s !== 'lists' && s !== 'http').join(','));
      } catch (err) {
        throw new CliError(`--only: ${(err as Error).message}`, EXIT.usage);
      }
      const store = await ctx.store();
      const metrics = createMetrics();
      const pipeline = await startPipeline({ config: ctx.config, store, log: ctx.log, metrics, stages });
      const { queues } = pipeline.ctx;

      const refresher = wanted.includes('lists')
        ? startListRefresher(
            store.lists,
            ctx.log.child({ component: 'sanctions' }),
            ctx.config.lists.map((list) => ({ request: refreshRequestFor(list), everyMs: list.refresh })),
            (result) => {
              if (result.outcome !== 'rejected') return;
              const alert = listRefreshRefusedAlert(
                { listId: result.listId, keptVersion: result.keptVersion, reason: result.reason, contentHash: null },
                new Date(),
              );
              void queues.act.add('alert', { kind: 'alert', alert }, { jobId: jobId('alert', alert.dedupKey) }).catch((err: unknown) => {
                log.error({ err, list: result.listId }, 'cannot queue the refused-refresh alert');
              });
            },
          )
        : null;

      let http: HttpServer | null = null;
      let indexTimer: NodeJS.Timeout | undefined;
      if (wanted.includes('http')) {
        const refreshIndex = () => void pipeline.ctx.lists.current().catch(() => undefined);
        refreshIndex();
        indexTimer = setInterval(refreshIndex, 10_000);
        http = await startHttpServer({
          host: ctx.config.http.host,
          port: ctx.config.http.port,
          log: ctx.log,
          deps: {
            store,
            chains: ctx.config.chains,
            apiToken: process.env[API_TOKEN_ENV],
            redis: pipeline.ctx.redis,
            storePing: () => store.db.query('SELECT 1'),
            chainLags: () => pipeline.follow?.readiness() ?? [],
            metrics,
            holdCounts: () => store.holds.countHoldsByState(),
            addressIndex: () => pipeline.ctx.lists.lastIndex(),
          },
        });
      }
      log.info({ stages: wanted, chains: ctx.config.chains.map((c) => c.id), store: store.kind, http: http?.url }, 'cordon running; SIGTERM or SIGINT stops it');
      await stopRequested;
      clearInterval(indexTimer);
      await http?.close();
      await refresher?.stop();
      await pipeline.stop();
      log.info('stopped');
    });
}
