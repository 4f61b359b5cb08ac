import { Command, Option } from 'commander';
import { createAlertDispatcher, createChannels } from '../alerts/index.js';
import type { ListConfig } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import { describeLocation, listId, type EntryDraft, type ListId } from '../domain/sanction-entry.js';
import { afterListActivation, type HoldBasisChange } from '../holds/index.js';
import { describeParty, diffEntries, type DiffByParty, type EntryDiff } from '../sanctions/entry-diff.js';
import {
  ApprovalRequired,
  approvePendingVersion,
  NoPendingVersion,
  pendingDiff,
  pendingVersionAlert,
  refreshList,
  type Approver,
  type RefreshResult,
} from '../sanctions/refresh-list.js';
import { redactSourceUrl } from '../sanctions/source-url.js';
import { PendingVersionNotFound, type Store } from '../store/index.js';
import type { RefreshAttempt } from '../store/lists-repo.js';
import type { CliContext } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { refreshRequestFor } from './list-requests.js';
import { rescreenActivatedFromCli, rescreenFromCli } from './list-retro.js';
import { registerListsCompact } from './lists-compact-command.js';
import { storeForLocalWrite, storeOrService } from './service-api.js';

/** `--by` and `--reason`: who lets a version through the drop check, and why. */
interface ApprovalOptions {
  readonly allowDrop?: boolean;
  readonly by?: string;
  readonly reason?: string;
}

/** The approver of an `--allow-drop`, or exit 2 naming what is missing. */
function approverOf(id: string, opts: ApprovalOptions): Approver | undefined {
  if (!opts.allowDrop) {
    if (opts.by !== undefined || opts.reason !== undefined) {
      throw new CliError('--by and --reason go with --allow-drop (or with `cordon lists approve`)', EXIT.usage);
    }
    return undefined;
  }
  const by = opts.by?.trim() ?? '';
  const reason = opts.reason?.trim() ?? '';
  if (by === '' || reason === '') {
    throw new CliError(new ApprovalRequired(id, by === '' ? 'by' : 'reason').message.replace('accepting', '--allow-drop: accepting'), EXIT.usage);
  }
  return { by, reason };
}

const FORMATS = ['ofac-advanced-xml', 'ofac-compact-json', 'ofac-sdn-csv', 'plain', 'custom-json', 'custom-csv'] as const;
const SHOW_REJECTED = 20;
const SHOW_NOTES = 20;
/** What to do when `cordon run` holds the embedded store (no API route loads a list). */
const WHILE_RUNNING =
  "The running service refreshes its configured lists itself (each list's `refresh`); to load a version now, stop it, run this command, then start it again";

