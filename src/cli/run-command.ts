import type { Command } from 'commander';
import { startListRefresher } from '../sanctions/list-refresher.js';
import type { CliContext } from './context.js';
import { refreshRequestFor } from './list-requests.js';

/**
 * `cordon run`: the long-running service. In this version it keeps the sanctions lists fresh
 * (each on its own interval, failing closed). Watching chains, raising holds and paging
 * on-call are added by the pipeline work and are said to be missing at start, not faked.
 */
export function registerRun(program: Command, context: () => CliContext): void {
  program
    .command('run')
    .description('run the service until SIGTERM/SIGINT: keeps sanctions lists fresh (chain watching: not in this version yet)')
    .option('--only <stages>', 'comma-separated stages to run in this process (pipeline: not in this version yet)')
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
      if (opts.only) log.warn({ only: opts.only }, 'pipeline stages are not in this version yet; --only has no effect');
      if (ctx.config.chains.length > 0) {
        log.warn(
          { chains: ctx.config.chains.map((c) => c.id) },
          'chain watching, holds and alerts are not in this version yet: configured chains are NOT being screened',
        );
      }
      const store = await ctx.store();
      const refresher = startListRefresher(
        store.lists,
        ctx.log.child({ component: 'sanctions' }),
        ctx.config.lists.map((list) => ({ request: refreshRequestFor(list), everyMs: list.refresh })),
      );
      log.info({ lists: ctx.config.lists.map((l) => l.id), store: store.kind }, 'cordon running; SIGTERM or SIGINT stops it');
      await stopRequested;
      await refresher.stop();
      log.info('stopped');
    });
}
