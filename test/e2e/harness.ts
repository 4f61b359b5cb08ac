import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { CordonConfig } from '../../src/config/schema.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { startPipeline, type Pipeline } from '../../src/pipeline/service.js';
import { refreshList } from '../../src/sanctions/refresh-list.js';
import { refreshRequestFor } from '../../src/cli/list-requests.js';
import type { Stage } from '../../src/pipeline/queue-names.js';
import { openStore, type Store } from '../../src/store/index.js';
import { minedReceipt, startAnvil, type Anvil } from '../helpers/anvil.js';
import { dropSchema, PG_URL } from '../helpers/pg-schema.js';
import { SDN_CSV_2021 } from '../helpers/fixtures.js';
import { startReceivers, type Receivers } from './receivers.js';

export const HOOK_SECRET = 'exchange-hook-secret-for-tests';
export const WEBHOOK_SECRET = 'generic-webhook-secret-for-tests';
/** ANDREYEV, Anton Nikolaeyvich: CYBER2, ELECTION-EO13848 (sdn-csv-2021, continued in sdn_comments.csv). */
export const LISTED_ETH = '0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c';
/** Listed under the same entry; used as a withdrawal destination. */
export const LISTED_ETH_2 = '0x1da5821544e25c636c1417ba96ade4cf6d2f9b5a';

export type Backend = 'pglite' | 'postgres';

export interface E2e {
  readonly anvil: Anvil;
  readonly receivers: Receivers;
  readonly store: Store;
  readonly config: CordonConfig;
  readonly configFile: string;
  readonly redisUrl: string;
  pipeline: Pipeline | null;
  /** Starts the pipeline in this process (default: every stage, hook delivery included). */
  start(stages?: readonly Stage[]): Promise<Pipeline>;
  close(): Promise<void>;
}

export interface E2eOptions {
  /** More lists: YAML sequence items appended under `lists:` (see `customJsonList`). */
  readonly extraLists?: string;
  /** A Redis of the test's own (e.g. a dedicated redis-server) instead of 127.0.0.1:6379/<redisDb>. */
  readonly redisUrl?: string;
  /**
   * Also follow a Bitcoin-family chain (e.g. the fake Core of test/helpers/bitcoin-core-server.ts):
   * `url` is the JSON-RPC endpoint with credentials (`http://user:password@host:port`).
   */
  readonly bitcoin?: { readonly id?: string; readonly url: string; readonly network?: 'mainnet' | 'testnet' | 'signet' | 'regtest' };
  /** More `pipeline` settings, as YAML flow-mapping entries (e.g. `concurrency: { act: 1 }`). */
  readonly pipeline?: string;
}

/**
 * Everything real that can run here: anvil, Redis (a database of its own), PostgreSQL or
 * PGlite, the 2021 OFAC SDN list, and local receivers for on-call and the exchange hook.
 */
