import type { Alert } from '../domain/alert.js';
import { assetPolicies } from '../pipeline/asset-policy.js';
import { queueAlertsFromCommand } from '../pipeline/queue-alerts.js';
import { rescreenActivated, type ActivatedVersion } from '../pipeline/retro-screen.js';
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
  if (result.outcome !== 'accepted') return { line: '', ok: true };
  return rescreenActivatedFromCli(ctx, store, { listId: result.listId, version: result.version, added: result.diff.added });
}

/** The same for a version a person approved. */
export async function rescreenActivatedFromCli(ctx: CliContext, store: Store, activation: ActivatedVersion): Promise<{ line: string; ok: boolean }> {
  const result = activation;
  if (activation.added.length === 0) return { line: '', ok: true };
  const alerts: Alert[] = [];
  const retro = await rescreenActivated(
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
    activation,
  );
  if (retro === null) {
    return { line: `${result.listId}: v${result.version}: retroactive screening FAILED (see the log)\n`, ok: false };
  }
  const line =
    `${result.listId}: v${result.version}: retroactive screening of ${retro.addedEntries} added entries: ` +
    `${retro.transfersFound} past transfers, ${retro.holdsCreated} new holds, ${retro.alerted} alerts, ${retro.ignored} ignored (no value)\n`;
  if (alerts.length === 0) return { line, ok: true };
  try {
    await queueAlertsFromCommand(ctx.config, alerts);
  } catch (err) {
    return {
      line: `${line}    ${alerts.length} on-call alerts NOT queued: ${(err as Error).message}; the holds are stored and reach the exchange when the service runs, but tell on-call\n`,
      ok: false,
    };
  }
  return { line: `${line}    ${alerts.length} on-call alerts queued\n`, ok: true };
}
