import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import { amountInUnits, formatUnits } from '../domain/amount.js';
import { HoldReasonRequired, HoldTransitionRefused } from '../domain/hold.js';
import { confirmHold, listHolds, releaseHold, showHold } from '../holds/index.js';
import type { HoldsLister } from '../store/holds-copy.js';
import { HOLD_STATES, type StoredHold } from '../store/holds-repo.js';
import { HoldNotFound, HoldStateConflict } from '../store/errors.js';
import type { CliContext } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { storeOrService, storeOrServiceToRead } from './service-api.js';

interface ActorOption {
  readonly actor?: string;
  readonly reason?: string;
  readonly json?: boolean;
}

export function registerHolds(program: Command, context: () => CliContext): void {
  const holds = program.command('holds').description('holds raised on exchange accounts: list, show, release, confirm');

  holds
    .command('list')
    .description('holds, newest first')
    .addOption(new Option('--state <state>', 'only holds in this state').choices(HOLD_STATES))
    .option('--account <id>', 'only holds of this account')
    .option('--limit <n>', 'at most this many (1 or more)', parseLimit, 100)
    .option('--json', 'print as JSON')
    .action(async (opts: { state?: StoredHold['state']; account?: string; limit: number; json?: boolean }) => {
      const rows = await listHolds(await holdsToList(context()), {
        ...(opts.state ? { state: opts.state } : {}),
        ...(opts.account ? { accountId: opts.account } : {}),
        limit: opts.limit,
      });
      if (opts.json) return void process.stdout.write(`${json(rows.map(withAmountInUnits))}\n`);
      if (rows.length === 0) return void process.stdout.write('no holds\n');
      for (const h of rows) {
        process.stdout.write(
          `#${h.id}  ${h.state.padEnd(9)} ${h.accountId}  ${h.direction} ${amountText(h)} on ${h.chain} ` +
            `block #${h.blockNumber}  counterparty ${h.counterparty}  ${h.entityName ?? '(unnamed)'} [${h.programs.join(', ') || '-'}]` +
            `  ${h.listId} v${h.listVersion} ${h.entryUid} (${authorityOf(context(), h)})${h.retroactive ? '  RETROACTIVE' : ''}${basisText(h)}\n`,
        );
      }
    });

  holds
    .command('show')
    .argument('<id>', 'hold id or hold key')
    .description('a hold with its legal basis, audit trail and deliveries to the exchange')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const store = await context().store();
      const details = await withHoldErrors(() => showHold(store.holds, ref(id)));
      if (opts.json) return void process.stdout.write(`${json({ ...details, hold: withAmountInUnits(details.hold) })}\n`);
      const h = details.hold;
      process.stdout.write(
        [
          `hold #${h.id} (${h.state})  key ${h.holdKey}`,
          `  account:      ${h.accountId} (${h.direction})`,
          `  transfer:     ${amountText(h)} on ${h.chain}, tx ${h.txid}, block #${h.blockNumber} ${h.blockHash}`,
          `  counterparty: ${h.counterparty}`,
          `  legal basis:  list ${h.listId} v${h.listVersion}, entry ${h.entryUid}` +
            (h.retroactive ? ` (RETROACTIVE: v${h.listVersion} added the entry after the transfer)` : ''),
          `                entity ${h.entityName ?? '(not named by the list)'}; programs ${h.programs.join(', ') || '(not named by the list)'}`,
          `                authority ${authorityOf(context(), h)}`,
          `  basis:        ${h.basis === 'in_force' ? 'in force' : `${h.basis.toUpperCase()} by ${h.listId} v${h.basisVersion ?? '?'}; the hold stays ${h.state} until a person decides (release needs a reason)`}`,
          '  audit trail:',
          ...details.events.map((e) => `    ${e.at.toISOString()}  ${e.fromState ?? '-'} → ${e.toState}  by ${e.actor}${e.reason ? `: ${e.reason}` : ''}`),
          ...details.basisEvents.map((e) => `    ${e.at.toISOString()}  basis ${e.basis} (${e.holdState}, unchanged)  by ${e.listId} v${e.listVersion}: ${e.reason}`),
          '  exchange hook:',
          ...(details.deliveries.length === 0
            ? ['    no attempt yet']
            : details.deliveries.map((d) => `    #${d.attempt} ${d.at.toISOString()} ${d.outcome}${d.statusCode ? ` HTTP ${d.statusCode}` : ''}${d.error ? ` ${d.error}` : ''}`)),
        ].join('\n') + '\n',
      );
    });

  holds
    .command('release')
    .argument('<id>', 'hold id or hold key')
    .requiredOption('--reason <text>', 'why the hold is released (kept in the audit trail)')
    .option('--actor <name>', 'who releases it (default: the OS user)')
    .description('release an open hold')
    .action(async (id: string, opts: ActorOption) => {
      const target = await storeOrService(context());
      if (target.kind === 'service') {
        const { hold } = await target.service.post<{ hold: { id: number } }>(`/v1/holds/${encodeURIComponent(id)}/release`, {
          actor: actorOf(opts),
          reason: opts.reason ?? '',
        });
        return void process.stdout.write(`hold #${hold.id} released ${target.service.via}\n`);
      }
      const { store } = target;
      const { hold } = await withHoldErrors(() => releaseHold(store.holds, ref(id), actorOf(opts), opts.reason ?? ''));
      process.stdout.write(`hold #${hold.id} released\n`);
    });

  holds
    .command('confirm')
    .argument('<id>', 'hold id or hold key')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .option('--actor <name>', 'who confirms it (default: the OS user)')
    .description('confirm an open hold (the match is a true positive)')
    .action(async (id: string, opts: ActorOption) => {
      const target = await storeOrService(context());
      if (target.kind === 'service') {
        const { hold } = await target.service.post<{ hold: { id: number } }>(`/v1/holds/${encodeURIComponent(id)}/confirm`, {
          actor: actorOf(opts),
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        });
        return void process.stdout.write(`hold #${hold.id} confirmed ${target.service.via}\n`);
      }
      const { store } = target;
      const { hold } = await withHoldErrors(() => confirmHold(store.holds, ref(id), actorOf(opts), opts.reason));
      process.stdout.write(`hold #${hold.id} confirmed\n`);
    });
}

