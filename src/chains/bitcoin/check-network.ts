/**
 * Which Bitcoin-family chain an endpoint serves: the chain name Core reports
 * (`getblockchaininfo.chain`) and the genesis hash (`getblockhash 0`; Esplora:
 * `/block-height/0`), against what the configured family and network must have. Bitcoin Cash
 * shares Bitcoin's genesis, so on mainnet the first block after the split tells them apart.
 * The comparison is pure (`compareNetwork`); the probes that ask live with each API
 * (`coreNetworkProbe` here, Esplora's in esplora-source.ts).
 *
 * Genesis hashes: each is the double SHA-256 of the genesis header in the family's chainparams
 * (version 1, no parent, the merkle root of its coinbase, time, bits, nonce); the test
 * test/chains/bitcoin/check-network.test.ts recomputes them from those fields.
 */
import { blockHash, type BlockHash } from '../../domain/block.js';
import { ChainMismatch, type ChainMismatchDetail, type IdentifyEndpoint } from '../rpc/chain-identity.js';
import { fetchChainIdentity } from './core-rpc.js';
import type { UtxoFamily, UtxoNetworkName } from './networks.js';

export const GENESIS = {
  bitcoinMainnet: blockHash('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f'),
  bitcoinTestnet3: blockHash('000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943'),
  bitcoinTestnet4: blockHash('00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043'),
  // Every signet, the default and custom ones, has this genesis (BIP-325); the challenge differs.
  bitcoinSignet: blockHash('00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6'),
  bitcoinRegtest: blockHash('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206'),
  litecoinMainnet: blockHash('12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2'),
  litecoinTestnet4: blockHash('4966625a4b2851d9fdee139e56211a0d88575f59ed816ff5e6a63deb4e3e29a0'),
  litecoinRegtest: blockHash('530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9'),
} as const;

/**
 * The first block of Bitcoin Cash after it split from Bitcoin (1 August 2017, height 478559;
 * BitcoinUnlimited's doc/bch-upgrades-timeline.md). Bitcoin's block at that height is another.
 */
export const BCH_SPLIT = { height: 478_559, hash: blockHash('000000000000000000651ef99cb9fcbe0dadde1d424bd9f15ff20136191a5eec') } as const;

interface NetworkIdentity {
  /**
   * The chain names Core-compatible nodes report for this network, each with the genesis it
   * must have; null where the genesis is not verified here (the chain name is checked alone).
   */
  readonly chains: Readonly<Record<string, BlockHash | null>>;
  /** Mainnets that share a genesis: whether this family's chain has BCH_SPLIT's block. */
  readonly bchSplit?: 'has' | 'lacks';
}

const IDENTITIES: Readonly<Record<UtxoFamily, Partial<Record<UtxoNetworkName, NetworkIdentity>>>> = {
  bitcoin: {
    mainnet: { chains: { main: GENESIS.bitcoinMainnet }, bchSplit: 'lacks' },
    // Core < 28 runs testnet3 (`test`); Core ≥ 28 also testnet4 (`testnet4`): both are `testnet` here.
    testnet: { chains: { test: GENESIS.bitcoinTestnet3, testnet4: GENESIS.bitcoinTestnet4 } },
    signet: { chains: { signet: GENESIS.bitcoinSignet } },
    regtest: { chains: { regtest: GENESIS.bitcoinRegtest } },
  },
  litecoin: {
    mainnet: { chains: { main: GENESIS.litecoinMainnet } },
    testnet: { chains: { test: GENESIS.litecoinTestnet4 } },
    regtest: { chains: { regtest: GENESIS.litecoinRegtest } },
  },
  'bitcoin-cash': {
    mainnet: { chains: { main: GENESIS.bitcoinMainnet }, bchSplit: 'has' },
    // Bitcoin Cash Node's testnet4 (`test4`) has its own genesis, not verified here.
    testnet: { chains: { test: GENESIS.bitcoinTestnet3, test4: null } },
    regtest: { chains: { regtest: GENESIS.bitcoinRegtest } },
  },
};

