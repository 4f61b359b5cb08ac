import type { Command } from 'commander';
import { listRefreshRefusedAlert, type Alert } from '../domain/alert.js';
import { afterListActivation } from '../holds/index.js';
import { API_TOKEN_ENV, startHttpServer, type HttpServer } from '../http/index.js';
import { checkConfiguredToken } from '../http/auth.js';
import { addAlertJob } from '../pipeline/alert-jobs.js';
import { createMetrics } from '../pipeline/metrics.js';
import { parseStages, STAGES, type Stage } from '../pipeline/queue-names.js';
import { createChainSources, identifyChainSources } from '../pipeline/chain-sources.js';
import { ListVersionEffects } from '../pipeline/list-version-effects.js';
import { rescreenAfterRefresh, retroDepsOf } from '../pipeline/retro-screen.js';
import { startPipeline } from '../pipeline/service.js';
import { NO_CHAIN_WARNING } from '../http/health-routes.js';
import { startListRefresher } from '../sanctions/list-refresher.js';
import { pendingVersionAlert } from '../sanctions/refresh-list.js';
import type { CliContext } from './context.js';
import { ensureListsForWorkers } from './ensure-lists.js';
import { CliError, EXIT } from './exit-codes.js';
import { refreshRequestFor } from './list-requests.js';
import { serviceHttpDeps } from './service-http.js';
import { watchShutdownSignals, type ShutdownSignals } from './shutdown-signals.js';

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
      // Listen before anything else: a signal during start-up also ends in a bounded, clean stop.
      const signals = watchShutdownSignals(log, ctx.config.pipeline.shutdownTimeout);
      // What has been started, stopped in reverse order on the way out: a start that fails half
      // way stops the rest (workers, the follower's lock, timers) and the process exits.
      const started: { readonly what: string; readonly stop: () => Promise<void> }[] = [];
      try {
        await start(ctx, opts, signals, started);
        if (!signals.requested()) log.info('cordon running; SIGTERM or SIGINT stops it');
        await signals.stopRequested;
      } finally {
        for (const { what, stop } of started.reverse()) {
          await stop().catch((err: unknown) => log.error({ err, what }, 'stopping failed'));
        }
        signals.dispose();
        log.info('stopped');
      }
    });
}

type Started = { readonly what: string; readonly stop: () => Promise<void> }[];

async function start(ctx: CliContext, opts: { only?: string }, signals: ShutdownSignals, started: Started): Promise<void> {
  const log = ctx.log.child({ component: 'service' });
  const wanted = opts.only?.split(',').map((s) => s.trim()) ?? [...STAGES, 'lists', 'http'];
  let stages: Stage[];
  try {
    stages = parseStages(wanted.filter((s) => s !== 'lists' && s !== 'http').join(','));
  } catch (err) {
    throw new CliError(`--only: ${(err as Error).message}`, EXIT.usage);
  }
  // What the configuration must fix fails before anything starts.
  if (wanted.includes('http')) {
    try {
      checkConfiguredToken(process.env[API_TOKEN_ENV]);
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.usage);
    }
  }
  // The chains next: a node on another chain fails the start before lists are loaded.
  const sources = createChainSources(ctx.config.chains, ctx.log);
  started.push({ what: 'chain sources', stop: async () => void (await Promise.all([...sources.values()].map((s) => s.close().catch(() => undefined)))) });
  if (stages.includes('follow') || stages.includes('extract')) await identifyChainSources(sources);
  const store = await ctx.store();
  // Screen workers must not start on a store without lists: they would fail every block.
  if (stages.includes('screen')) await ensureListsForWorkers(ctx, { complete: false });
  if (signals.requested()) return;
  const metrics = createMetrics();
  const pipeline = await startPipeline({ config: ctx.config, store, log: ctx.log, metrics, stages, sources });
  started.push({ what: 'pipeline', stop: () => pipeline.stop() });
  const { queues } = pipeline.ctx;
  const queueAlert = (alert: Alert) => addAlertJob(queues.alerts, alert);
  if (signals.requested()) return;

  if (wanted.includes('lists') || stages.includes('act')) {
    // What an activation must do is redone from the store if the process that activated a version did not finish it.
    const effects = new ListVersionEffects({ store, retro: retroDepsOf(pipeline.ctx), tellHolds: queueAlert, log: ctx.log.child({ component: 'list-effects' }) });
    started.push({ what: 'list version effects', stop: effects.start() });
  }

  if (wanted.includes('lists')) {
    const refresher = startListRefresher(
      store.lists,
      ctx.log.child({ component: 'sanctions' }),
      ctx.config.lists.map((list) => ({ request: refreshRequestFor(list), everyMs: list.refresh })),
      async (result) => {
        // A version that adds entries re-screens past transfers (retroactive holds, alerts).
        if (result.outcome === 'accepted') void rescreenAfterRefresh(retroDepsOf(pipeline.ctx), result);
        if (result.outcome === 'accepted' && result.previousVersion !== null) {
          // After the new version committed: every hold citing what it removes or changes hears of it.
          await afterListActivation(
            store.holds,
            { listId: result.listId, version: result.version, removed: result.diff.removed, changed: result.diff.changed },
            queueAlert,
            ctx.log.child({ component: 'holds' }),
          );
          return;
        }
        if (result.outcome !== 'rejected') return;
        const alert = result.pending
          ? pendingVersionAlert(result.listId, result.keptVersion, result.reason, result.pending, new Date())
          : listRefreshRefusedAlert({ listId: result.listId, keptVersion: result.keptVersion, reason: result.reason, contentHash: null }, new Date());
        await queueAlert(alert).catch((err: unknown) => {
          log.error({ err, list: result.listId, kind: alert.kind }, 'cannot queue the list alert');
        });
      },
    );
    started.push({ what: 'list refresher', stop: () => refresher.stop() });
  }

  if (wanted.includes('http')) {
    const refreshIndex = () => void pipeline.ctx.lists.current().catch(() => undefined);
    refreshIndex();
    const indexTimer = setInterval(refreshIndex, 10_000);
    started.push({ what: 'index refresh', stop: async () => clearInterval(indexTimer) });
    let http: HttpServer;
    try {
      http = await startHttpServer({
        host: ctx.config.http.host,
        port: ctx.config.http.port,
        log: ctx.log,
        deps: serviceHttpDeps({ config: ctx.config, store, pipeline, metrics, queueAlert, apiToken: process.env[API_TOKEN_ENV] }),
      });
    } catch (err) {
      throw new CliError(`cannot serve HTTP on ${ctx.config.http.host}:${ctx.config.http.port}: ${(err as Error).message}; free the port or set http.port`, EXIT.failed);
    }
    started.push({ what: 'http server', stop: () => http.close() });
    await ctx.announceApi(http.url); // in the embedded store's lock: other commands send writes here
    log.info({ url: http.url, console: `${http.url}/console` }, 'serving /healthz, /readyz, /metrics, the API and the console');
  }
  log.info({ stages: wanted, chains: ctx.config.chains.map((c) => c.id), store: store.kind }, 'service started');
  if (ctx.config.chains.length === 0) log.warn({ chains: [] }, NO_CHAIN_WARNING);
}
