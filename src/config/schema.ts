import { z } from 'zod';
import { ADDRESS_FAMILIES } from '../domain/address-family.js';
import { InvalidAddressError, normaliseForFamily } from '../domain/address.js';
import { PRESET_NAMES, withPreset } from './presets.js';

/** Durations as `30s`, `15m`, `6h`, `1d` or milliseconds. Parsed to milliseconds. */
const duration = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, 'a duration like "30s", "15m", "6h" or "1d"')
    .transform((s) => {
      const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
      const n = Number(m?.[1]);
      const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m?.[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
      return n * unit;
    }),
]);

/** Sizes as `512MiB`, `200MB`, `64KiB` or bytes. Parsed to bytes. */
const SIZE_UNITS = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;
const byteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(B|KB|MB|GB|KiB|MiB|GiB)$/, 'a size like "512MiB", "200MB" or a number of bytes')
    .transform((s) => {
      const m = /^(\d+)(B|KB|MB|GB|KiB|MiB|GiB)$/.exec(s);
      return Number(m?.[1]) * SIZE_UNITS[m?.[2] as keyof typeof SIZE_UNITS];
    }),
]);

const listFormat = z.enum(['ofac-advanced-xml', 'ofac-compact-json', 'ofac-sdn-csv', 'plain', 'custom-json', 'custom-csv']);

export const listConfigSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a list id of a-z, 0-9, ".", "_", "-"'),
  format: listFormat,
  /** File path, folder (plain lists, OFAC CSV set) or http(s) URL. */
  source: z.string().min(1),
  /** Ticker for plain lists when the file name does not say (`sanctioned_addresses_<TICKER>.txt`). */
  ticker: z.string().regex(/^[A-Za-z0-9]+$/).optional(),
  refresh: duration.default(86_400_000),
  policy: z.enum(['hold', 'alert']),
  /** Who publishes the list: printed with every match as the legal authority. */
  authority: z.string().min(1),
  /** Programs attached to entries whose source names none (plain and custom lists). */
  programs: z.array(z.string().min(1)).default([]),
  /** A refresh that removes more than this share of the previous entries is refused. */
  maxDropShare: z.number().min(0).max(1).default(0.1),
  /** Timeout for a download. */
  timeout: duration.default(60_000),
  /**
   * User-Agent of downloads. Default: `Mozilla/5.0 (compatible; Cordon/<version>; …)`, which
   * OFAC's firewall accepts (it refuses one not starting with `Mozilla/<digit>` or shorter than
   * 40 characters; a configured one that would be refused is used, with a warning).
   */
  userAgent: z
    .string()
    .min(1)
    .regex(/^[\x20-\x7e]+$/, 'printable ASCII (an HTTP header value)')
    .optional(),
  /**
   * Largest source in bytes, downloaded and once decompressed (a .gz or gzipped download); a
   * larger one is refused. Unset: 512 MiB (DEFAULT_MAX_BYTES in sanctions/download.ts).
   */
  maxBytes: byteSize.optional(),
  /**
   * When a version of this list adds entries, past transfers with those addresses from blocks
   * this recent are re-screened (retroactive holds). Unset: `pipeline.retroLookback`.
   */
  retroLookback: duration.optional(),
});

const storeSchema = z.discriminatedUnion('driver', [
  z.strictObject({ driver: z.literal('pglite'), dataDir: z.string().min(1) }),
  z.strictObject({
    driver: z.literal('postgres'),
    url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
    poolSize: z.number().int().positive().default(10),
    schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
  }),
]);

const endpointSchema = z.strictObject({
  url: z.string().url(),
  /** WebSocket URL for new-head subscriptions, where the node offers one. */
  ws: z.string().url().optional(),
  /** Requests per second this endpoint allows (rate limit), if known. */
  maxRps: z.number().positive().optional(),
});

