import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AddressFamily } from '../domain/address-family.js';
import { InvalidAddressError, type ParsedAddress } from '../domain/address.js';
import { describeLocation, type SanctionEntry } from '../domain/sanction-entry.js';
import { screenAddress } from '../sanctions/screen-address.js';
import { familyForChainOption } from './chain-option.js';
import type { CliContext } from './context.js';
import { activeListsForScreening } from './ensure-lists.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';

interface ScreenOptions {
  readonly chain?: string;
  readonly json?: boolean;
  readonly file?: string;
}

export interface ScreenedMatch {
  readonly listId: string;
  readonly listVersion: number;
  readonly policy: 'hold' | 'alert' | 'unconfigured';
  readonly authority: string | null;
  readonly entryUid: string;
  readonly ticker: string;
  readonly family: AddressFamily;
  readonly address: string;
  readonly entityName: string | null;
  readonly programs: readonly string[];
  readonly source: string;
}

export interface ScreenedAddress {
  readonly input: string;
  readonly status: 'listed' | 'clean' | 'invalid';
  readonly readings: readonly ParsedAddress[];
  readonly matches: readonly ScreenedMatch[];
  readonly error?: string;
}

export function registerScreen(program: Command, context: () => CliContext, exit: (code: ExitCode) => void): void {
  program
    .command('screen')
    .description('screen addresses against every active sanctions list; exit 1 if any is listed')
    .argument('[addresses...]', 'addresses to screen (or use --file)')
    .option('--chain <chain>', 'the chain the address is on: a configured chain id, a family (evm, bitcoin, tron, ...) or a ticker (ETH, XBT, TRX)')
    .option('--file <path>', 'screen every address in a file, one a line ("-" for standard input)')
    .option('--json', 'print results as JSON')
    .addHelpText(
      'after',
      '\nWithout --chain, every family the address can belong to is checked (a 0x address as EVM and as\n' +
        'the hex form of a Tron address). Exit codes: 0 all clean, 1 a listed address, 2 bad usage or an\n' +
        'invalid address for --chain, 3 lists could not be loaded.',
    )
    .action(async (addresses: string[], opts: ScreenOptions) => {
      const ctx = context();
      const inputs = [...addresses, ...(opts.file ? readAddressFile(opts.file) : [])];
      if (inputs.length === 0) throw new CliError('screen: give an address or --file', EXIT.usage);
      const family = opts.chain === undefined ? undefined : familyForChainOption(opts.chain, ctx.config.chains);
      const active = await activeListsForScreening(ctx);
      const results = inputs.map((input) => screenOne(ctx, active.index, active.snapshots, input, family));
      if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else process.stdout.write(results.map(formatResult).join(''));
      if (!opts.json && inputs.length > 1) {
        const listed = results.filter((r) => r.status === 'listed').length;
        process.stdout.write(`\n${inputs.length} screened: ${listed} listed, ${inputs.length - listed} not listed\n`);
      }
      if (results.some((r) => r.status === 'invalid')) exit(EXIT.usage);
      else if (results.some((r) => r.status === 'listed')) exit(EXIT.finding);
    });
}

function screenOne(
  ctx: CliContext,
  index: Parameters<typeof screenAddress>[0],
  snapshots: Awaited<ReturnType<typeof activeListsForScreening>>['snapshots'],
  input: string,
  family: AddressFamily | undefined,
): ScreenedAddress {
  try {
    const { readings, matches } = screenAddress(index, input, family);
    return {
      input,
      status: matches.length > 0 ? 'listed' : 'clean',
      readings,
      matches: matches.map((m) => describeMatch(ctx, m, snapshots.get(m.listId)?.version ?? m.listVersion)),
    };
  } catch (err) {
    if (!(err instanceof InvalidAddressError)) throw err;
    return { input, status: 'invalid', readings: [], matches: [], error: err.reason };
  }
}

function describeMatch(ctx: CliContext, e: SanctionEntry, version: number): ScreenedMatch {
  const list = ctx.listConfig(e.listId);
  return {
    listId: e.listId,
    listVersion: version,
    policy: list?.policy ?? 'unconfigured',
    authority: list?.authority ?? null,
    entryUid: e.entryUid,
    ticker: e.ticker,
    family: e.family,
    address: e.address,
    entityName: e.entityName,
    programs: e.programs,
    source: describeLocation(e.source),
  };
}

function formatResult(r: ScreenedAddress): string {
  if (r.status === 'invalid') return `invalid  ${r.input}: ${r.error ?? ''}\n`;
  const families = [...new Set(r.readings.map((x) => x.family))].join(', ');
  if (r.status === 'clean') return `clean    ${r.input} (checked as ${families})\n`;
  const lines = [`LISTED   ${r.input}`];
  for (const m of r.matches) {
    lines.push(
      `  list ${m.listId} v${m.listVersion} (policy ${m.policy}): ${m.ticker} ${m.address} [${m.family}]`,
      `    entity:    ${m.entityName ?? '(not named by this list)'}`,
      `    programs:  ${m.programs.length > 0 ? m.programs.join(', ') : '(not named by this list)'}`,
      `    listed by: ${m.authority ?? '(list not configured)'}`,
      `    entry:     ${m.entryUid}  (${m.source})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function readAddressFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(`--file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l.length > 0);
}
