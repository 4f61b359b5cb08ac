/**
 * Address families Cordon can validate and screen. A family is an address space: two chains
 * share a family when the same string names the same key holder on both (every EVM chain is
 * `evm`). `unverified` holds list entries whose format Cordon cannot check (e.g. Monero): they
 * are kept, matched only by exact string, and never normalised.
 * `bnb-beacon` is BNB Beacon Chain (ex Binance Chain, `bnb1…`): its own address space, unlike
 * BNB Smart Chain, which is `evm`.
 */
export const ADDRESS_FAMILIES = [
  'evm',
  'tron',
  'bitcoin',
  'litecoin',
  'bitcoin-cash',
  'bitcoin-sv',
  'bitcoin-gold',
  'dash',
  'zcash',
  'dogecoin',
  'verge',
  'bnb-beacon',
  'unverified',
] as const;

export type AddressFamily = (typeof ADDRESS_FAMILIES)[number];

export function isAddressFamily(value: string): value is AddressFamily {
  return (ADDRESS_FAMILIES as readonly string[]).includes(value);
}