const assetSymbol = z.string().regex(/^[A-Za-z0-9.$_-]{1,16}$/, 'a symbol of 1-16 letters or digits, e.g. USDT');
const assetDecimals = z.number().int().min(0).max(255);
/** An amount in the asset's units, as a decimal string ("1", "0.5"): a float would lose digits. */
const unitAmount = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount in the asset\'s units, as a string, e.g. "0.5"');

/** At most `decimals` fraction digits in `minHold`, checked where both are known. */
function minHoldFits(asset: { readonly decimals?: number | undefined; readonly minHold?: string | undefined }, ctx: z.RefinementCtx): void {
  if (asset.minHold === undefined) return;
  if (asset.decimals === undefined) {
    ctx.addIssue({ code: 'custom', path: ['minHold'], message: 'minHold needs the asset\'s decimals (and symbol) to be read' });
    return;
  }
  const places = asset.minHold.split('.')[1]?.length ?? 0;
  if (places > asset.decimals) {
    ctx.addIssue({ code: 'custom', path: ['minHold'], message: `${places} decimal places; the asset has ${asset.decimals}` });
  }
}

/** A contract as EVM hex, or (on Tron) base58 `T…`; which one a chain takes is checked with its family. */
const tokenAddress = z.string().regex(/^(0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33})$/, 'a token contract address: 0x + 40 hex digits, or a Tron T… address');
/** A credited token, its contract lower-cased; symbol and decimals when the config gives them. */
export interface TokenConfig {
  readonly address: string;
  readonly symbol?: string | undefined;
  readonly decimals?: number | undefined;
  readonly minHold?: string | undefined;
}

/** A bare contract address is read as `{ address }`, so errors in either form name the key at fault. */
const tokenSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { address: v } : v),
  z
    .strictObject({
      address: tokenAddress,
      symbol: assetSymbol.optional(),
      decimals: assetDecimals.optional(),
      /** Below this (in the token's units) a match alerts instead of holding: dust sent to get a customer frozen. */
      minHold: unitAmount.optional(),
    })
    .superRefine((t, ctx) => {
      if ((t.symbol === undefined) !== (t.decimals === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['decimals'], message: 'give a token\'s symbol and decimals together' });
      }
      minHoldFits(t, ctx);
    })
    // 0x hex lower-cased here; a Tron chain's tokens are turned into T… with the chain (tronTokens).
    .transform((t): TokenConfig => ({ ...t, address: t.address.startsWith('0x') ? t.address.toLowerCase() : t.address })),
);

const nativeAssetSchema = z
  .strictObject({
    /** Defaults to the family's coin (BTC, LTC, …) or, on EVM chains, the chain id's (ETH, POL, BNB). */
    symbol: assetSymbol.optional(),
    decimals: assetDecimals.optional(),
    /** Below this (in the coin's units) a match alerts instead of holding. */
    minHold: unitAmount.optional(),
  })
  .superRefine((n, ctx) => {
    if (n.minHold !== undefined && n.decimals !== undefined) minHoldFits(n, ctx);
  });

