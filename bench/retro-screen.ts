/**
 * Retroactive screening at scale on PostgreSQL: 1,000 entries a list version adds, re-screened
 * against 10 million stored attributed transfers. The cost must follow the added entries, not
 * the stored rows: printed next to a single indexed lookup per added entry.
 *
 *   npm run bench:retro -- [--rows 10000000] [--entries 1000] [--matching 5] [--url postgres://…]
 *
 * Works in a fresh schema of the database (default postgres://postgres@127.0.0.1:5432/test),
 * dropped at the end. Rows are generated server-side (INSERT … SELECT generate_series), the
 * indexes built after the load (as a bulk load would), then ANALYZE. 2 million distinct
 * counterparties, block times spread over two years; the list's lookback is 365 days.
 * `--matching` of the added entries are counterparties of stored rows; the rest match nothing.
 * Timed: the whole re-screen (lookups, matches, hold writes), a second run (nothing new), and
 * a single-address lookup (median of 101 distinct addresses).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { configSchema } from '../src/config/schema.js';
import type { NormalisedAddress } from '../src/domain/address.js';
import { listId, type EntryDraft } from '../src/domain/sanction-entry.js';
import { assetPolicies } from '../src/pipeline/asset-policy.js';
import { rescreenAddedEntries, type RetroScreenDeps } from '../src/pipeline/retro-screen.js';
import { openStore } from '../src/store/index.js';
import { intFlag, stringFlag } from './flags.js';

const ROWS = intFlag('rows', 10_000_000);
const ENTRIES = intFlag('entries', 1_000);
const MATCHING = intFlag('matching', 5);
const URL = stringFlag('url', process.env['CORDON_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test');
const DISTINCT = 2_000_000;
const schema = `cordon_bench_retro_${randomBytes(4).toString('hex')}`;
const LIST = listId('bench-retro');

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const say = (line: string) => process.stdout.write(`${line}\n`);
const randomAddress = () => `0x${randomBytes(20).toString('hex')}` as NormalisedAddress;

async function main(): Promise<void> {
  say(`schema ${schema}; ${ROWS.toLocaleString('en')} rows, ${ENTRIES} added entries (${MATCHING} matching); loadavg ${fmtLoad()}`);
  const store = await openStore({ driver: 'postgres', url: URL, schema, poolSize: 2 });
  try {
    const load = new pg.Client({ connectionString: URL });
    await load.connect();
    try {
      await load.query(`SET search_path TO ${schema}`);
      await load.query(`SET synchronous_commit TO off`);
      await load.query(`SET maintenance_work_mem TO '512MB'`);
      await load.query('ALTER TABLE attributed_transfers DROP CONSTRAINT attributed_transfers_pkey');
      await load.query('DROP INDEX attributed_transfers_counterparty_idx');
      let t0 = process.hrtime.bigint();
      const chunk = 1_000_000;
      for (let from = 1; from <= ROWS; from += chunk) {
        const to = Math.min(ROWS, from + chunk - 1);
        await load.query(
          `INSERT INTO attributed_transfers (chain, counterparty, block_time, block_number, block_hash, txid, position,
                                             payment, kind, asset, amount, from_address, to_address, tx_from,
                                             direction, account_id, exchange_address)
           SELECT 'eth', c.addr, now() - ((g % 730) || ' days')::interval - ((g % 86400) || ' seconds')::interval,
                  20000000 - g / 200, '0x' || md5('b' || (g / 200)::text) || md5('h' || (g / 200)::text),
                  '0x' || md5('t' || g::text) || md5('u' || g::text), 'tx', NULL, 'native', 'native',
                  ((g % 1000) + 1)::numeric * 1000000000000000, c.addr, '0x000000000000000000000000000000000000dec0', c.addr,
                  'deposit', 'acct-' || (g % 100000)::text, '0x000000000000000000000000000000000000dec0'
           FROM generate_series($1::bigint, $2::bigint) AS g,
                LATERAL (SELECT '0x' || md5((g % ${DISTINCT})::text) || substr(md5('x' || (g % ${DISTINCT})::text), 1, 8) AS addr) AS c`,
          [from, to],
        );
        process.stdout.write(`\r  loaded ${to.toLocaleString('en')} rows (${(ms(t0) / 1000).toFixed(0)} s)   `);
      }
      say(`\n  load: ${(ms(t0) / 1000).toFixed(1)} s`);
      t0 = process.hrtime.bigint();
      await load.query('CREATE INDEX attributed_transfers_counterparty_idx ON attributed_transfers (counterparty, block_time)');
      say(`  counterparty index: ${(ms(t0) / 1000).toFixed(1)} s`);
      t0 = process.hrtime.bigint();
      await load.query('ALTER TABLE attributed_transfers ADD PRIMARY KEY (chain, txid, position, block_hash, counterparty)');
      say(`  primary key: ${(ms(t0) / 1000).toFixed(1)} s`);
      await load.query('ANALYZE attributed_transfers');
      const size = await load.query<{ table: string; index: string }>(
        `SELECT pg_size_pretty(pg_relation_size('attributed_transfers')) AS table,
                pg_size_pretty(pg_relation_size('attributed_transfers_counterparty_idx')) AS index`,
      );
      say(`  table ${size.rows[0]?.table}, counterparty index ${size.rows[0]?.index}`);
    } finally {
      await load.end();
    }

    // Counterparties the load generated (g % DISTINCT = k), so they have stored rows.
    const stored = (
      await store.db.query<{ addr: string }>(
        `SELECT '0x' || md5(k::text) || substr(md5('x' || k::text), 1, 8) AS addr FROM generate_series(1, ${MATCHING}) AS k`,
      )
    ).map((r) => r.addr as NormalisedAddress);
    const addresses = [...stored, ...Array.from({ length: ENTRIES - stored.length }, randomAddress)];
    const added: EntryDraft[] = addresses.map((address, i) => ({
      entryUid: `BENCH-${i}`, address, family: 'evm', ticker: 'ETH', entityName: `BENCH PARTY ${i}`, programs: ['BENCH'], source: { file: 'bench.json', line: i + 1 },
    }));
    const version = await store.lists.insertSnapshot({ listId: LIST, contentHash: 'bench', source: 'bench.json', entries: added, addedCount: added.length, removedCount: 0 });

    const config = configSchema.parse({
      store: { driver: 'postgres', url: URL },
      redis: { url: 'redis://127.0.0.1:6379/0' },
      lists: [{ id: LIST, format: 'custom-json', source: 'bench.json', policy: 'hold', authority: 'bench', retroLookback: '365d' }],
      chains: [{ id: 'eth', family: 'evm', network: 1, endpoints: [{ url: 'http://127.0.0.1:1' }] }],
    });
    let alerts = 0;
    const deps: RetroScreenDeps = {
      config, store, assets: assetPolicies(config.chains), log: pino({ level: 'error' }),
      queueAlert: async () => void alerts++,
    };
    const since = new Date(Date.now() - 365 * 86_400_000);

    // A single indexed lookup: median of 101 distinct addresses (a few stored, most not), warmed once.
    await store.transfers.attributedWith({ counterparties: [randomAddress()], chains: ['eth'], since });
    const singles: number[] = [];
    for (let i = 0; i < 101; i++) {
      const address = i % 20 === 0 ? (stored[i % stored.length] ?? randomAddress()) : randomAddress();
      const t0 = process.hrtime.bigint();
      await store.transfers.attributedWith({ counterparties: [address], chains: ['eth'], since });
      singles.push(ms(t0));
    }
    singles.sort((x, y) => x - y);
    const single = singles[50] ?? 0;

    let t0 = process.hrtime.bigint();
    const first = await rescreenAddedEntries(deps, LIST, version, added);
    const firstMs = ms(t0);
    const firstAlerts = alerts;
    t0 = process.hrtime.bigint();
    const second = await rescreenAddedEntries(deps, LIST, version, added);
    const secondMs = ms(t0);

    say(`single indexed lookup (median of 101): ${single.toFixed(3)} ms`);
    say(`re-screen of ${ENTRIES} added entries: ${firstMs.toFixed(1)} ms (${first.transfersFound} past transfers, ${first.holdsCreated} holds raised, ${firstAlerts} alerts queued)`);
    say(`  again (nothing new): ${secondMs.toFixed(1)} ms (${second.holdsCreated} holds raised, ${second.holdsExisting} existing; alerts queued again under the same keys)`);
    say(`  per added entry: ${(firstMs / ENTRIES).toFixed(3)} ms = ${(firstMs / ENTRIES / single).toFixed(2)}× a single indexed lookup (again: ${(secondMs / ENTRIES / single).toFixed(2)}×)`);
    say(`loadavg ${fmtLoad()}`);
  } finally {
    await store.close();
    const drop = new pg.Client({ connectionString: URL });
    await drop.connect();
    await drop.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => drop.end());
    say(`dropped ${schema}`);
  }
}

function fmtLoad(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:retro failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
