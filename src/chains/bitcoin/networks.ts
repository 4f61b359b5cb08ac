/**
 * Network parameters of the UTXO chains Cordon reads with one parser: Bitcoin, Litecoin and
 * Bitcoin Cash share the block and transaction format (Litecoin adds MWEB, see parse-block.ts)
 * and differ only in how an output script is spelled as an address.
 */
import type { CashAddrPrefix } from '../../domain/cashaddr.js';

export type UtxoFamily = 'bitcoin' | 'litecoin' | 'bitcoin-cash';
export type UtxoNetworkName = 'mainnet' | 'testnet' | 'signet' | 'regtest';

export interface UtxoNetwork {
  readonly family: UtxoFamily;
  readonly name: UtxoNetworkName;
  /** Base58check version byte of p2pkh addresses. */
  readonly pubKeyHash: number;
  /** Base58check version byte of p2sh addresses. */
  readonly scriptHash: number;
  /** Segwit HRP (BIP-173/350); null where the chain has no segwit (Bitcoin Cash). */
  readonly bech32: string | null;
  /** Bitcoin Cash only: addresses are cashaddr under this prefix instead of base58check. */
  readonly cashAddr: CashAddrPrefix | null;
}

const net = (
  family: UtxoFamily,
  name: UtxoNetworkName,
  pubKeyHash: number,
  scriptHash: number,
  bech32: string | null,
  cashAddr: CashAddrPrefix | null = null,
): UtxoNetwork => ({ family, name, pubKeyHash, scriptHash, bech32, cashAddr });

const NETWORKS: Readonly<Record<UtxoFamily, Partial<Record<UtxoNetworkName, UtxoNetwork>>>> = {
  bitcoin: {
    mainnet: net('bitcoin', 'mainnet', 0x00, 0x05, 'bc'),
    // testnet3, testnet4 and signet share these.
    testnet: net('bitcoin', 'testnet', 0x6f, 0xc4, 'tb'),
    signet: net('bitcoin', 'signet', 0x6f, 0xc4, 'tb'),
    regtest: net('bitcoin', 'regtest', 0x6f, 0xc4, 'bcrt'),
  },
  litecoin: {
    // Litecoin Core encodes p2sh with SCRIPT_ADDRESS2 (M… / Q…), not the old 0x05 / 0xc4.
    mainnet: net('litecoin', 'mainnet', 0x30, 0x32, 'ltc'),
    testnet: net('litecoin', 'testnet', 0x6f, 0x3a, 'tltc'),
    regtest: net('litecoin', 'regtest', 0x6f, 0x3a, 'rltc'),
  },
  'bitcoin-cash': {
    mainnet: net('bitcoin-cash', 'mainnet', 0x00, 0x05, null, 'bitcoincash'),
    testnet: net('bitcoin-cash', 'testnet', 0x6f, 0xc4, null, 'bchtest'),
    regtest: net('bitcoin-cash', 'regtest', 0x6f, 0xc4, null, 'bchreg'),
  },
};

export function isUtxoFamily(family: string): family is UtxoFamily {
  return family === 'bitcoin' || family === 'litecoin' || family === 'bitcoin-cash';
}

/** The parameters of a family's network; throws for a pair that does not exist (Litecoin signet). */
export function utxoNetwork(family: UtxoFamily, name: UtxoNetworkName): UtxoNetwork {
  const n = NETWORKS[family][name];
  if (n === undefined) {
    const known = Object.keys(NETWORKS[family]).join(', ');
    throw new Error(`${family} has no ${name} network; known: ${known}`);
  }
  return n;
}
