#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { CliContext, GlobalOptions } from './cli/context.js';
import { CliError, EXIT, type ExitCode } from './cli/exit-codes.js';
import { StoreLocked, StoreUnavailable } from './store/errors.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

async function main(argv: string[]): Promise<ExitCode> {
  let ctx: CliContext | undefined;
  let code: ExitCode = EXIT.ok;
  const program = new Command('cordon')
    .description('On-chain sanctions screening: screen addresses against OFAC and your own lists')
    .version(pkg.version)
    .option('--config <file>', 'config file (its sections replace the defaults in config/default.yaml)')
    .option('--pretty', 'human-readable logs (default on a terminal)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // The command being run (`cordon accounts import`), named in the embedded store's lock.
  let command = 'cordon';
  program.hook('preAction', (_root, action) => {
    command = commandPath(action);
  });
  const exit = (c: ExitCode) => {
    code = c;
  };

  try {
    // Only the command being run is loaded (with the config, logger and store it needs), so
    // `--version` loads almost nothing and `screen` none of what `run` or `replay` use; help,
    // a mistyped command or none at all load them all, so commander can list and suggest them.
    const named = commandNamed(argv);
    const chosen = COMMANDS.filter(([name]) => named === undefined || name === named);
    if (chosen.length > 0) {
      const { CliContext } = await import('./cli/context.js');
      const context = () => (ctx ??= new CliContext(program.opts<GlobalOptions>(), command));
      for (const register of await Promise.all(chosen.map(([, load]) => load()))) register(program, context, exit);
    }
    for (const cmd of program.commands) applyExitOverride(cmd);
    await program.parseAsync(argv);
  } catch (err) {
    code = await report(err, ctx);
  } finally {
    await ctx?.close().catch(() => undefined);
  }
  return code;
}

type RegisterCommand = (program: Command, context: () => CliContext, exit: (code: ExitCode) => void) => void;

/** The commands in the order help lists them, each loaded when it is run. */
const COMMANDS: readonly (readonly [string, () => Promise<RegisterCommand>])[] = [
  ['run', async () => (await import('./cli/run-command.js')).registerRun],
  ['screen', async () => (await import('./cli/screen-command.js')).registerScreen],
  ['lists', async () => (await import('./cli/lists-command.js')).registerLists],
  ['replay', async () => (await import('./cli/replay-command.js')).registerReplay],
  ['holds', async () => (await import('./cli/holds-command.js')).registerHolds],
  ['accounts', async () => (await import('./cli/accounts-command.js')).registerAccounts],
  ['queues', async () => (await import('./cli/queues-command.js')).registerQueues],
];

/** Global options that take a value as the next argument (`--config file`). */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--config', '--log-level']);
const VERSION_ONLY = new Set(['-V', '--version']);

/**
 * The command `argv` runs (`screen`), `null` for `cordon --version` (no command needed), or
 * undefined when every command must be known: help, no command, an unknown one.
 */
function commandNamed(argv: readonly string[]): string | null | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    if (VERSION_ONLY.has(arg)) return null;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return COMMANDS.some(([name]) => name === arg) ? arg : undefined;
  }
  return undefined;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function applyExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) applyExitOverride(sub);
}

async function report(err: unknown, ctx: CliContext | undefined): Promise<ExitCode> {
  if (err instanceof CommanderError) {
    // Commander has printed help or the usage error already.
    return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(err.code) ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof CliError) {
    process.stderr.write(`cordon: ${err.message}\n`);
    return err.exitCode;
  }
  // Loaded only now: a command that succeeds need not load what its errors are made of.
  const [{ ConfigError }, { ListParseError }, { NoEndpointOnChain }, { RedisUnavailable }, { storeLockedMessage }] = await Promise.all([
    import('./config/load.js'),
    import('./sanctions/list-errors.js'),
    import('./chains/rpc/chain-identity.js'),
    import('./pipeline/redis-connection.js'),
    import('./cli/service-api.js'),
  ]);
  if (err instanceof ConfigError) {
    process.stderr.write(`cordon: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof StoreLocked) {
    process.stderr.write(`cordon: ${storeLockedMessage(err)}\n`);
    return EXIT.failed;
  }
  if (err instanceof ListParseError || err instanceof StoreUnavailable || err instanceof NoEndpointOnChain || err instanceof RedisUnavailable) {
    process.stderr.write(`cordon: ${err.message}\n`);
    return EXIT.failed;
  }
  if (ctx) ctx.log.error({ err }, 'command failed');
  else process.stderr.write(`cordon: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.failed;
}

process.exitCode = await main(process.argv);
// Everything the command opened is closed by now; should a connection or timer still linger
// (a library reconnecting), the command still ends instead of hanging its caller.
setTimeout(() => process.exit(), 5_000).unref();