export function registerLists(program: Command, context: () => CliContext, exit: (code: ExitCode) => void): void {
  const lists = program.command('lists').description('sanctions lists: import, refresh, show, diff, compact');

  lists
    .command('refresh')
    .description('refresh configured lists from their sources (all of them if no id is given)')
    .argument('[ids...]', 'list ids from the config')
    .option('--allow-drop', 'accept a version that removes more entries than the list\'s maxDropShare (needs --by and --reason)')
    .option('--by <name>', 'with --allow-drop: who approves it (kept in the approval audit)')
    .option('--reason <text>', 'with --allow-drop: why (kept in the approval audit)')
    .action(async (ids: string[], opts: ApprovalOptions) => {
      const ctx = context();
      const chosen = ids.length === 0 ? ctx.config.lists : ids.map((id) => configured(ctx, id));
      if (chosen.length === 0) throw new CliError('no lists are configured', EXIT.usage);
      const approval = approverOf(ids.join(', ') || 'every list', opts);
      const store = await storeForLocalWrite(ctx, WHILE_RUNNING);
      let refused = false;
      for (const list of chosen) {
        const result = await refreshList(
          store.lists,
          ctx.log,
          refreshRequestFor(list, { allowDrop: opts.allowDrop ?? false, ...(approval ? { approval } : {}) }),
        );
        process.stdout.write(formatRefresh(result));
        await afterRefresh(ctx, store, result);
        const retro = await rescreenFromCli(ctx, store, result);
        process.stdout.write(retro.line);
        refused ||= result.outcome === 'rejected' || !retro.ok;
      }
      if (refused) exit(EXIT.failed);
    });

  lists
    .command('import')
    .description('load a list version from a file, folder or URL into list <id>')
    .argument('<id>', 'list id (a configured one keeps its settings)')
    .argument('<source>', 'file, folder or http(s) URL')
    .addOption(new Option('--format <format>', 'source format (default: the configured list\'s)').choices(FORMATS))
    .option('--ticker <ticker>', 'ticker for a plain list whose file names do not say')
    .option('--programs <programs>', 'comma-separated programs for entries whose source names none')
    .option('--allow-drop', 'accept a version that removes more entries than maxDropShare (needs --by and --reason)')
    .option('--by <name>', 'with --allow-drop: who approves it (kept in the approval audit)')
    .option('--reason <text>', 'with --allow-drop: why (kept in the approval audit)')
    .action(async (id: string, source: string, opts: { format?: ListConfig['format']; ticker?: string; programs?: string } & ApprovalOptions) => {
      const ctx = context();
      const approval = approverOf(id, opts);
      const base = ctx.listConfig(id) ?? adHocList(id, opts.format);
      const list: ListConfig = {
        ...base,
        ...(opts.format ? { format: opts.format } : {}),
        ...(opts.ticker ? { ticker: opts.ticker } : {}),
        ...(opts.programs ? { programs: opts.programs.split(',').map((p) => p.trim()).filter(Boolean) } : {}),
      };
      const store = await storeForLocalWrite(ctx, WHILE_RUNNING);
      const result = await refreshList(
        store.lists,
        ctx.log,
        refreshRequestFor(list, { source, allowDrop: opts.allowDrop ?? false, ...(approval ? { approval } : {}) }),
      );
      process.stdout.write(formatRefresh(result));
      await afterRefresh(ctx, store, result);
      const retro = await rescreenFromCli(ctx, store, result);
      process.stdout.write(retro.line);
      if (!retro.ok) exit(EXIT.failed);
      if (!ctx.listConfig(id)) {
        process.stdout.write(`note: list ${id} is not in the config: it is screened, but raises no hold until configured with a policy\n`);
      }
      if (result.outcome === 'rejected') exit(EXIT.failed);
    });

  lists
    .command('show')
    .description('list versions, refresh history and (with --entries) the entries of a list')
    .argument('[id]', 'list id; all lists when omitted')
    .option('--version <n>', 'the version to show entries of (default: the active one)', parseVersion)
    .option('--entries', 'print the entries')
    .option('--json', 'print as JSON')
    .action(async (id: string | undefined, opts: { version?: number; entries?: boolean; json?: boolean }) => {
      const ctx = context();
      const store = await ctx.store();
      if (id === undefined) {
        const snaps = await store.lists.listSnapshots();
        const latest = new Map<string, (typeof snaps)[number]>();
        for (const s of snaps) if (!latest.has(s.listId) || s.version > (latest.get(s.listId)?.version ?? 0)) latest.set(s.listId, s);
        const pendings = new Map((await store.lists.pendingVersions()).map((p) => [p.listId as string, p]));
        const ids = new Set([...ctx.config.lists.map((l) => l.id), ...latest.keys(), ...pendings.keys()]);
        const rows = [];
        for (const lid of [...ids].sort()) {
          const snap = latest.get(lid);
          const [attempt] = await store.lists.refreshAttempts(listId(lid), 1);
          const cfg = ctx.listConfig(lid);
          rows.push({
            id: lid,
            policy: cfg?.policy ?? 'unconfigured',
            version: snap?.version ?? null,
            entries: snap?.entryCount ?? 0,
            fetchedAt: snap?.fetchedAt ?? null,
            source: snap?.source ?? (cfg === undefined ? null : redactSourceUrl(cfg.source)),
            lastAttempt: attempt ? { at: attempt.attemptedAt, outcome: attempt.outcome, reason: attempt.reason } : null,
            pending: pendings.has(lid) ? await pendingSummary(store, listId(lid)) : null,
          });
        }
        if (opts.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        for (const r of rows) {
          const state = r.version === null ? 'never loaded' : `v${r.version}, ${r.entries} entries, ${r.fetchedAt?.toISOString()}`;
          process.stdout.write(`${r.id}  [${r.policy}]  ${state}\n    source: ${r.source ?? '-'}\n`);
          if (r.lastAttempt?.outcome === 'rejected') {
            process.stdout.write(`    LAST REFRESH REFUSED ${r.lastAttempt.at.toISOString()}: ${r.lastAttempt.reason ?? ''}\n`);
          }
          if (r.pending) process.stdout.write(formatPendingLine(r.id, r.pending));
        }
        return;
      }
      const lid = listId(id);
      const snaps = await store.lists.listSnapshots(lid);
      const pending = await pendingSummary(store, lid);
      if (snaps.length === 0 && pending === null) throw new CliError(`list ${id} has no snapshot`, EXIT.usage);
      const version = opts.version ?? Math.max(...snaps.map((s) => s.version));
      const attempts = await store.lists.refreshAttempts(lid, 10);
      const approvals = await store.lists.listApprovals(lid);
      const entries = opts.entries && snaps.length > 0 ? await store.lists.snapshotEntries(lid, version) : undefined;
      if (opts.json) {
        return void process.stdout.write(`${JSON.stringify({ id, versions: snaps, pending, approvals, attempts, entries }, null, 2)}\n`);
      }
      process.stdout.write(`${id}\n  versions:\n`);
      for (const s of snaps) {
        process.stdout.write(`    v${s.version}  ${s.fetchedAt.toISOString()}  ${s.entryCount} entries (+${s.addedCount} -${s.removedCount})  ${s.contentHash.slice(0, 19)}  ${s.source}\n`);
      }
      if (pending) process.stdout.write(formatPendingLine('', pending).replace(/^ {4}/, '  '));
      if (approvals.length > 0) {
        process.stdout.write('  approvals:\n');
        for (const a of approvals) {
          process.stdout.write(
            `    ${a.at.toISOString()}  v${a.toVersion} (${a.via === 'approve' ? `pending #${a.pendingId ?? '?'}` : '--allow-drop'}) by ${a.approvedBy}: ${a.reason}  ` +
              `(${a.entryCount} entries, +${a.addedCount} -${a.removedCount} ~${a.changedCount}, from v${a.fromVersion ?? '-'})\n`,
          );
        }
      }
      process.stdout.write('  recent refreshes:\n');
      for (const a of attempts) {
        process.stdout.write(`    ${a.attemptedAt.toISOString()}  ${attemptText(a)}  ${a.entriesSeen} entries read, ${a.rejectedLines} lines rejected${a.reason ? `  ${a.reason}` : ''}\n`);
      }
      if (entries) {
        process.stdout.write(`  entries of v${version}:\n`);
        for (const e of entries) process.stdout.write(`    ${formatEntry(e)}\n`);
      }
    });

  lists
    .command('diff')
    .description('what changed between two versions of a list (default: the two newest)')
    .argument('<id>', 'list id')
    .option('--from <n>', 'older version', parseVersion)
    .option('--to <n>', 'newer version', parseVersion)
    .option('--pending', 'what the version awaiting approval would change against the active one')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { from?: number; to?: number; pending?: boolean; json?: boolean }) => {
      const ctx = context();
      const store = await ctx.store();
      const lid = listId(id);
      if (opts.pending) {
        if (opts.from !== undefined || opts.to !== undefined) throw new CliError('--pending diffs against the active version: drop --from/--to', EXIT.usage);
        const found = await pendingDiff(store.lists, lid);
        if (found === null) throw new CliError(new NoPendingVersion(id).message, EXIT.usage);
        if (opts.json) {
          return void process.stdout.write(
            `${JSON.stringify({ id, pending: found.pending, from: found.activeVersion, summary: found.summary, ...found.diff }, null, 2)}\n`,
          );
        }
        process.stdout.write(
          `${id}: v${found.activeVersion ?? '-'} → pending #${found.pending.id} (${found.pending.about ?? `downloaded ${found.pending.fetchedAt.toISOString()}`}, ${found.entries} entries)\n` +
            `  refused: ${found.pending.reason}\n`,
        );
        writeDiff(found.diff);
        process.stdout.write(formatParties(found.summary));
        process.stdout.write(`approve with: cordon lists approve ${id} --by <name> --reason <text>\n`);
        return;
      }
      const versions = (await store.lists.listSnapshots(lid)).map((s) => s.version).sort((a, b) => a - b);
      const to = opts.to ?? versions[versions.length - 1];
      const from = opts.from ?? versions.filter((v) => to !== undefined && v < to).pop();
      if (to === undefined || from === undefined) {
        throw new CliError(`list ${id} needs two versions to diff (it has ${versions.length})`, EXIT.usage);
      }
      for (const v of [from, to]) if (!versions.includes(v)) throw new CliError(`list ${id} has no version ${v}`, EXIT.usage);
      const diff = diffEntries(await store.lists.snapshotEntries(lid, from), await store.lists.snapshotEntries(lid, to));
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ id, from, to, ...diff }, null, 2)}\n`);
      process.stdout.write(`${id}: v${from} → v${to}\n`);
      writeDiff(diff);
    });

  lists
    .command('approve')
    .description('activate the version of a list awaiting approval (refused by the drop check); recorded in the approval audit')
    .argument('<id>', 'list id')
    .requiredOption('--by <name>', 'who approves it')
    .requiredOption('--reason <text>', 'why (e.g. the authority\'s notice)')
    .option('--pending-id <n>', 'the pending version reviewed (refused if a newer download replaced it)', parseVersion)
    .action(async (id: string, opts: { by: string; reason: string; pendingId?: number }) => {
      const ctx = context();
      const lid = parseListId(id);
      const approval = { by: opts.by.trim(), reason: opts.reason.trim() };
      if (approval.by === '' || approval.reason === '') {
        throw new CliError(new ApprovalRequired(id, approval.by === '' ? 'by' : 'reason').message, EXIT.usage);
      }
      const target = await storeOrService(ctx);
      if (target.kind === 'service') {
        const r = await target.service.post<{ version: number; holdsAffected: number }>(`/v1/lists/${encodeURIComponent(id)}/pending/approve`, {
          ...approval,
          ...(opts.pendingId === undefined ? {} : { pendingId: opts.pendingId }),
        });
        return void process.stdout.write(`${id}: pending version approved, v${r.version} active ${target.service.via}; ${r.holdsAffected} holds cite entries it removes or changes\n`);
      }
      const { store } = target;
      let approved;
      try {
        approved = await approvePendingVersion(store.lists, ctx.log, {
          listId: lid,
          approval,
          ...(opts.pendingId === undefined ? {} : { pendingId: opts.pendingId }),
        });
      } catch (err) {
        if (err instanceof NoPendingVersion || err instanceof PendingVersionNotFound || err instanceof ApprovalRequired) {
          throw new CliError(err.message, EXIT.usage);
        }
        throw err;
      }
      const d = approved.diff;
      process.stdout.write(
        `${id}: pending #${approved.pendingId} approved by ${approved.approvedBy.by}: v${approved.version} active ` +
          `(${approved.entries} entries, +${d.added.length} -${d.removed.length} ~${d.changed.length}; was v${approved.previousVersion ?? '-'})\n`,
      );
      await activated(ctx, store, lid, approved.version, d);
      // What the approved version adds re-screens the past, as an accepted refresh does.
      const retro = await rescreenActivatedFromCli(ctx, store, { listId: lid, version: approved.version, added: d.added });
      process.stdout.write(retro.line);
      if (!retro.ok) exit(EXIT.failed);
    });

  registerListsCompact(lists, exit);
}

