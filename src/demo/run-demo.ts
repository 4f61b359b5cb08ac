/**
 * `npm run demo`: Cordon end to end on this machine, in about ten seconds.
 *
 * Starts a local Ethereum node (anvil, from npm), uses the Redis already running (a database of
 * its own, flushed first), stores everything in an embedded PGlite under ./data/demo (wiped
 * first), loads OFAC's list from the copy in lists/, imports the exchange's demo accounts,
 * starts every stage of the pipeline, then sends a deposit from a listed address, a withdrawal
 * to a listed address and an ordinary deposit, and shows the holds, the alerts on-call received
 * and the holds the exchange received. Everything runs through the product's own code.
 *
 * It serves the API and the analysts' console meanwhile, and ends by saying where and how to
 * sign in; `--keep` leaves everything running (the console, the pipeline, anvil) until Ctrl-C.
 *
 * Environment: CORDON_DEMO_REDIS_URL (default redis://127.0.0.1:6379/9), CORDON_DEMO_DIR
 * (default ./data/demo of the repository), CORDON_DEMO_ANVIL (an anvil binary instead of npm's),
 * CORDON_DEMO_HTTP_PORT (default: a free port), CORDON_API_TOKEN (default: a new random one).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { importAccounts, parseAccountsCsv } from '../accounts/index.js';
import { refreshRequestFor } from '../cli/list-requests.js';
import { serviceHttpDeps } from '../cli/service-http.js';
import type { CordonConfig } from '../config/schema.js';
import { normaliseForFamily } from '../domain/address.js';
import { listHolds } from '../holds/index.js';
import { API_TOKEN_ENV, startHttpServer, type HttpServer } from '../http/index.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../pipeline/metrics.js';
import { startPipeline, type Pipeline } from '../pipeline/service.js';
import { loadActiveLists } from '../sanctions/active-lists.js';
import { refreshList } from '../sanctions/refresh-list.js';
import { screenAddress } from '../sanctions/screen-address.js';
import { openStore, type Store } from '../store/index.js';
import { DEV_ACCOUNTS, startAnvil, type AnvilNode } from './anvil-node.js';
import { DEMO_ALERT_SECRET, DEMO_CHAIN, DEMO_HOOK_SECRET, demoConfig } from './demo-config.js';
import { DemoError } from './demo-error.js';
import { plainLogStream } from './plain-log.js';
import { startReceiver, type Delivery, type Receiver } from './receiver.js';
import { flushDemoRedis } from './redis-check.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/9';

/**
 * On OFAC's SDN list (lists/ofac-sdn-digital-currency.json): Lazarus Group, SDN 27307, program
 * DPRK3. Sends a deposit.
 */
const LISTED_SENDER = '0x098B716B8Aaf21512996dC57EB0615e2383E2f96';
/** On the same list: a customer asks to withdraw to it. */
const LISTED_DESTINATION = '0xa0e1c89Ef1a489c9C7dE96311eD5Ce5D32c20E4B';

const HOT_WALLET = DEV_ACCOUNTS[0];
const ALICE_DEPOSIT = DEV_ACCOUNTS[1];
const BOB_DEPOSIT = DEV_ACCOUNTS[2];
/** An ordinary address, on no list. */
const UNLISTED_SENDER = DEV_ACCOUNTS[3];
const ETHER = 10n ** 18n;

const started = Date.now();
const out = (line = '') => process.stdout.write(`${line}\n`);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
let stepNo = 0;
const step = (title: string) => out(`\n[${++stepNo}] ${title}  (${elapsed()})`);
const hex = (n: bigint) => `0x${n.toString(16)}`;
const shortAddr = (a: string) => `${a.slice(0, 10)}…${a.slice(-4)}`;

/** `--keep`: leave everything running after the demo, until Ctrl-C. */
const KEEP = process.argv.slice(2).includes('--keep');

interface Running {
  http?: HttpServer;
  anvil?: AnvilNode;
  receiver?: Receiver;
  store?: Store;
  pipeline?: Pipeline;
}

/** Each sent transaction: its hash and when the node answered (automine: the block exists). */
interface Sent {
  readonly label: string;
  readonly txid: string;
  readonly block: bigint;
  readonly minedAt: number;
}