/** Which configured networks a genesis belongs to, e.g. `bitcoin mainnet or bitcoin-cash mainnet`. */
function networksWithGenesis(genesis: BlockHash): string[] {
  const out: string[] = [];
  for (const [family, networks] of Object.entries(IDENTITIES)) {
    for (const [network, id] of Object.entries(networks)) {
      if (Object.values(id.chains).includes(genesis)) out.push(`${family} ${network}`);
    }
  }
  return out;
}

/** Whether the source must ask for the block at BCH_SPLIT.height (mainnets that share Bitcoin's genesis). */
export function needsSplitBlock(family: UtxoFamily, network: UtxoNetworkName): boolean {
  return IDENTITIES[family][network]?.bchSplit !== undefined;
}

/** What an endpoint said about its chain. */
export interface ObservedChain {
  /** `getblockchaininfo.chain` (`main`, `test`, `testnet4`, `signet`, `regtest`); undefined where the API has none (Esplora). */
  readonly chainName?: string;
  readonly genesis: BlockHash;
  /** The block at BCH_SPLIT.height when asked for; null when the node is below that height. */
  readonly splitBlock?: BlockHash | null;
}

/**
 * Null when the endpoint serves the configured family and network; else both sides, spelled
 * for a person.
 *
 * Regtest is the one network where a genesis nobody knows passes: Core's regtest genesis is
 * fixed, but a regtest chain is private and test harnesses (Cordon's own included) build
 * regtest chains on their own genesis. Nothing of value moves there; what must not happen is
 * another family's regtest node being read as this one, and a known genesis of another
 * family or network still refuses it. The same holds where a network's genesis is not verified.
 */
export function compareNetwork(family: UtxoFamily, network: UtxoNetworkName, seen: ObservedChain): ChainMismatchDetail | null {
  const expected = IDENTITIES[family][network];
  if (expected === undefined) throw new Error(`${family} has no ${network} network`);
  const configured = `network ${network} (${family})`;
  const names = Object.keys(expected.chains);
  const whose = networksWithGenesis(seen.genesis);
  const chainPart = seen.chainName === undefined ? '' : `chain "${seen.chainName}", `;
  const actual = `${chainPart}genesis ${seen.genesis} (${whose.length === 0 ? 'not a known network' : whose.join(' or ')})`;

  if (seen.chainName !== undefined && !names.includes(seen.chainName)) return { configured, actual };
  const allowed = seen.chainName === undefined ? Object.values(expected.chains) : [expected.chains[seen.chainName] ?? null];
  const genesisOk =
    allowed.includes(seen.genesis) || ((network === 'regtest' || allowed.includes(null)) && whose.length === 0);
  if (!genesisOk) return { configured, actual };

  if (expected.bchSplit !== undefined && seen.splitBlock !== undefined && seen.splitBlock !== null) {
    const onBch = seen.splitBlock === BCH_SPLIT.hash;
    if (onBch !== (expected.bchSplit === 'has')) {
      return {
        configured,
        actual: `${chainPart}block #${BCH_SPLIT.height} ${seen.splitBlock} (${onBch ? 'bitcoin-cash mainnet' : 'not bitcoin-cash mainnet: bitcoin mainnet'})`,
      };
    }
  }
  return null;
}

/** The pool's identity probe for a Bitcoin Core (or Core-compatible) endpoint. */
export function coreNetworkProbe(chain: string, family: UtxoFamily, network: UtxoNetworkName): IdentifyEndpoint {
  const splitHeight = needsSplitBlock(family, network) ? BCH_SPLIT.height : undefined;
  return async (ep) => {
    const seen = await fetchChainIdentity(ep, splitHeight);
    const mismatch = compareNetwork(family, network, seen);
    if (mismatch !== null) throw new ChainMismatch(chain, ep.label, 'getblockchaininfo+getblockhash', mismatch);
  };
}