function parseListId(id: string): ListId {
  try {
    return listId(id);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

function writeDiff(diff: EntryDiff): void {
  for (const e of diff.added) process.stdout.write(`  + ${formatEntry(e)}\n`);
  for (const e of diff.removed) process.stdout.write(`  - ${formatEntry(e)}\n`);
  for (const c of diff.changed) {
    process.stdout.write(`  ~ ${formatEntry(c.after)}\n      was: ${c.before.entityName ?? '-'} [${c.before.programs.join(', ')}]\n`);
  }
  process.stdout.write(`${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed\n`);
}

function formatParties(s: DiffByParty): string {
  const lines = [];
  if (s.removedParties.length > 0) lines.push(`removes: ${s.removedParties.map(describeParty).join('; ')}\n`);
  if (s.changedParties.length > 0) lines.push(`changes: ${s.changedParties.map(describeParty).join('; ')}\n`);
  return lines.join('');
}

interface PendingSummary {
  readonly id: number;
  readonly fetchedAt: Date;
  readonly about: string | null;
  readonly reason: string;
  readonly entries: number;
  readonly activeVersion: number | null;
  readonly summary: DiffByParty;
}

async function pendingSummary(store: Store, lid: ListId): Promise<PendingSummary | null> {
  const found = await pendingDiff(store.lists, lid);
  if (found === null) return null;
  const { pending } = found;
  return {
    id: pending.id,
    fetchedAt: pending.fetchedAt,
    about: pending.about,
    reason: pending.reason,
    entries: found.entries,
    activeVersion: found.activeVersion,
    summary: found.summary,
  };
}

function formatPendingLine(id: string, p: PendingSummary): string {
  const s = p.summary;
  const parties = s.removedParties.length > 0 ? ` (${s.removedParties.slice(0, 5).map(describeParty).join('; ')})` : '';
  const lid = id === '' ? '<id>' : id;
  return (
    `    PENDING APPROVAL #${p.id} ${p.fetchedAt.toISOString()}${p.about ? ` (${p.about})` : ''}: ${p.entries} entries, ` +
    `removes ${s.removed}${parties}, changes ${s.changed}, adds ${s.added}\n` +
    `      review: cordon lists diff ${lid} --pending; approve: cordon lists approve ${lid} --by <name> --reason <text>\n`
  );
}

/** Pages from a command: straight to the configured channels (deduplicated in the store like the service's). */
async function tellOnCall(ctx: CliContext, store: Store, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0 || ctx.config.alerts.channels.length === 0) return;
  const dispatcher = createAlertDispatcher({
    channels: createChannels(ctx.config.alerts.channels),
    alertsRepo: store.alerts,
    log: ctx.log,
    rateLimitPerMinute: ctx.config.alerts.rateLimitPerMinute,
    burst: ctx.config.alerts.burst,
  });
  for (const alert of alerts) {
    const r = await dispatcher.dispatch(alert);
    if (!r.delivered) ctx.log.error({ kind: alert.kind, dedupKey: alert.dedupKey, outcomes: r.outcomes }, 'alert not delivered to every channel');
  }
}

/** After a refresh or import: a pending version pages; an accepted one reaches the holds citing what it removes or changes. */
async function afterRefresh(ctx: CliContext, store: Store, result: RefreshResult): Promise<void> {
  if (result.outcome === 'rejected' && result.pending) {
    const p = result.pending;
    process.stdout.write(
      `${result.listId}: kept as pending #${p.id}${p.created ? '' : ' (already pending)'}${p.replacedId === null ? '' : `, replacing pending #${p.replacedId}`}: ` +
        `+${p.summary.added} -${p.summary.removed} ~${p.summary.changed}\n${formatParties(p.summary)}` +
        `  review: cordon lists diff ${result.listId} --pending; approve: cordon lists approve ${result.listId} --by <name> --reason <text>\n`,
    );
    if (p.created) await tellOnCall(ctx, store, [pendingVersionAlert(result.listId, result.keptVersion, result.reason, p, new Date())]);
    return;
  }
  if (result.outcome === 'accepted' && result.previousVersion !== null) {
    await activated(ctx, store, result.listId, result.version, result.diff);
  }
}

async function activated(ctx: CliContext, store: Store, lid: ListId, version: number, diff: EntryDiff): Promise<HoldBasisChange[]> {
  const pages: Alert[] = [];
  const changes = await afterListActivation(
    store.holds,
    { listId: lid, version, removed: diff.removed, changed: diff.changed },
    async (alert) => void pages.push(alert),
    ctx.log,
  );
  for (const c of changes) {
    process.stdout.write(
      `  hold #${c.hold.id} (${c.hold.state}, account ${c.hold.accountId}): basis ${c.event.basis} by v${version}; it stays ${c.hold.state}: release it with a reason, or keep it\n`,
    );
  }
  await tellOnCall(ctx, store, pages);
  return changes;
}

function configured(ctx: CliContext, id: string): ListConfig {
  const list = ctx.listConfig(id);
  if (!list) throw new CliError(`list ${id} is not configured (configured: ${ctx.config.lists.map((l) => l.id).join(', ') || 'none'})`, EXIT.usage);
  return list;
}

function adHocList(id: string, format: ListConfig['format'] | undefined): ListConfig {
  if (!format) throw new CliError(`list ${id} is not configured: give its --format`, EXIT.usage);
  try {
    listId(id);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  return {
    id,
    format,
    source: '',
    refresh: 86_400_000,
    policy: 'alert',
    authority: 'imported by hand',
    programs: [],
    maxDropShare: 0.1,
    timeout: 60_000,
  };
}

function parseVersion(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`not a version number: ${v}`, EXIT.usage);
  return n;
}

function formatEntry(e: EntryDraft): string {
  const programs = e.programs.length > 0 ? e.programs.join(', ') : '-';
  return `${e.ticker} ${e.address}  ${e.entityName ?? '-'}  [${programs}]  ${e.entryUid}  (${describeLocation(e.source)})`;
}

function formatRefresh(r: RefreshResult): string {
  const details = r.outcome !== 'rejected' && r.about !== undefined ? [`    source: ${r.about}\n`] : [];
  details.push(...r.rejected.slice(0, SHOW_REJECTED).map((i) => `    rejected ${describeLocation(i.source)}: ${i.reason} (${i.text})\n`));
  if (r.rejected.length > SHOW_REJECTED) details.push(`    … and ${r.rejected.length - SHOW_REJECTED} more rejected items\n`);
  // Kept, but an operator should look (e.g. an OFAC address kept as an exact string).
  details.push(...r.notes.slice(0, SHOW_NOTES).map((n) => `    note: ${n}\n`));
  if (r.notes.length > SHOW_NOTES) details.push(`    … and ${r.notes.length - SHOW_NOTES} more notes (in the log)\n`);
  switch (r.outcome) {
    case 'accepted':
      return (
        `${r.listId}: stored v${r.version}: ${r.entries} entries (+${r.diff.added.length} -${r.diff.removed.length} ~${r.diff.changed.length})` +
        `${r.rejected.length > 0 ? `, ${r.rejected.length} items rejected` : ''}` +
        `${r.approvedBy ? `, drop check overridden by ${r.approvedBy.by} (in the approval audit)` : ''}\n${details.join('')}`
      );
    case 'unchanged':
      return `${r.listId}: unchanged, v${r.version} stays active (${r.entries} entries)\n${details.join('')}`;
    case 'rejected':
      return (
        `${r.listId}: REFUSED, ${r.keptVersion === null ? 'no snapshot yet' : `v${r.keptVersion} stays active`}: ${r.reason}\n` +
        details.join('')
      );
  }
}

/** What a refresh attempt did, said so that the version it names is not taken for what was refused. */
export function attemptText(a: Pick<RefreshAttempt, 'outcome' | 'version'>): string {
  const kept = a.version === null ? 'no version active' : `v${a.version} kept active`;
  switch (a.outcome) {
    case 'accepted':
      return `accepted as v${a.version ?? '?'}`;
    case 'unchanged':
      return `unchanged (${kept})`;
    case 'rejected':
      return `REFUSED (${kept})`;
  }
}