async function main(run: Running): Promise<void> {
  const redisUrl = process.env['CORDON_DEMO_REDIS_URL'] || DEFAULT_REDIS_URL;
  const dir = resolve(process.env['CORDON_DEMO_DIR'] || resolve(ROOT, 'data/demo'));
  const shownDir = relative(process.cwd(), dir).startsWith('..') ? dir : relative(process.cwd(), dir) || '.';

  out('Cordon demo: an exchange screens its deposits and withdrawals against OFAC\'s sanctions list.');

  step('Redis (the queues between the pipeline\'s stages)');
  await flushDemoRedis(redisUrl);
  out(`  using ${redisUrl}: database ${new URL(redisUrl).pathname.slice(1) || '0'}, flushed now (it is the demo's own;`);
  out('  CORDON_DEMO_REDIS_URL picks another)');

  step('A local Ethereum node');
  const anvil = (run.anvil = await startAnvil());
  out(`  anvil ${anvil.url} (chain id ${Number(await anvil.rpc<string>('eth_chainId'))}), mining a block per transaction`);
  out(`  binary: ${relative(ROOT, anvil.binary).startsWith('..') ? anvil.binary : relative(ROOT, anvil.binary)}`);

  step('The store, and on-call / exchange receivers');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const receiver = (run.receiver = await startReceiver({ alertSecret: DEMO_ALERT_SECRET, hookSecret: DEMO_HOOK_SECRET, onDelivery: printDelivery }));
  const httpPort = Number(process.env['CORDON_DEMO_HTTP_PORT'] || '0');
  if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65_535) throw new DemoError(`CORDON_DEMO_HTTP_PORT must be a port number, got "${process.env['CORDON_DEMO_HTTP_PORT']}"`);
  const config = demoConfig({ dir, redisUrl, anvilUrl: anvil.url, receiverUrl: receiver.url, pollIntervalMs: 200, httpPort });
  out(`  store: embedded PostgreSQL (PGlite) in ${shownDir}/store (wiped first; its first start takes a few seconds)`);
  const store = (run.store = await openStore(config.store));
  out(`  alerts for on-call (generic signed webhook) → ${receiver.url}/alerts`);
  out(`  holds for the exchange (signed exchange hook)  → ${receiver.url}/hook`);
  writeInspectConfig(dir, config);

  const log = createLogger({ level: 'warn', pretty: false }, plainLogStream(out));

  step('OFAC\'s sanctions list, from the copy in the repository');
  const listConfig = config.lists[0];
  if (!listConfig) throw new DemoError('config/default.yaml configures no list');
  const refreshed = await refreshList(store.lists, log, refreshRequestFor(listConfig));
  if (refreshed.outcome === 'rejected') throw new DemoError(`the list ${listConfig.id} was refused: ${refreshed.reason}`);
  const entries = await store.lists.snapshotEntries(refreshed.listId, refreshed.version);
  const perTicker = new Map<string, number>();
  for (const e of entries) perTicker.set(e.ticker, (perTicker.get(e.ticker) ?? 0) + 1);
  out(`  ${listConfig.id} v${refreshed.version}: ${refreshed.entries} addresses from ${relative(ROOT, listConfig.source) || listConfig.source}`);
  out(`  (${[...perTicker].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ')})`);
  out(`  authority: ${listConfig.authority}`);
  const { index } = await loadActiveLists(store.lists);
  for (const address of [LISTED_SENDER, LISTED_DESTINATION]) {
    const found = screenAddress(index, address, 'evm').matches;
    if (found.length === 0) throw new DemoError(`${address} is not on the loaded list: lists/ changed?`);
    out(`  ${address} is listed: entry ${found.map((m) => m.entryUid).join(', ')}`);
  }

  step('The exchange\'s accounts (cordon accounts import, from CSV)');
  const csv = [
    'chain,address,account_id,kind',
    `${DEMO_CHAIN},${ALICE_DEPOSIT},acct-alice,deposit`,
    `${DEMO_CHAIN},${BOB_DEPOSIT},acct-bob,deposit`,
    `${DEMO_CHAIN},${HOT_WALLET},exchange,hot_wallet`,
  ].join('\n');
  writeFileSync(resolve(dir, 'accounts.csv'), `${csv}\n`);
  const parsed = parseAccountsCsv(csv, config.chains, 'accounts.csv');
  if (parsed.rejected.length > 0) throw new DemoError(`accounts.csv: ${parsed.rejected.map((r) => `line ${r.line}: ${r.reason}`).join('; ')}`);
  const imported = await importAccounts(store.accounts, parsed.rows);
  for (const line of csv.split('\n')) out(`  ${line}`);
  out(`  → ${imported.added} addresses watched`);

  step('Cordon\'s pipeline: follow → extract → screen → act, and the exchange hook');
  const metrics = createMetrics({ defaultMetrics: false });
  const pipeline = (run.pipeline = await startPipeline({ config, store, log, metrics, stages: ['follow', 'extract', 'screen', 'act', 'hook'] }));
  out(`  following chain "${DEMO_CHAIN}" from block 0, polling every 200 ms; logs at level warn below`);
  // The http stage as `cordon run` serves it: the API and the analysts' console.
  const apiToken = process.env[API_TOKEN_ENV] || randomBytes(16).toString('hex');
  const queueAlert = () => Promise.resolve(); // nothing in the demo raises an alert through the API
  const http = (run.http = await startHttpServer({
    host: config.http.host,
    port: config.http.port,
    log,
    deps: serviceHttpDeps({ config, store, pipeline, metrics, queueAlert, apiToken }),
  }));
  out(`  the API and the analysts' console: ${http.url}/console`);

  step('Transactions on the chain');
  const sent: Sent[] = [];
  const send = async (label: string, from: string, to: string, wei: bigint, impersonate: boolean): Promise<Sent> => {
    if (impersonate) {
      await anvil.rpc('anvil_impersonateAccount', [from]);
      await anvil.rpc('anvil_setBalance', [from, hex(100n * ETHER)]);
    }
    const txid = await anvil.rpc<string>('eth_sendTransaction', [{ from, to, value: hex(wei) }]);
    const minedAt = Date.now();
    if (impersonate) await anvil.rpc('anvil_stopImpersonatingAccount', [from]);
    const receipt = await anvil.rpc<{ blockNumber: string } | null>('eth_getTransactionReceipt', [txid]);
    const block = BigInt(receipt?.blockNumber ?? '0x0');
    const s = { label, txid, block, minedAt };
    sent.push(s);
    out(`  ${label}: ${Number(wei / 10n ** 15n) / 1000} ETH ${shortAddr(from)} → ${shortAddr(to)}, tx ${shortAddr(txid)} in block #${block}`);
    return s;
  };
  const deposit = await send('deposit from a LISTED address to acct-alice', LISTED_SENDER, ALICE_DEPOSIT, 2n * ETHER, true);
  await store.accounts.addWithdrawal({
    id: 'wd-demo-1',
    chain: DEMO_CHAIN,
    accountId: 'acct-bob',
    destination: normaliseForFamily(LISTED_DESTINATION, 'evm'),
  });
  out(`  withdrawal wd-demo-1 registered for acct-bob to ${shortAddr(LISTED_DESTINATION)} (cordon accounts withdrawal)`);
  const withdrawal = await send('withdrawal from the hot wallet to a LISTED address', HOT_WALLET, LISTED_DESTINATION, ETHER, false);
  const ordinary = await send('deposit from an unlisted address to acct-alice', UNLISTED_SENDER, ALICE_DEPOSIT, ETHER / 2n, true);

  step('Waiting for Cordon (alerts and exchange-hook deliveries print as they arrive)');
  const head = ordinary.block;
  await waitFor('the follower to pass the last block, 2 holds, 2 alerts and 2 exchange-hook deliveries', 25_000, async () => {
    const cursor = await store.cursors.getCursor(DEMO_CHAIN);
    const holds = await listHolds(store.holds, { limit: 10 });
    return (cursor?.number ?? -1n) >= head && holds.length >= 2 && receiver.alerts().length >= 2 && receiver.hooks().length >= 2;
  });
  await new Promise((r) => setTimeout(r, 300)); // anything extra (there should be nothing) shows up

  step('The holds (cordon holds list)');
  const holds = await listHolds(store.holds, { limit: 100 });
  out(`  ${holds.length} holds:`);
  for (const h of [...holds].reverse()) {
    const rules = pipeline.ctx.lists.rules(h.listId);
    out(`  hold #${h.id}  ${h.state.toUpperCase()}  account ${h.accountId}  ${h.direction}  ${Number(h.amount / 10n ** 15n) / 1000} ETH`);
    out(`    counterparty:    ${h.counterparty}`);
    out(`    list + entry:    ${h.listId} v${h.listVersion}, entry ${h.entryUid}`);
    out(`    legal authority: ${rules.authority}${h.programs.length > 0 ? `; programs ${h.programs.join(', ')}` : ''}`);
    out(`    transaction:     ${h.txid} in block #${h.blockNumber}`);
    out(`    exchange hook:   ${h.hookStatus}`);
  }
  const ordinaryHeld = holds.some((h) => h.txid === ordinary.txid);
  out(`  the unlisted deposit (${shortAddr(ordinary.txid)}) raised ${ordinaryHeld ? 'A HOLD (unexpected!)' : 'nothing, as it should'}`);

  step('How long it took (block mined → hold alert at on-call)');
  for (const s of [deposit, withdrawal]) {
    const alert = receiver.alerts().find((a) => a.txid === s.txid);
    const hook = receiver.hooks().find((h) => h.txid === s.txid);
    out(
      `  ${s.label.split(' ')[0]}: alert after ${alert ? `${alert.receivedAt - s.minedAt} ms` : 'never'}, ` +
        `exchange hook after ${hook ? `${hook.receivedAt - s.minedAt} ms` : 'never'} (woken by each new hold; it also polls every second)`,
    );
  }

  const alerts = receiver.alerts();
  const problems = [
    holds.length !== 2 ? `expected 2 holds, found ${holds.length}` : null,
    !holds.some((h) => h.direction === 'deposit' && h.txid === deposit.txid) ? 'no hold for the listed deposit' : null,
    !holds.some((h) => h.direction === 'withdrawal' && h.txid === withdrawal.txid) ? 'no hold for the withdrawal' : null,
    ordinaryHeld ? 'the unlisted deposit was held' : null,
    alerts.some((a) => !a.signatureOk) || receiver.hooks().some((h) => !h.signatureOk) ? 'a delivery had a bad signature' : null,
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) throw new DemoError(`the demo did not end as expected: ${problems.join('; ')}`);

  const signIn = (tokenShown: string) => [
    `  sign in with any name and the API token ${tokenShown}`,
    '  (the holds: the queue, then a hold: its entity, programs and audit trail; release or confirm it with a reason)',
  ];
  const tokenShown = process.env[API_TOKEN_ENV] ? `from ${API_TOKEN_ENV}` : apiToken;
  if (KEEP) {
    step('The analysts\' console (--keep: everything keeps running until Ctrl-C)');
    out(`  anvil ${anvil.url} and the pipeline keep running: send more transactions and watch them arrive.`);
    out(`\nConsole: ${http.url}/console`);
    for (const line of signIn(tokenShown)) out(line);
    out('Serving until Ctrl-C.');
    return;
  }

  step('Stopping');
  await shutdown(run);
  out('  console and pipeline stopped, store closed, anvil stopped.');
  out(`\nDone in ${elapsed()}: 2 holds (deposit + withdrawal), ${alerts.length} alerts to on-call, ${receiver.hooks().length} holds delivered to the exchange.`);
  out('Look again (the store is kept until the next run):');
  out(`  npx cordon --config ${shownDir}/cordon.yaml holds list`);
  out(`  npx cordon --config ${shownDir}/cordon.yaml holds show 1`);
  out(`\nConsole: ${http.url}/console (served while the demo ran; \`npm run demo -- --keep\` keeps it serving until Ctrl-C)`);
  for (const line of signIn(tokenShown)) out(line);
}

