import { Command, Option } from 'commander';
import type { ListConfig } from '../config/schema.js';
import { describeLocation, listId, type EntryDraft } from '../domain/sanction-entry.js';
import { diffEntries } from '../sanctions/entry-diff.js';
import { refreshList, type RefreshResult } from '../sanctions/refresh-list.js';
import type { CliContext } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { refreshRequestFor } from './list-requests.js';
import { rescreenFromCli } from './list-retro.js';
import { registerListsCompact } from './lists-compact-command.js';
import { storeForLocalWrite } from './service-api.js';

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
    .option('--allow-drop', 'accept a version that removes more entries than the list\'s maxDropShare')
    .action(async (ids: string[], opts: { allowDrop?: boolean }) => {
      const ctx = context();
      const chosen = ids.length === 0 ? ctx.config.lists : ids.map((id) => configured(ctx, id));
      if (chosen.length === 0) throw new CliError('no lists are configured', EXIT.usage);
      const store = await storeForLocalWrite(ctx, WHILE_RUNNING);
      let refused = false;
      for (const list of chosen) {
        const result = await refreshList(store.lists, ctx.log, refreshRequestFor(list, { allowDrop: opts.allowDrop ?? false }));
        process.stdout.write(formatRefresh(result));
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
    .option('--allow-drop', 'accept a version that removes more entries than maxDropShare')
    .action(async (id: string, source: string, opts: { format?: ListConfig['format']; ticker?: string; programs?: string; allowDrop?: boolean }) => {
      const ctx = context();
      const base = ctx.listConfig(id) ?? adHocList(id, opts.format);
      const list: ListConfig = {
        ...base,
        ...(opts.format ? { format: opts.format } : {}),
        ...(opts.ticker ? { ticker: opts.ticker } : {}),
        ...(opts.programs ? { programs: opts.programs.split(',').map((p) => p.trim()).filter(Boolean) } : {}),
      };
      const store = await storeForLocalWrite(ctx, WHILE_RUNNING);
      const result = await refreshList(store.lists, ctx.log, refreshRequestFor(list, { source, allowDrop: opts.allowDrop ?? false }));
      process.stdout.write(formatRefresh(result));
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
        const ids = new Set([...ctx.config.lists.map((l) => l.id), ...latest.keys()]);
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
            source: snap?.source ?? cfg?.source ?? null,
            lastAttempt: attempt ? { at: attempt.attemptedAt, outcome: attempt.outcome, reason: attempt.reason } : null,
          });
        }
        if (opts.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        for (const r of rows) {
          const state = r.version === null ? 'never loaded' : `v${r.version}, ${r.entries} entries, ${r.fetchedAt?.toISOString()}`;
          process.stdout.write(`${r.id}  [${r.policy}]  ${state}\n    source: ${r.source ?? '-'}\n`);
          if (r.lastAttempt?.outcome === 'rejected') {
            process.stdout.write(`    LAST REFRESH REFUSED ${r.lastAttempt.at.toISOString()}: ${r.lastAttempt.reason ?? ''}\n`);
          }
        }
        return;
      }
      const lid = listId(id);
      const snaps = await store.lists.listSnapshots(lid);
      if (snaps.length === 0) throw new CliError(`list ${id} has no snapshot`, EXIT.usage);
      const version = opts.version ?? Math.max(...snaps.map((s) => s.version));
      const attempts = await store.lists.refreshAttempts(lid, 10);
      const entries = opts.entries ? await store.lists.snapshotEntries(lid, version) : undefined;
      if (opts.json) {
        return void process.stdout.write(`${JSON.stringify({ id, versions: snaps, attempts, entries }, null, 2)}\n`);
      }
      process.stdout.write(`${id}\n  versions:\n`);
      for (const s of snaps) {
        process.stdout.write(`    v${s.version}  ${s.fetchedAt.toISOString()}  ${s.entryCount} entries (+${s.addedCount} -${s.removedCount})  ${s.contentHash.slice(0, 19)}  ${s.source}\n`);
      }
      process.stdout.write('  recent refreshes:\n');
      for (const a of attempts) {
        process.stdout.write(`    ${a.attemptedAt.toISOString()}  ${a.outcome}${a.version ? ` v${a.version}` : ''}  ${a.entriesSeen} entries, ${a.rejectedLines} rejected${a.reason ? `  ${a.reason}` : ''}\n`);
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
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { from?: number; to?: number; json?: boolean }) => {
      const ctx = context();
      const store = await ctx.store();
      const lid = listId(id);
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
      for (const e of diff.added) process.stdout.write(`  + ${formatEntry(e)}\n`);
      for (const e of diff.removed) process.stdout.write(`  - ${formatEntry(e)}\n`);
      for (const c of diff.changed) {
        process.stdout.write(`  ~ ${formatEntry(c.after)}\n      was: ${c.before.entityName ?? '-'} [${c.before.programs.join(', ')}]\n`);
      }
      process.stdout.write(`${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed\n`);
    });

  registerListsCompact(lists, exit);
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
        `${r.rejected.length > 0 ? `, ${r.rejected.length} items rejected` : ''}\n${details.join('')}`
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