export async function setUpE2e(backend: Backend, redisDb: number, extraYaml = '', options: E2eOptions = {}): Promise<E2e> {
  const anvil = await startAnvil();
  const receivers = await startReceivers();
  const redisUrl = options.redisUrl ?? `redis://127.0.0.1:6379/${redisDb}`;
  const flush = new Redis(redisUrl);
  // A db index the server lacks fails SELECT, and ioredis then runs FLUSHDB on db 0: refuse.
  const [, databases] = (await flush.call('CONFIG', 'GET', 'databases')) as [string, string];
  const db = Number(new URL(redisUrl).pathname.slice(1) || '0');
  if (db >= Number(databases)) {
    flush.disconnect();
    throw new Error(`${redisUrl}: the server has ${databases} databases (0-${Number(databases) - 1}); not flushing db 0 instead`);
  }
  await flush.flushdb();
  flush.disconnect();
  const schema = `cordon_e2e_${process.pid}_${redisDb}`;
  const store =
    backend === 'pglite'
      ? await openStore({ driver: 'pglite', dataDir: 'memory://' })
      : await openStore({ driver: 'postgres', url: PG_URL, schema });
  const dir = mkdtempSync(join(tmpdir(), 'cordon-e2e-'));
  const configFile = join(dir, 'cordon.yaml');
  writeFileSync(
    configFile,
    `
log: { level: warn }
store: ${backend === 'pglite' ? `{ driver: pglite, dataDir: ${join(dir, 'data')} }` : `{ driver: postgres, url: "${PG_URL}", schema: ${schema} }`}
redis: { url: "${redisUrl}" }
http: { port: 0 }
lists:
  - id: ofac-sdn-2021
    format: ofac-sdn-csv
    source: ${SDN_CSV_2021}
    policy: hold
    authority: US Treasury OFAC, SDN List
${options.extraLists ?? ''}
chains:
  - id: anvil
    family: evm
    network: 31337
    endpoints: [{ url: "${anvil.url}" }]
    startBlock: 0
    pollInterval: 100ms
    reorgDepth: 16
    finality: 16
${options.bitcoin ? bitcoinChainYaml(options.bitcoin) : ''}
alerts:
  channels:
    - { type: pagerduty, name: oncall, routingKey: test-routing-key, eventsUrl: "${receivers.url}/pd" }
    - { type: slack, name: slack, webhookUrl: "${receivers.url}/slack" }
    - { type: webhook, name: siem, url: "${receivers.url}/webhook", secret: ${WEBHOOK_SECRET} }
exchangeHook: { url: "${receivers.url}/hook", secret: ${HOOK_SECRET} }
pipeline: { backoff: 200ms, lockDuration: 5s${options.pipeline === undefined ? '' : `, ${options.pipeline}`} }
${extraYaml}
`,
  );
  const { config } = loadConfig({ file: configFile, env: {} });
  const log = pino({ level: 'silent' });
  for (const list of config.lists) await refreshList(store.lists, log, refreshRequestFor(list));

  const e2e: E2e = {
    anvil,
    receivers,
    store,
    config,
    configFile,
    redisUrl,
    pipeline: null,
    async start(stages = ['follow', 'extract', 'screen', 'act', 'hook']) {
      this.pipeline = await startPipeline({
        config,
        store,
        log: pino({ level: process.env['CORDON_TEST_LOG'] ?? 'silent' }),
        metrics: createMetrics({ defaultMetrics: false }),
        stages,
      });
      return this.pipeline;
    },
    async close() {
      await this.pipeline?.stop();
      await store.close();
      await receivers.close();
      await anvil.stop();
      if (backend === 'postgres') await dropSchema(schema);
    },
  };
  return e2e;
}

function bitcoinChainYaml(b: NonNullable<E2eOptions['bitcoin']>): string {
  return `  - id: ${b.id ?? 'btc'}
    family: bitcoin
    network: ${b.network ?? 'regtest'}
    endpoints: [{ url: "${b.url}" }]
    startBlock: 0
    pollInterval: 100ms
    reorgDepth: 16
    finality: 16`;
}

/**
 * A `custom-json` list with `policy: hold` listing `addresses` (ETH, or `ticker`), as YAML for
 * `E2eOptions.extraLists`: lets a test list an address whose key it owns (an anvil dev account),
 * so it can sign a transaction once and broadcast the very same one again.
 */
export function customJsonList(id: string, addresses: readonly string[], ticker = 'ETH'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-e2e-list-'));
  const file = join(dir, `${id}.json`);
  const entries = addresses.map((address, i) => ({ id: `T${i + 1}`, address, ticker, name: `TEST PARTY ${i + 1}`, programs: ['TEST-HOLD'] }));
  writeFileSync(file, JSON.stringify({ entries }));
  return `
  - id: ${id}
    format: custom-json
    source: ${file}
    policy: hold
    authority: Exchange compliance (test list)`;
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends ETH from any address on anvil (impersonating it when it is not a dev account); resolves once it is mined. */
export async function sendEth(anvil: Anvil, from: string, to: string, wei: bigint): Promise<string> {
  await anvil.rpc('anvil_impersonateAccount', [from]);
  await anvil.rpc('anvil_setBalance', [from, '0x56bc75e2d63100000']); // 100 ETH
  const hash = await anvil.rpc<string>('eth_sendTransaction', [{ from, to, value: `0x${wei.toString(16)}` }]);
  await anvil.rpc('anvil_stopImpersonatingAccount', [from]);
  await minedReceipt(anvil, hash);
  return hash;
}