const chainFields = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a chain id of a-z, 0-9, "-"'),
  /**
   * Ready settings for a well-known chain (config/presets.ts): family, chain id, finality,
   * reorg depth, native coin, USDT/USDC tokens. Keys set here override it.
   */
  preset: z.enum(PRESET_NAMES).optional(),
  family: z.enum(ADDRESS_FAMILIES).refine((f) => f !== 'unverified', 'a chain needs a real address family'),
  /** EVM chain id, or the Bitcoin network name. */
  network: z.union([z.number().int().positive(), z.enum(['mainnet', 'testnet', 'signet', 'regtest'])]),
  /**
   * What the endpoints speak: `node`, the chain's own node (EVM JSON-RPC; Bitcoin Core's
   * JSON-RPC and REST); `esplora`, Esplora's HTTP API (blockstream/electrs, mempool.space), for
   * Bitcoin-family chains only.
   */
  api: z.enum(['node', 'esplora']).default('node'),
  endpoints: z.array(endpointSchema).min(1),
  confirmations: z.number().int().min(0).default(0),
  finality: z.number().int().min(0).default(64),
  reorgDepth: z.number().int().min(1).default(64),
  startBlock: z.union([z.literal('latest'), z.number().int().min(0)]).default('latest'),
  traces: z.boolean().default(false),
  /**
   * Token contracts the exchange credits. When set, token transfers of other contracts are
   * ignored: anyone can deploy a contract that logs a Transfer "from" a sanctioned address to a
   * deposit address, and such a forged log must not freeze an innocent account.
   */
  tokens: z.array(tokenSchema).optional(),
  /** The chain's own coin: symbol, decimals (defaults by family and chain id) and hold threshold. */
  native: nativeAssetSchema.optional(),
  pollInterval: duration.default(2_000),
  maxLag: z.number().int().min(1).default(20),
  /**
   * The longest time without a successful read of the node's head before the chain is not ready
   * and on-call is paged (`chain_stalled`): a dead or unreachable node. Default 2 minutes.
   */
  maxHeadAge: duration.default(120_000),
  /**
   * EVM: a block's receipts are read one transaction at a time while at most 1 in this many of
   * its transactions touch the exchange without a log to prove success, else all at once
   * (eth_getBlockReceipts). 1: always one at a time, for providers that bill block receipts
   * heavily.
   */
  perTxReceiptShare: z.number().int().min(1).default(10),
});

/**
 * Token contracts in the chain family's own form: T… on Tron (0x hex accepted and converted),
 * 0x hex elsewhere (a T… address on an EVM chain is an error, not a silent miss).
 */
function familyTokens(chain: z.output<typeof chainFields>, ctx: z.RefinementCtx): z.output<typeof chainFields> {
  if (chain.tokens === undefined) return chain;
  const tokens = chain.tokens.map((t, i) => {
    if (chain.family === 'tron') {
      try {
        return { ...t, address: normaliseForFamily(t.address, 'tron') as string };
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['tokens', i, 'address'], message: err instanceof InvalidAddressError ? `not a Tron address: ${err.reason}` : String(err) });
        return t;
      }
    }
    if (!t.address.startsWith('0x')) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'address'], message: `an ${chain.family} chain's token contract is 0x + 40 hex digits` });
    return t;
  });
  return { ...chain, tokens };
}

const chainSchema = z.preprocess(withPreset, chainFields.transform(familyTokens));

const alertChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('pagerduty'),
    name: z.string().min(1),
    routingKey: z.string().min(1),
    severity: z.enum(['critical', 'error', 'warning', 'info']).default('critical'),
    /** Events API v2 endpoint; e.g. https://events.eu.pagerduty.com/v2/enqueue for the EU service region. */
    eventsUrl: z.string().url().optional(),
  }),
  z.strictObject({ type: z.literal('slack'), name: z.string().min(1), webhookUrl: z.string().url() }),
  z.strictObject({
    type: z.literal('webhook'),
    name: z.string().min(1),
    url: z.string().url(),
    secret: z.string().min(16, 'at least 16 characters'),
  }),
]);

const pipelineSchema = z.strictObject({
  /** Jobs each worker process runs at once, per stage. */
  concurrency: z
    .strictObject({
      extract: z.number().int().min(1).default(4),
      screen: z.number().int().min(1).default(4),
      /** Act jobs wait mostly on round trips (store, Redis, the node's head), so more of them overlap. */
      act: z.number().int().min(1).default(4),
      /** Alert jobs at once (each sends its alerts concurrently, within the channels' rate limits). */
      alerts: z.number().int().min(1).default(4),
    })
    .default({ extract: 4, screen: 4, act: 4, alerts: 4 }),
  /** Attempts per job before it lands in the failed set (then visible and alerted). */
  attempts: z.number().int().min(1).default(10),
  /** First retry delay, doubling each attempt. */
  backoff: duration.default(1_000),
  /** How long a job may run before another worker takes it over (a crashed worker's jobs). */
  lockDuration: duration.default(30_000),
  /** Alert when a queue's failed set holds at least this many jobs. */
  failedJobsAlertAt: z.number().int().min(1).default(1),
  /** How long `cordon run` lets work in flight finish after SIGTERM before it exits anyway. */
  shutdownTimeout: duration.default(30_000),
  /**
   * How far back (by block time) a list version's added entries re-screen the deposits and
   * withdrawals Cordon has attributed; a list's own `retroLookback` overrides it.
   */
  retroLookback: duration.default(365 * 86_400_000),
});

