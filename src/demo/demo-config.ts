import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { checkedConfigSchema, type CordonConfig } from '../config/schema.js';
import { ANVIL_CHAIN_ID } from './anvil-node.js';

/** Secrets the demo shares with its own receiver (never use these anywhere else). */
export const DEMO_ALERT_SECRET = 'cordon-demo-alert-webhook-secret';
export const DEMO_HOOK_SECRET = 'cordon-demo-exchange-hook-secret';
export const DEMO_CHAIN = 'anvil';

export interface DemoSettings {
  /** The demo's folder; the PGlite store lives in `<dir>/store`. */
  readonly dir: string;
  readonly redisUrl: string;
  readonly anvilUrl: string;
  readonly receiverUrl: string;
  readonly pollIntervalMs: number;
  /** The API and console; 0 picks a free port. */
  readonly httpPort: number;
}

/**
 * The demo's configuration, validated like any other: the lists of the embedded defaults
 * (config/default.yaml: OFAC's list from the copy in `lists/`), an embedded PGlite store, one
 * anvil chain, a generic webhook alert channel and the exchange hook, both pointing at the
 * demo's local receiver.
 */
export function demoConfig(s: DemoSettings): CordonConfig {
  // Environment overrides (CORDON_*) are ignored on purpose: the demo runs the same everywhere.
  const defaults = loadConfig({ env: {} }).config;
  return checkedConfigSchema.parse({
    log: { level: 'warn', pretty: false },
    store: { driver: 'pglite', dataDir: join(s.dir, 'store') },
    redis: { url: s.redisUrl },
    http: { host: '127.0.0.1', port: s.httpPort },
    lists: defaults.lists,
    chains: [
      {
        id: DEMO_CHAIN,
        family: 'evm',
        network: ANVIL_CHAIN_ID,
        endpoints: [{ url: s.anvilUrl }],
        confirmations: 0,
        startBlock: 0,
        pollInterval: s.pollIntervalMs,
        reorgDepth: 16,
        finality: 16,
      },
    ],
    alerts: { channels: [{ type: 'webhook', name: 'on-call', url: `${s.receiverUrl}/alerts`, secret: DEMO_ALERT_SECRET }] },
    exchangeHook: { url: `${s.receiverUrl}/hook`, secret: DEMO_HOOK_SECRET },
    pipeline: { backoff: '200ms', lockDuration: '5s' },
  });
}
