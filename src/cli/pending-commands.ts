import type { Command } from 'commander';
import { CliError, EXIT } from './exit-codes.js';

/**
 * Commands whose behaviour arrives with later work. They exist so that `--help` shows the whole
 * tool, and they say plainly that they do nothing yet instead of pretending.
 */
function notYet(what: string): never {
  throw new CliError(`${what} is not available in this version of Cordon yet (it arrives with the pipeline work)`, EXIT.usage);
}

export function registerPending(program: Command): void {
  program
    .command('replay')
    .description('push historical blocks through the pipeline (not in this version yet)')
    .requiredOption('--chain <chain>', 'configured chain id')
    .requiredOption('--from <n>', 'first block')
    .requiredOption('--to <n>', 'last block')
    .option('--dry-run', 'raise nothing; report what would have been held')
    .option('--lists <version>', 'screen against these list versions')
    .option('--report <file>', 'write a JSON report of every match')
    .action(() => notYet('replay'));

  const holds = program.command('holds').description('holds raised on exchange accounts (not in this version yet)');
  holds.command('list').description('list holds').option('--state <state>').action(() => notYet('holds list'));
  holds.command('show').argument('<id>').description('show a hold and its audit trail').action(() => notYet('holds show'));
  holds
    .command('release')
    .argument('<id>')
    .requiredOption('--reason <text>', 'why the hold is released (kept in the audit trail)')
    .description('release a hold')
    .action(() => notYet('holds release'));
  holds
    .command('confirm')
    .argument('<id>')
    .option('--reason <text>')
    .description('confirm a hold')
    .action(() => notYet('holds confirm'));

  const accounts = program.command('accounts').description("the exchange's addresses and withdrawals (not in this version yet)");
  accounts
    .command('import')
    .argument('<file>', 'CSV: chain, address, account id, kind (deposit|hot_wallet)')
    .description('import watched addresses')
    .action(() => notYet('accounts import'));
  accounts.command('list').description('list watched addresses').action(() => notYet('accounts list'));
}