export const configSchema = z.strictObject({
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
      pretty: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    })
    .default({ level: 'info', pretty: 'auto' }),
  store: storeSchema,
  redis: z.strictObject({ url: z.string().regex(/^rediss?:\/\//, 'a redis:// URL') }),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** `token`: /readyz and /metrics need `Authorization: Bearer $CORDON_API_TOKEN` like the API (/healthz stays open). */
      probeAuth: z.enum(['none', 'token']).default('none'),
      /**
       * The console's session cookie is Secure (sent over TLS only): `auto` when the proxy in
       * front says the request came over https (X-Forwarded-Proto), `always` for every request.
       */
      secureCookie: z.enum(['auto', 'always']).default('auto'),
    })
    .default({ host: '127.0.0.1', port: 8080, probeAuth: 'none', secureCookie: 'auto' }),
  lists: z.array(listConfigSchema).default([]),
  chains: z.array(chainSchema).default([]),
  alerts: z
    .strictObject({
      channels: z.array(alertChannelSchema).default([]),
      /** Sends per channel per minute (Slack asks for about one a second); excess alerts wait. */
      rateLimitPerMinute: z.number().int().min(1).default(30),
      /** Sends a channel may make at once before the rate applies. */
      burst: z.number().int().min(1).default(10),
    })
    .default({ channels: [], rateLimitPerMinute: 30, burst: 10 }),
  pipeline: pipelineSchema.default({
    concurrency: { extract: 4, screen: 4, act: 4, alerts: 4 },
    attempts: 10,
    backoff: 1_000,
    lockDuration: 30_000,
    failedJobsAlertAt: 1,
    shutdownTimeout: 30_000,
    retroLookback: 365 * 86_400_000,
  }),
  exchangeHook: z
    .strictObject({
      url: z.string().url(),
      secret: z.string().min(16, 'at least 16 characters'),
      /** Per request, including reading the answer. */
      timeout: duration.default(10_000),
      /** Deliveries at once: a hook hanging for one hold holds one of these for one timeout. */
      concurrency: z.number().int().min(1).max(64).default(4),
      /**
       * Transient failures (no answer, timeout, 408, 429, 5xx) in a row before a hold pages
       * on-call; a refusal (401, 403, 400, 422, …) pages at once. Then at most hourly per hold.
       */
      alertAfterFailures: z.number().int().min(1).default(8),
      /** /readyz reports not ready while a hold raised longer ago than this is undelivered. */
      maxUndeliveredAge: duration.default(600_000),
    })
    .optional(),
});

export type CordonConfig = z.output<typeof configSchema>;
export type ListConfig = z.output<typeof listConfigSchema>;
export type StoreSettings = CordonConfig['store'];
export type ChainConfig = z.output<typeof chainSchema>;
export type PipelineConfig = z.output<typeof pipelineSchema>;

/** Ids that other records refer to must be unique. */
export const checkedConfigSchema = configSchema.superRefine((cfg, ctx) => {
  const unique = (items: readonly { readonly [k: string]: unknown }[], key: string, section: string) => {
    const seen = new Set<unknown>();
    items.forEach((item, i) => {
      const v = item[key];
      if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [section, i, key], message: `duplicate ${key} "${String(v)}"` });
      seen.add(v);
    });
  };
  unique(cfg.lists, 'id', 'lists');
  unique(cfg.chains, 'id', 'chains');
  unique(cfg.alerts.channels, 'name', 'alerts');
});
