/**
 * Ready settings for the chains exchanges run: `preset: ethereum` on a chain fills in its family,
 * chain id (checked against every endpoint, chains/rpc/chain-identity.ts), a finality and reorg
 * depth suited to how that chain settles, its native coin, and its USDT and USDC contracts as
 * credited `tokens`. A key the chain sets itself wins: top-level keys replace the preset's,
 * `native` is merged key by key, and a `tokens` list replaces the preset's list.
 *
 * Sources: chain ids as each chain documents them (Tron: `eth_chainId`, the last 4 bytes of
 * the genesis hash, in tronprotocol's JSON-RPC docs); token contracts as Tether and Circle
 * publish them, cross-checked against public code that uses them (not fetched from the
 * issuers' pages from this machine: re-check before relying on a new one). Depths, in blocks:
 * - ethereum 64: two epochs, when Casper FFG finalises a block (~12.8 min).
 * - polygon 256: PoS reorgs have reached 157 blocks (2023) before milestone finality; kept wide.
 * - bsc 64: fast finality (BEP-126) finalises within a few blocks; 64 (<1 min) is margin.
 * - arbitrum 4800, base 600, optimism 600: a rollup block is final when its batch is on a
 *   finalised L1 block, ~15-20 min (0.25 s blocks on Arbitrum, 2 s on OP chains); a sequencer
 *   reorg is rare and shallow, so reorgDepth stays 128/64.
 * - tron 19: a block is solidified once 19 of the 27 super representatives (2/3 + 1) have
 *   built on it (~1 min); reorgDepth 32.
 */
import type { AddressFamily } from '../domain/address-family.js';

export const PRESET_NAMES = ['ethereum', 'polygon', 'bsc', 'arbitrum', 'base', 'optimism', 'tron'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

interface PresetToken {
  readonly address: string;
  readonly symbol: string;
  readonly decimals: number;
}

export interface ChainPreset {
  readonly family: AddressFamily;
  readonly network: number;
  readonly finality: number;
  readonly reorgDepth: number;
  readonly native: { readonly symbol: string; readonly decimals: number };
  readonly tokens: readonly PresetToken[];
}

const usd = (usdt: string, usdc: string, decimals = 6): PresetToken[] => [
  { address: usdt, symbol: 'USDT', decimals },
  { address: usdc, symbol: 'USDC', decimals },
];

export const CHAIN_PRESETS: Readonly<Record<PresetName, ChainPreset>> = {
  ethereum: {
    family: 'evm',
    network: 1,
    finality: 64,
    reorgDepth: 64,
    native: { symbol: 'ETH', decimals: 18 },
    tokens: usd('0xdAC17F958D2ee523a2206206994597C13D831ec7', '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'),
  },
  polygon: {
    family: 'evm',
    network: 137,
    finality: 256,
    reorgDepth: 256,
    native: { symbol: 'POL', decimals: 18 },
    tokens: usd('0xc2132D05D31c914a87C6611C10748AEb04B58e8F', '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359'),
  },
  bsc: {
    family: 'evm',
    network: 56,
    finality: 64,
    reorgDepth: 64,
    native: { symbol: 'BNB', decimals: 18 },
    // Binance-Peg USDT and USDC on BNB Smart Chain have 18 decimals, not 6.
    tokens: usd('0x55d398326f99059fF775485246999027B3197955', '0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d', 18),
  },
  arbitrum: {
    family: 'evm',
    network: 42161,
    finality: 4800,
    reorgDepth: 128,
    native: { symbol: 'ETH', decimals: 18 },
    tokens: usd('0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9', '0xaf88d065e77c8cC2239327C5EDb3A432268e5831'),
  },
  base: {
    family: 'evm',
    network: 8453,
    finality: 600,
    reorgDepth: 64,
    native: { symbol: 'ETH', decimals: 18 },
    tokens: usd('0xfde4C96c8593536E31F229EA8f37b2ADa2699bb2', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913'),
  },
  optimism: {
    family: 'evm',
    network: 10,
    finality: 600,
    reorgDepth: 64,
    native: { symbol: 'ETH', decimals: 18 },
    tokens: usd('0x94b008aA00579c1307B0EF2c499aD98a8ce58e58', '0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85'),
  },
  tron: {
    family: 'tron',
    network: 728126428,
    finality: 19,
    reorgDepth: 32,
    native: { symbol: 'TRX', decimals: 6 },
    tokens: usd('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8'),
  },
};

export function isPresetName(v: unknown): v is PresetName {
  return typeof v === 'string' && (PRESET_NAMES as readonly string[]).includes(v);
}

type Plain = Record<string, unknown>;

/**
 * A chain's raw settings with its preset's filled in under them (explicit keys win; `native`
 * merged key by key; a `tokens` list replaces the preset's). Anything that is not a chain with
 * a known preset is returned as it is, for the schema to report.
 */
export function withPreset(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const chain = raw as Plain;
  if (!isPresetName(chain['preset'])) return raw;
  const p = CHAIN_PRESETS[chain['preset']];
  const native = chain['native'];
  return {
    family: p.family,
    network: p.network,
    finality: p.finality,
    reorgDepth: p.reorgDepth,
    tokens: p.tokens.map((t) => ({ ...t })),
    ...chain,
    native: { ...p.native, ...(typeof native === 'object' && native !== null ? (native as Plain) : {}) },
  };
}
