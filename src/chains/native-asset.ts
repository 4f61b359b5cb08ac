/**
 * The coin a chain pays in natively, by family (and on EVM chains by chain id, since every EVM
 * chain is one family with its own coin): what a native amount reads as when the chain's
 * configuration does not say. Decimals are the family's: 18 on EVM chains, 8 on Bitcoin and
 * its forks, 6 on Tron.
 */
import type { AddressFamily } from '../domain/address-family.js';
import type { AssetUnits } from '../domain/amount.js';

const BY_FAMILY: Readonly<Partial<Record<AddressFamily, AssetUnits>>> = {
  evm: { symbol: 'ETH', decimals: 18 },
  tron: { symbol: 'TRX', decimals: 6 },
  bitcoin: { symbol: 'BTC', decimals: 8 },
  litecoin: { symbol: 'LTC', decimals: 8 },
  'bitcoin-cash': { symbol: 'BCH', decimals: 8 },
  'bitcoin-sv': { symbol: 'BSV', decimals: 8 },
  'bitcoin-gold': { symbol: 'BTG', decimals: 8 },
  dash: { symbol: 'DASH', decimals: 8 },
  zcash: { symbol: 'ZEC', decimals: 8 },
  dogecoin: { symbol: 'DOGE', decimals: 8 },
  verge: { symbol: 'XVG', decimals: 6 },
};

/** EVM chain ids whose coin is not ether. */
const EVM_COINS: ReadonlyMap<number, string> = new Map([
  [56, 'BNB'],
  [97, 'BNB'],
  [137, 'POL'],
  [80002, 'POL'],
  [43114, 'AVAX'],
  [250, 'FTM'],
  [100, 'XDAI'],
  [61, 'ETC'],
]);

/** The native coin of a chain of `family` on `network` (EVM chain id or network name); null if unknown. */
export function nativeAssetOf(family: AddressFamily, network: number | string): AssetUnits | null {
  const base = BY_FAMILY[family];
  if (base === undefined) return null;
  if (family !== 'evm' || typeof network !== 'number') return base;
  return { ...base, symbol: EVM_COINS.get(network) ?? base.symbol };
}
