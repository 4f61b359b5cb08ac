import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AccountsCsvError, importAccounts, normaliseTxid, parseAccountsCsv, InvalidTxidError } from '../accounts/index.js';
import { isBitcoinChainSource } from '../chains/bitcoin/index.js';
import { InvalidAddressError, normaliseForFamily } from '../domain/address.js';
import { createChainSources } from '../pipeline/chain-sources.js';
import { seedUtxos } from '../pipeline/seed-utxos.js';
import type { NewWatchedAddress, NewWithdrawal } from '../store/accounts-repo.js';
import type { CliContext } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { ServiceRefused, storeForLocalWrite, storeOrService, type RunningService } from './service-api.js';

/** Requests in flight at once when an import goes through the running service's API. */
const API_IMPORT_CONCURRENCY = 8;

export function registerAccounts(program: Command, context: () => CliContext, exit: (code: ExitCode) => void): void {
  const accounts = program.command('accounts').description("the exchange's addresses and withdrawals");

  accounts
    .command('import')
    .argument('<file>', 'CSV with the header chain,address,account_id,kind (kind: deposit or hot_wallet)')
    .description('add or re-assign watched addresses; bad lines are named and skipped, the rest imported')
    .action(async (file: string) => {
      const ctx = context();
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
      }
      let parsed;
      try {
        parsed = parseAccountsCsv(text, ctx.config.chains, file);
      } catch (err) {
        if (err instanceof AccountsCsvError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
      for (const r of parsed.rejected) process.stderr.write(`${file}:${r.line}: ${r.reason}\n`);
      const target = await storeOrService(ctx);
      if (target.kind === 'service') {
        const { stored, refused } = await importThroughService(target.service, parsed.rows);
        process.stdout.write(
          `${parsed.rows.length} addresses read: ${stored} stored ${target.service.via}` +
            `${refused > 0 ? `, ${refused} refused by it` : ''}; ${parsed.rejected.length} lines rejected\n`,
        );
        if (parsed.rejected.length > 0 || refused > 0) exit(EXIT.usage);
        return;
      }
      const result = await importAccounts(target.store.accounts, parsed.rows);
      process.stdout.write(
        `${parsed.rows.length} addresses read: ${result.added} added, ${result.changed} changed, ${result.unchanged} unchanged; ${parsed.rejected.length} lines rejected\n`,
      );
      if (parsed.rejected.length > 0) exit(EXIT.usage);
    });

  accounts
    .command('list')
    .description('watched addresses')
    .option('--chain <chain>', 'only this chain')
    .option('--json', 'print as JSON')
    .action(async (opts: { chain?: string; json?: boolean }) => {
      const store = await context().store();
      const rows = await store.accounts.listWatchedAddresses(opts.chain);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      for (const r of rows) process.stdout.write(`${r.chain}  ${r.address}  ${r.accountId}  ${r.kind}\n`);
      if (rows.length === 0) process.stdout.write('no watched addresses\n');
    });

  accounts
    .command('withdrawal')
    .description('register a withdrawal the exchange broadcast, so its counterparty is screened against its account')
    .requiredOption('--id <ref>', "the exchange's withdrawal reference")
    .requiredOption('--chain <chain>', 'configured chain id')
    .requiredOption('--account <id>', 'account the withdrawal belongs to')
    .option('--txid <hash>', 'transaction id')
    .option('--destination <address>', 'destination address')
    .action(async (opts: { id: string; chain: string; account: string; txid?: string; destination?: string }) => {
      const ctx = context();
      const chain = ctx.config.chains.find((c) => c.id === opts.chain);
      if (!chain) throw new CliError(`--chain ${opts.chain}: not a configured chain`, EXIT.usage);
      if (!opts.txid && !opts.destination) throw new CliError('give --txid or --destination (or both)', EXIT.usage);
      let withdrawal: NewWithdrawal;
      try {
        withdrawal = {
          id: opts.id,
          chain: chain.id,
          accountId: opts.account,
          txid: opts.txid ? normaliseTxid(opts.txid, chain.family) : null,
          destination: opts.destination ? normaliseForFamily(opts.destination, chain.family) : null,
        };
      } catch (err) {
        if (err instanceof InvalidAddressError) throw new CliError(`--destination: ${err.reason}`, EXIT.usage);
        if (err instanceof InvalidTxidError) throw new CliError(`--txid: ${err.message}`, EXIT.usage);
        throw err;
      }
      const target = await storeOrService(ctx);
      if (target.kind === 'service') {
        const w = await target.service.post<{ id: string; accountId: string }>('/v1/withdrawals', withdrawal);
        process.stdout.write(`withdrawal ${w.id} registered for account ${w.accountId} ${target.service.via}\n`);
        return;
      }
      const w = await target.store.accounts.addWithdrawal(withdrawal);
      process.stdout.write(`withdrawal ${w.id} registered for account ${w.accountId}\n`);
    });

  accounts
    .command('seed-utxos')
    .description(
      "record the unspent outputs the exchange's watched addresses already hold on a Bitcoin-family chain, so that spending them is seen as the exchange's: once when the chain is added, and after importing addresses that hold coins",
    )
    .requiredOption('--chain <chain>', 'configured Bitcoin-family chain id')
    .option('--batch <n>', 'addresses per question to the node (Bitcoin Core scans its whole UTXO set for each)', '10000')
    .action(async (opts: { chain: string; batch: string }) => {
      const ctx = context();
      const chain = ctx.config.chains.find((c) => c.id === opts.chain);
      if (!chain) throw new CliError(`--chain ${opts.chain}: not a configured chain`, EXIT.usage);
      const batch = Number(opts.batch);
      if (!Number.isSafeInteger(batch) || batch < 1) throw new CliError(`--batch ${opts.batch}: not a positive whole number`, EXIT.usage);
      const source = createChainSources([chain], ctx.log).get(chain.id);
      if (source === undefined || !isBitcoinChainSource(source)) {
        await source?.close();
        throw new CliError(`--chain ${opts.chain}: only Bitcoin-family chains have outputs to seed (this one is ${chain.family})`, EXIT.usage);
      }
      try {
        const store = await storeForLocalWrite(ctx, 'The API has no route for seeding outputs: stop the service, run this command, then start it again');
        const r = await seedUtxos(store, source, ctx.log, { batch });
        process.stdout.write(`${r.addresses} watched addresses on ${chain.id}: ${r.found} unspent outputs found, ${r.added} newly recorded\n`);
      } finally {
        await source.close();
      }
    });
}

/**
 * Sends each row to `POST /v1/addresses` of the running service, a few at a time. A row the
 * service refuses (4xx) is named and skipped; anything else stops the import, saying how many
 * were stored before it.
 */
async function importThroughService(service: RunningService, rows: readonly NewWatchedAddress[]): Promise<{ stored: number; refused: number }> {
  let stored = 0;
  let refused = 0;
  for (let i = 0; i < rows.length; i += API_IMPORT_CONCURRENCY) {
    const batch = rows.slice(i, i + API_IMPORT_CONCURRENCY);
    const results = await Promise.allSettled(
      batch.map((r) => service.post('/v1/addresses', { chain: r.chain, address: r.address, accountId: r.accountId, kind: r.kind })),
    );
    let stop: unknown;
    for (const [j, result] of results.entries()) {
      const row = batch[j];
      if (result.status === 'fulfilled') {
        stored++;
      } else if (result.reason instanceof ServiceRefused) {
        refused++;
        process.stderr.write(`${row?.chain ?? '?'} ${row?.address ?? '?'}: ${result.reason.message}\n`);
      } else {
        stop ??= result.reason;
      }
    }
    if (stop !== undefined) {
      const reason = stop instanceof Error ? stop.message : String(stop);
      throw new CliError(`accounts import stopped after ${stored} of ${rows.length} addresses were stored ${service.via}: ${reason}`, stop instanceof CliError ? stop.exitCode : EXIT.failed);
    }
  }
  return { stored, refused };
}
