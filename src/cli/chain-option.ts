import type { ChainConfig } from '../config/schema.js';
import { isAddressFamily, type AddressFamily } from '../domain/address-family.js';
import { familyHintForTicker } from '../domain/ticker.js';
import { CliError, EXIT } from './exit-codes.js';

/** Tokens that live on several chains: they name no address family on their own. */
const MULTI_CHAIN_TOKENS = new Set(['USDT', 'USDC', 'DAI', 'BUSD', 'TUSD', 'USDP', 'PYUSD', 'WETH', 'WBTC']);

/**
 * `--chain` accepts a configured chain id (`ethereum`), an address family (`evm`, `bitcoin`)
 * or a chain's ticker (`ETH`, `XBT`, `TRX`).
 */
export function familyForChainOption(value: string, chains: readonly ChainConfig[]): AddressFamily {
  const configured = chains.find((c) => c.id === value);
  if (configured) return configured.family;
  if (isAddressFamily(value) && value !== 'unverified') return value;
  const upper = value.toUpperCase();
  if (MULTI_CHAIN_TOKENS.has(upper)) {
    throw new CliError(`--chain ${value}: ${upper} is a token on several chains; name the chain (e.g. ETH, TRX)`, EXIT.usage);
  }
  const hinted = familyHintForTicker(upper);
  if (hinted) return hinted;
  const known = chains.map((c) => c.id).join(', ');
  throw new CliError(
    `--chain ${value}: not a configured chain${known ? ` (${known})` : ''}, an address family or a chain ticker`,
    EXIT.usage,
  );
}
