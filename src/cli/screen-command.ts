import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AddressFamily } from '../domain/address-family.js';
import type { ParsedAddress } from '../domain/address.js';
import { describeLocation, type SanctionEntry } from '../domain/sanction-entry.js';
import type { AddressIndex } from '../sanctions/address-index.js';
import { screenVerdict } from '../sanctions/screen-address.js';
import { familyForChainOption } from './chain-option.js';
import type { CliContext } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { listsForScreening } from './screening-lists.js';

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
  /**
   * `invalid`: no valid address of any family Cordon can verify (or not of the `--chain` given)
   * and, as written, on no list: it was not screened, so it is never reported clean.
   */
  readonly status: 'listed' | 'clean' | 'invalid';
  /** Where the input came from: `argument 2`, `line 3 of a.txt`, `line 3 of standard input`. */
  readonly from: string;
  /** Its line in the file or standard input (absent for an argument). */
  readonly line?: number;
  /** What was looked up: each family's normal form; `unverified` is the exact string. */
  readonly readings: readonly ParsedAddress[];
  readonly matches: readonly ScreenedMatch[];
  readonly error?: string;
  /**
   * For a 0x address whose mixed case fails EIP-55: what its lower-case reading (which carries
   * no checksum) matches, so a mistyped case neither hides a listed address nor passes as clean.
   */
  readonly lowerCase?: { readonly address: string; readonly listed: boolean; readonly matches: readonly ScreenedMatch[] };
}

/** One address to screen and where it came from. */
interface ScreenInput {
  readonly text: string;
  readonly from: string;
  readonly line?: number;
}

const STDIN = '-';

export function registerScreen(program: Command, context: () => CliContext, exit: (code: ExitCode) => void): void {
  program
    .command('screen')
    .description('screen addresses against every active sanctions list; exit 1 if any is listed')
    .argument('[addresses...]', 'addresses to screen ("-" reads them from standard input, one a line)')
    .option('--chain <chain>', 'the chain the address is on: a configured chain id, a family (evm, bitcoin, tron, ...) or a ticker (ETH, XBT, TRX)')
    .option('--file <path>', 'screen every address in a file, one a line ("-" for standard input; "#" starts a comment)')
    .option('--json', 'print results as JSON')
    .addHelpText(
      'after',
      '\nWithout --chain, every family the address can belong to is checked (a 0x address as EVM and as\n' +
        'the hex form of a Tron address), and the exact string against entries in formats Cordon cannot\n' +
        'verify (e.g. Monero). An input that is no valid address of a known format (a bad checksum, a\n' +
        'typo) and is on no list as written is reported invalid, never clean; for a 0x address with a\n' +
        'bad EIP-55 checksum the output also says whether its lower-case form is listed. In a batch the\n' +
        'invalid lines are reported with their line number and the others are still screened.\n' +
        'Exit codes: 0 every input read and clean, 1 an address is listed, 2 no address listed but an\n' +
        'input is invalid (or bad usage), 3 lists could not be loaded.',
    )
    .action(async (addresses: string[], opts: ScreenOptions) => {
      const ctx = context();
      const inputs = collectInputs(addresses, opts.file);
      if (inputs.length === 0) throw new CliError('screen: give an address, "-" or --file', EXIT.usage);
      const family = opts.chain === undefined ? undefined : familyForChainOption(opts.chain, ctx.config.chains);
      const active = await listsForScreening(ctx);
      const results = inputs.map((input) => screenOne(ctx, active.index, active.snapshots, input, family));
      const batch = inputs.length > 1 || opts.file !== undefined || addresses.includes(STDIN);
      if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else process.stdout.write(results.map((r) => formatResult(r, batch)).join(''));
      const listed = results.filter((r) => r.status === 'listed').length;
      const invalid = results.filter((r) => r.status === 'invalid').length;
      if (!opts.json && inputs.length > 1) {
        process.stdout.write(
          `\n${inputs.length} screened: ${listed} listed, ${inputs.length - listed - invalid} clean, ${invalid} invalid\n`,
        );
      }
      // A listed address is the finding that matters most; an unreadable input still fails the run.
      if (listed > 0) exit(EXIT.finding);
      else if (invalid > 0) exit(EXIT.usage);
    });
}

