/**
 * What a list's ticker (OFAC's "Digital Currency Address - XBT" and the like) tells us about the
 * address format. The address's own format decides its family; the ticker only breaks ties
 * between families that share a format (a `1…` address is bitcoin, BCH or BSV alike) and says
 * whether an address that fits no known format is an error or an unverifiable entry.
 */
import type { AddressFamily } from './address-family.js';

/** Upper-cased, trimmed: tickers are compared in this form. */
export function normaliseTicker(ticker: string): string {
  return ticker.trim().toUpperCase();
}

/**
 * Tickers whose addresses are EVM `0x` addresses: EVM chains' native coins and tokens that live
 * mainly on EVM chains. (USDT/USDC also exist on Tron and elsewhere; a Tron `T…` address under
 * them is still recognised by its own format. Likewise BNB names both BNB Smart Chain, `0x`, and
 * the BNB Beacon Chain, whose `bnb1…` bech32 addresses are recognised as `bnb-beacon`.)
 */
const EVM_TICKERS: ReadonlySet<string> = new Set([
  // chains
  'ETH', 'ETC', 'ARB', 'BSC', 'BNB', 'MATIC', 'POL', 'OP', 'BASE', 'AVAX', 'FTM', 'CELO',
  'XDAI', 'GNO', 'CRO', 'MNT', 'LINEA', 'SCROLL', 'BLAST', 'ZKSYNC',
  // tokens
  'USDT', 'USDC', 'DAI', 'BUSD', 'TUSD', 'USDP', 'PYUSD', 'WETH', 'WBTC',
]);

const NON_EVM_HINTS: ReadonlyMap<string, AddressFamily> = new Map<string, AddressFamily>([
  ['XBT', 'bitcoin'],
  ['BTC', 'bitcoin'],
  ['LTC', 'litecoin'],
  ['BCH', 'bitcoin-cash'],
  ['BSV', 'bitcoin-sv'],
  ['BTG', 'bitcoin-gold'],
  ['DASH', 'dash'],
  ['ZEC', 'zcash'],
  ['DOGE', 'dogecoin'],
  ['XVG', 'verge'],
  ['TRX', 'tron'],
]);

/**
 * Tickers whose address format Cordon validates: an address listed under one of these that
 * fails validation is rejected, never kept as `unverified`.
 */
export const KNOWN_FORMAT_TICKERS: ReadonlySet<string> = new Set([...EVM_TICKERS, ...NON_EVM_HINTS.keys()]);

export function isEvmTicker(ticker: string): boolean {
  return EVM_TICKERS.has(normaliseTicker(ticker));
}

export function isKnownFormatTicker(ticker: string): boolean {
  return KNOWN_FORMAT_TICKERS.has(normaliseTicker(ticker));
}

/** The family a ticker's addresses belong to when their format alone is ambiguous; undefined if unknown. */
export function familyHintForTicker(ticker: string): AddressFamily | undefined {
  const t = normaliseTicker(ticker);
  if (EVM_TICKERS.has(t)) return 'evm';
  return NON_EVM_HINTS.get(t);
}
