import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NoEndpointOnChain } from '../chains/rpc/chain-identity.js';
import { createMetrics } from '../pipeline/metrics.js';
import { enqueueReplay, ReplayFailed, waitForReplay, waitForRunAlerts, type AlertsLeft, type ReplayProgress } from '../pipeline/replay.js';
import { PinnedListMissing } from '../pipeline/job-errors.js';
import { createChainSources, identifyChainSources } from '../pipeline/chain-sources.js';
import { startPipeline } from '../pipeline/service.js';
import type { CliContext } from './context.js';
import { ensureListsForWorkers } from './ensure-lists.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';

interface ReplayOptions {
  readonly chain: string;
  readonly from: string;
  readonly to: string;
  readonly dryRun?: boolean;
  readonly lists?: string;
  readonly report?: string;
  readonly workers: boolean;
  readonly waitAlerts: string;
}

interface ReportLine {
  readonly outcome: string;
  readonly key: string;
  readonly account: string | null;
  readonly txid: string;
  readonly counterparty: string;
  readonly list: { readonly id: string; readonly version: number };
  readonly programs: readonly string[];
}

const HOLD_OUTCOMES = new Set(['hold raised', 'hold reopened', 'hold moved', 'hold exists']);

/**
 * What the replay leaves to the service, said plainly: alerts on-call channels have not taken
 * yet, and holds the exchange has not been told of (only `cordon run`'s hook stage delivers them).
 */
async function leftToTheService(ctx: CliContext, lines: readonly ReportLine[], alerts: AlertsLeft): Promise<string[]> {
  const out: string[] = [];
  if (alerts.total > 0) {
    if (ctx.config.alerts.channels.length === 0) {
      out.push(`warning: no alert channel is configured (alerts.channels): nobody was paged about these ${alerts.total} alerts`);
    } else if (alerts.pending === 0 && alerts.failed === 0) {
      out.push(`${alerts.total} alert${alerts.total === 1 ? '' : 's'} sent to on-call`);
    } else {
      if (alerts.pending > 0) out.push(`${alerts.pending} of ${alerts.total} alerts still queued (on-call channels did not take them in time): \`cordon run\` keeps sending them`);
      if (alerts.failed > 0) out.push(`${alerts.failed} alerts failed for good: see \`cordon queues\``);
    }
  }
  const store = await ctx.store();
  let undelivered = 0;
  for (const m of lines) {
    if (!HOLD_OUTCOMES.has(m.outcome)) continue;
    const hold = await store.holds.getHold(m.key);
    if (hold !== null && (hold.hookStatus === 'pending' || hold.hookStatus === 'failed')) undelivered++;
  }
  if (undelivered > 0) {
    out.push(
      ctx.config.exchangeHook
        ? `${undelivered} hold${undelivered === 1 ? '' : 's'} await${undelivered === 1 ? 's' : ''} delivery to the exchange by \`cordon run\` (its hook stage delivers them; start it if it is not running)`
        : `${undelivered} hold${undelivered === 1 ? '' : 's'} raised; no exchange hook is configured: the exchange learns of them through the API or \`cordon holds list\``,
    );
  }
  return out;
}