type Snapshots = Awaited<ReturnType<typeof listsForScreening>>['snapshots'];

function screenOne(ctx: CliContext, index: AddressIndex, snapshots: Snapshots, input: ScreenInput, family: AddressFamily | undefined): ScreenedAddress {
  const where = { from: input.from, ...(input.line === undefined ? {} : { line: input.line }) };
  const describe = (m: SanctionEntry) => describeMatch(ctx, m, snapshots.get(m.listId)?.version ?? m.listVersion);
  const verdict = screenVerdict(index, input.text, family);
  if (verdict.status !== 'invalid') return { input: input.text, status: verdict.status, ...where, readings: verdict.readings, matches: verdict.matches.map(describe) };
  const lower =
    verdict.lowerCase === undefined
      ? {}
      : { lowerCase: { address: verdict.lowerCase.address, listed: verdict.lowerCase.matches.length > 0, matches: verdict.lowerCase.matches.map(describe) } };
  // Say what was checked: the exact string against the entries Cordon cannot verify.
  const asWritten = verdict.readings.length > 0 ? ', and on no list as written' : '';
  const error = `${verdict.reason}${lower.lowerCase ? lowerCaseHint(lower) : asWritten}`;
  return { input: input.text, status: 'invalid', ...where, readings: verdict.readings, matches: [], error, ...lower };
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

function formatResult(r: ScreenedAddress, batch: boolean): string {
  const shown = batch ? `${r.input} (${r.from})` : r.input;
  if (r.status === 'invalid') return `invalid  ${shown}: ${r.error ?? ''}\n`;
  if (r.status === 'clean') return `clean    ${shown} (checked as ${describeReadings(r.readings)})\n`;
  const lines = [`LISTED   ${shown}`];
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

/** `evm, tron, and as written`: the families looked up, the exact-string lookup last. */
function describeReadings(readings: readonly ParsedAddress[]): string {
  const families = [...new Set(readings.filter((x) => x.family !== 'unverified').map((x) => x.family))];
  const asWritten = readings.some((x) => x.family === 'unverified');
  return [...families, ...(asWritten ? ['as written'] : [])].join(', ');
}

function lowerCaseHint({ lowerCase }: Pick<ScreenedAddress, 'lowerCase'>): string {
  if (!lowerCase) return '';
  return lowerCase.listed
    ? `; read in lower case it IS listed: ${lowerCase.matches.map(summariseMatch).join('; ')}`
    : '; read in lower case it is not listed';
}

function summariseMatch(m: ScreenedMatch): string {
  const programs = m.programs.length > 0 ? m.programs.join(', ') : 'programs not named by this list';
  return `${m.entityName ?? '(entity not named by this list)'} [${programs}] (list ${m.listId} v${m.listVersion}, entry ${m.entryUid})`;
}

/**
 * The inputs in order: arguments (a lone "-" stands for standard input), then --file's lines.
 * Standard input can be read once, so "-" may be given once (as an argument or as --file).
 */
function collectInputs(args: readonly string[], file: string | undefined): ScreenInput[] {
  const stdinUses = args.filter((a) => a === STDIN).length + (file === STDIN ? 1 : 0);
  if (stdinUses > 1) throw new CliError('screen: standard input can be read once; give "-" once (as an argument or as --file -)', EXIT.usage);
  const out: ScreenInput[] = [];
  args.forEach((arg, i) => {
    if (arg === STDIN) for (const input of readAddressFile(STDIN)) out.push(input);
    else out.push({ text: arg, from: `argument ${i + 1}` });
  });
  // One push per line: a spread of a file of millions of addresses would overflow the stack.
  if (file !== undefined) for (const input of readAddressFile(file)) out.push(input);
  return out;
}

function readAddressFile(path: string): ScreenInput[] {
  let text: string;
  try {
    text = readFileSync(path === STDIN ? 0 : path, 'utf8');
  } catch (err) {
    const what = path === STDIN ? 'standard input' : `--file ${path}`;
    throw new CliError(`${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
  const name = path === STDIN ? 'standard input' : path;
  const out: ScreenInput[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line.length > 0) out.push({ text: line, from: `line ${i + 1} of ${name}`, line: i + 1 });
  });
  return out;
}