function printDelivery(d: Delivery): void {
  const sig = d.signatureOk ? 'signature ok' : 'BAD SIGNATURE';
  if (d.path === '/alerts') {
    out(`  → on-call alert received: ${d.kind} (${d.severity}, ${sig})`);
    out(`      ${d.summary}`);
  } else {
    out(`  → exchange hook received: hold #${d.holdId} on ${d.account}, ${d.direction}, counterparty ${d.counterparty}, state ${d.state} (${sig})`);
  }
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new DemoError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A config file to look at the demo's store afterwards with the CLI (store and lists only). */
function writeInspectConfig(dir: string, config: CordonConfig): void {
  const file = resolve(dir, 'cordon.yaml');
  const doc = {
    store: config.store,
    redis: config.redis,
    lists: config.lists.map((l) => ({ id: l.id, format: l.format, source: l.source, policy: l.policy, authority: l.authority })),
  };
  writeFileSync(file, `# Written by npm run demo: the demo's store, to read with the CLI after the demo.\n${stringify(doc)}`);
}

async function shutdown(run: Running): Promise<void> {
  const { http, pipeline, store, receiver, anvil } = run;
  delete run.http;
  delete run.pipeline;
  delete run.store;
  delete run.receiver;
  delete run.anvil;
  await http?.close().catch(() => undefined);
  await pipeline?.stop().catch(() => undefined);
  await store?.close().catch(() => undefined);
  await receiver?.close().catch(() => undefined);
  await anvil?.stop().catch(() => undefined);
}

const running: Running = {};
let interrupted = false;
let demoDone = false;
process.once('SIGINT', () => {
  interrupted = true;
  // After a --keep demo, Ctrl-C is how it is meant to end: exit 0.
  out(demoDone ? '\nstopping' : '\ninterrupted: stopping');
  void shutdown(running).finally(() => process.exit(demoDone ? 0 : 130));
});

try {
  await main(running);
  demoDone = true;
  // Everything is closed, so the process ends by itself; should a stray handle keep it alive, do not hang.
  if (!KEEP) setTimeout(() => process.exit(0), 2_000).unref();
} catch (err) {
  if (!interrupted) {
    const message = err instanceof DemoError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    await shutdown(running);
    // Exit once the message is out (a timed-out Redis connect attempt would otherwise linger).
    process.stderr.write(`\ndemo failed: ${message}\n`, () => process.exit(3));
  }
}
