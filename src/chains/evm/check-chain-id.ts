/**
 * Which EVM chain an endpoint serves: `eth_chainId` (EIP-695) against the configured chain id.
 * The comparison is a pure function; `evmChainProbe` is the I/O, run by the endpoint pool when
 * an endpoint (re)joins (chain-identity.ts).
 */
import type { ChainMismatchDetail, IdentifyEndpoint } from '../rpc/chain-identity.js';
import { ChainMismatch } from '../rpc/chain-identity.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { RpcBadAnswer } from '../rpc/errors.js';

export const CHAIN_ID = 'eth_chainId';

/** Names of the chain ids an operator is likely to meet, for errors and logs only. */
const KNOWN_CHAINS: ReadonlyMap<bigint, string> = new Map([
  [1n, 'Ethereum mainnet'],
  [10n, 'OP Mainnet'],
  [56n, 'BNB Smart Chain'],
  [100n, 'Gnosis'],
  [137n, 'Polygon PoS'],
  [250n, 'Fantom Opera'],
  [324n, 'zkSync Era'],
  [1337n, 'a local dev chain (geth --dev, Ganache)'],
  [8453n, 'Base'],
  [17000n, 'Holesky'],
  [31337n, 'a local dev chain (anvil, Hardhat)'],
  [42161n, 'Arbitrum One'],
  [43114n, 'Avalanche C-Chain'],
  [59144n, 'Linea'],
  [80002n, 'Polygon Amoy'],
  [84532n, 'Base Sepolia'],
  [421614n, 'Arbitrum Sepolia'],
  [11155111n, 'Sepolia'],
  [728126428n, 'Tron mainnet'],
  [2494104990n, 'Tron Shasta'],
  [3448148188n, 'Tron Nile'],
]);

const named = (id: bigint): string => {
  const name = KNOWN_CHAINS.get(id);
  return name === undefined ? `${id}` : `${id} (${name})`;
};

/** Null when the endpoint's chain id is the configured one; else both sides, spelled for a person. */
export function compareChainId(configured: number, actual: bigint): ChainMismatchDetail | null {
  if (BigInt(configured) === actual) return null;
  return { configured: `network ${named(BigInt(configured))}`, actual: `chain id ${named(actual)}` };
}

/** An eth_chainId answer: a hex quantity. */
export function readChainId(ep: Pick<Endpoint, 'label'>, raw: unknown): bigint {
  if (typeof raw !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(raw)) throw new RpcBadAnswer(ep.label, CHAIN_ID, `chain id is not a hex quantity: ${JSON.stringify(raw)?.slice(0, 80)}`);
  return BigInt(raw);
}

/** The pool's identity probe for an EVM chain configured with `chainId`. */
export function evmChainProbe(chain: string, chainId: number): IdentifyEndpoint {
  return async (ep) => {
    const [raw] = await ep.results([{ method: CHAIN_ID, params: [] }]);
    const mismatch = compareChainId(chainId, readChainId(ep, raw));
    if (mismatch !== null) throw new ChainMismatch(chain, ep.label, CHAIN_ID, mismatch);
  };
}