/**
 * Where `holds list` reads: the copy of the holds an embedded store on disk keeps (no PGlite
 * start, see store/holds-copy.ts) when there is one; else the store; else, while `cordon run`
 * holds the embedded store, its API.
 */
async function holdsToList(ctx: CliContext): Promise<HoldsLister> {
  const config = ctx.config.store;
  if (config.driver === 'pglite' && !config.dataDir.startsWith('memory://')) {
    const { readHoldsCopy } = await import('../store/holds-copy.js');
    const copy = await readHoldsCopy(config.dataDir);
    if (copy !== null) return copy;
  }
  const target = await storeOrServiceToRead(ctx);
  if (target.kind === 'store') return target.store.holds;
  const { service } = target;
  const { holdFromJson } = await import('../store/hold-json.js');
  return {
    async listHolds({ state, accountId, chain, listId, limit }) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (state !== undefined) query.set('state', state);
      if (accountId !== undefined) query.set('account', accountId);
      if (chain !== undefined) query.set('chain', chain);
      if (listId !== undefined) query.set('list', listId);
      const { holds } = await service.get<{ holds?: unknown }>(`/v1/holds?${query.toString()}`);
      if (!Array.isArray(holds)) throw new CliError(`the running service at ${service.url} answered GET /v1/holds without a list of holds`, EXIT.failed);
      return holds.map(holdFromJson);
    },
  };
}

/** `  BASIS WITHDRAWN by ofac-sdn v2` when the entry a hold cites is no longer in force as raised. */
function basisText(h: StoredHold): string {
  return h.basis === 'in_force' ? '' : `  BASIS ${h.basis.toUpperCase()} by ${h.listId} v${h.basisVersion ?? '?'}`;
}

function parseLimit(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError(`--limit must be a whole number of 1 or more, got ${JSON.stringify(v)}`, EXIT.usage);
  return n;
}

function ref(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}

function actorOf(opts: ActorOption): string {
  return opts.actor ?? `cli:${userInfo().username}`;
}

async function withHoldErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HoldNotFound) throw new CliError(err.message, EXIT.usage);
    if (err instanceof HoldTransitionRefused || err instanceof HoldReasonRequired || err instanceof HoldStateConflict) {
      throw new CliError(err.message, EXIT.usage);
    }
    throw err;
  }
}

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** `1285 USDT (1285000000 base units, token 0x…)`, or base units and the asset when its units are not known. */
function amountText(h: StoredHold): string {
  const token = h.asset === 'native' ? null : `token ${h.asset}`;
  if (h.units === null) return `${h.amount} base units (${token ?? 'native'})`;
  return `${formatUnits(h.amount, h.units.decimals)} ${h.units.symbol} (${h.amount} base units${token === null ? '' : `, ${token}`})`;
}

function withAmountInUnits(h: StoredHold): StoredHold & { readonly amountInUnits: string | null } {
  return { ...h, amountInUnits: amountInUnits(h.amount, h.units) };
}

/** As recorded with the hold; for holds from before Cordon recorded it, the list's configured authority. */
function authorityOf(ctx: CliContext, h: StoredHold): string {
  return h.authority ?? ctx.config.lists.find((l) => l.id === h.listId)?.authority ?? '(authority not recorded)';
}