export function registerReplay(program: Command, context: () => CliContext, exit: (code: ExitCode) => void): void {
  program
    .command('replay')
    .description('push historical blocks through the pipeline; with --dry-run, report what would have been held')
    .requiredOption('--chain <chain>', 'configured chain id')
    .requiredOption('--from <n>', 'first block')
    .requiredOption('--to <n>', 'last block')
    .option('--dry-run', 'raise nothing and alert nobody; report what would have been held')
    .option('--lists <versions>', 'screen against these list versions, e.g. ofac-sdn@3,internal@7 (default: the active ones)')
    .option('--report <file>', 'write every match, with its legal basis, as JSON')
    .option('--no-workers', 'only queue the blocks and wait: the workers of a running `cordon run` process them')
    .option('--wait-alerts <seconds>', 'how long to wait for on-call channels to take the run\'s alerts before leaving them to `cordon run`', '60')
    .addHelpText(
      'after',
      '\nA configured list with no snapshot yet is loaded first (as `cordon screen` does); if it cannot be\n' +
        'loaded the replay stops before queueing anything. A job that retrying cannot fix (no list, a chain\n' +
        'not configured) fails at once and ends the replay with its reason.\n' +
        'Exit codes: 0 done and nothing matched, 1 done with matches, 2 bad usage (e.g. a --lists version\n' +
        'that is not stored), 3 a block failed or a list could not be loaded.',
    )
    .action(async (opts: ReplayOptions) => {
      const ctx = context();
      if (!ctx.config.chains.some((c) => c.id === opts.chain)) {
        throw new CliError(`--chain ${opts.chain}: not a configured chain (${ctx.config.chains.map((c) => c.id).join(', ') || 'none'})`, EXIT.usage);
      }
      if (!/^\d+$/.test(opts.waitAlerts)) throw new CliError(`--wait-alerts ${opts.waitAlerts}: a whole number of seconds`, EXIT.usage);
      const from = blockNumber('--from', opts.from);
      const to = blockNumber('--to', opts.to);
      const listVersions = opts.lists ? parseListVersions(opts.lists) : undefined;
      // The chain first: a node on another chain fails the replay before lists are loaded. Only
      // the replayed chain is read: another chain's node being down is no reason to fail.
      const sources = createChainSources(ctx.config.chains.filter((c) => c.id === opts.chain), ctx.log);
      try {
        await identifyChainSources(sources);
      } catch (err) {
        await Promise.all([...sources.values()].map((s) => s.close().catch(() => undefined)));
        if (err instanceof NoEndpointOnChain) throw new CliError(err.message, EXIT.failed);
        throw err;
      }
      let pipeline: Awaited<ReturnType<typeof startPipeline>>;
      try {
        const store = await ctx.store();
        // Before any worker starts: a job must not meet a store without the lists it screens with.
        if (listVersions) await checkPinnedVersions(ctx, listVersions);
        else await ensureListsForWorkers(ctx, { complete: true });
        pipeline = await startPipeline({
          config: ctx.config,
          store,
          log: ctx.log,
          metrics: createMetrics({ defaultMetrics: false }),
          stages: opts.workers ? ['extract', 'screen', 'act'] : [],
          sources,
        });
      } catch (err) {
        await Promise.all([...sources.values()].map((s) => s.close().catch(() => undefined)));
        throw err;
      }
      try {
        let runId: string;
        try {
          runId = await enqueueReplay(pipeline.ctx, { chain: opts.chain, from, to, dryRun: opts.dryRun ?? false, ...(listVersions ? { listVersions } : {}) });
        } catch (err) {
          // No endpoint on the configured chain is a failure to read it (exit 3), not bad usage.
          if (err instanceof NoEndpointOnChain) throw new CliError(err.message, EXIT.failed);
          throw new CliError((err as Error).message, EXIT.usage);
        }
        const bar = progressPrinter();
        try {
          await waitForReplay(pipeline.ctx, runId, bar.update);
        } catch (err) {
          if (err instanceof ReplayFailed) throw new CliError(err.message, EXIT.failed);
          throw err;
        } finally {
          bar.end();
        }
        const matches = await pipeline.ctx.progress.matches(runId);
        const report = { runId, chain: opts.chain, from: opts.from, to: opts.to, dryRun: opts.dryRun ?? false, blocks: Number(to - from + 1n), matches };
        if (opts.report) writeFileSync(opts.report, `${JSON.stringify(report, null, 2)}\n`);
        process.stdout.write(
          `replay ${runId}: ${report.blocks} blocks, ${matches.length} matches${opts.dryRun ? ' (dry run: nothing raised)' : ''}` +
            `${opts.report ? `; report in ${opts.report}` : ''}\n`,
        );
        const lines = matches as ReportLine[];
        for (const m of lines) {
          process.stdout.write(`  ${m.outcome}: account ${m.account ?? '(none)'} tx ${m.txid} counterparty ${m.counterparty} list ${m.list.id} v${m.list.version} [${m.programs.join(', ')}]\n`);
        }
        if (!opts.dryRun) {
          const left = await waitForRunAlerts(pipeline.ctx, runId, Number(opts.waitAlerts) * 1000);
          for (const line of await leftToTheService(ctx, lines, left)) process.stdout.write(`${line}\n`);
        }
        if (matches.length > 0) exit(EXIT.finding);
      } finally {
        await pipeline.stop();
      }
    });
}

/** `--lists id@n` must name stored versions: refused at once, not when the first block is screened. */
async function checkPinnedVersions(ctx: CliContext, versions: Readonly<Record<string, number>>): Promise<void> {
  const snapshots = await (await ctx.store()).lists.listSnapshots();
  for (const [id, version] of Object.entries(versions)) {
    if (snapshots.some((s) => s.listId === id && s.version === version)) continue;
    const stored = snapshots.filter((s) => s.listId === id).map((s) => s.version).sort((a, b) => a - b);
    throw new CliError(`--lists ${id}@${version}: ${new PinnedListMissing(id, version, stored).message}`, EXIT.usage);
  }
}

function blockNumber(flag: string, value: string): bigint {
  if (!/^\d+$/.test(value)) throw new CliError(`${flag} ${value}: not a block number`, EXIT.usage);
  return BigInt(value);
}

function parseListVersions(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const m = /^([a-z0-9][a-z0-9._-]*)@(\d+)$/.exec(part.trim());
    if (!m?.[1] || !m[2]) throw new CliError(`--lists: "${part}" is not <list>@<version>`, EXIT.usage);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** A progress bar with blocks/s and ETA on a terminal; a line every few seconds otherwise. */
function progressPrinter(): { update: (p: ReplayProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const format = (p: ReplayProgress) => {
    const eta = p.etaSeconds === null ? '?' : `${Math.ceil(p.etaSeconds)}s`;
    return `${p.done}/${p.total} blocks  ${p.blocksPerSecond.toFixed(1)} blocks/s  ETA ${eta}`;
  };
  return {
    update(p) {
      if (tty) {
        const width = 30;
        const filled = Math.round((p.done / Math.max(1, p.total)) * width);
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${format(p)}   `);
      } else if (Date.now() - lastLine > 5_000 || p.done === p.total) {
        lastLine = Date.now();
        process.stderr.write(`replay: ${format(p)}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}
