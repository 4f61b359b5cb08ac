#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { NoEndpointOnChain } from './chains/rpc/chain-identity.js';
import { CliContext, type GlobalOptions } from './cli/context.js';
import { CliError, EXIT, type ExitCode } from './cli/exit-codes.js';
import { registerLists } from './cli/lists-command.js';
import { registerAccounts } from './cli/accounts-command.js';
import { registerHolds } from './cli/holds-command.js';
import { registerQueues } from './cli/queues-command.js';
import { registerReplay } from './cli/replay-command.js';
import { registerRun } from './cli/run-command.js';
import { registerScreen } from './cli/screen-command.js';
import { ConfigError } from './config/load.js';
import { ListParseError } from './sanctions/list-errors.js';
import { RedisUnavailable } from './pipeline/redis-connection.js';
import { storeLockedMessage } from './cli/service-api.js';
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
  const context = () => (ctx ??= new CliContext(program.opts<GlobalOptions>(), command));
  const exit = (c: ExitCode) => {
    code = c;
  };
  registerRun(program, context);
  registerScreen(program, context, exit);
  registerLists(program, context, exit);
  registerReplay(program, context, exit);
  registerHolds(program, context);
  registerAccounts(program, context, exit);
  registerQueues(program, context, exit);
  for (const cmd of program.commands) applyExitOverride(cmd);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    code = report(err, ctx);
  } finally {
    await ctx?.close().catch(() => undefined);
  }
  return code;
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

function report(err: unknown, ctx: CliContext | undefined): ExitCode {
  if (err instanceof CommanderError) {
    // Commander has printed help or the usage error already.
    return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(err.code) ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof CliError) {
    process.stderr.write(`cordon: ${err.message}\n`);
    return err.exitCode;
  }
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
