import type { Command } from 'commander';
import { createQueues } from '../pipeline/queues.js';
import { probeRedis, redisOptions } from '../pipeline/redis-connection.js';
import type { CliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/** `cordon queues`: the pipeline's queues, their failed jobs, and retrying them. */
export function registerQueues(program: Command, context: () => CliContext, exit: (code: ExitCode) => void): void {
  program
    .command('queues')
    .description('job counts per pipeline queue and the failed jobs (exit 1 if any failed)')
    .option('--retry-failed', 'move every failed job back to waiting')
    .option('--json', 'print as JSON')
    .action(async (opts: { retryFailed?: boolean; json?: boolean }) => {
      const { config } = context();
      // The queues only: no store, no workers (this command reads and retries, nothing more).
      await probeRedis(config.redis.url, 5_000);
      const queues = createQueues(redisOptions(config.redis.url), { attempts: config.pipeline.attempts, backoffMs: config.pipeline.backoff });
      try {
        const report = [];
        let failedTotal = 0;
        for (const queue of queues.all) {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
          const failed = await queue.getFailed(0, 49);
          failedTotal += counts['failed'] ?? 0;
          // Read before retrying: BullMQ's retry clears the job's failure reason.
          report.push({
            queue: queue.name,
            counts,
            failed: failed.map((j) => ({ id: j.id, name: j.name, attempts: j.attemptsMade, reason: j.failedReason, at: j.finishedOn })),
          });
          if (opts.retryFailed) for (const job of failed) await job.retry('failed');
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const q of report) {
            const c = q.counts;
            process.stdout.write(`${q.queue}: ${c['waiting'] ?? 0} waiting, ${c['active'] ?? 0} active, ${c['delayed'] ?? 0} delayed, ${c['failed'] ?? 0} failed, ${c['completed'] ?? 0} completed\n`);
            for (const f of q.failed) process.stdout.write(`  failed ${f.id} (${f.name}) after ${f.attempts} attempts: ${f.reason}\n`);
          }
          if (opts.retryFailed && failedTotal > 0) process.stdout.write(`${failedTotal} failed jobs moved back to waiting\n`);
        }
        if (failedTotal > 0 && !opts.retryFailed) exit(EXIT.finding);
      } finally {
        await queues.close();
      }
    });
}
