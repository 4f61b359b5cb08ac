import { createBitcoinChainSource, createEsploraChainSource } from '../chains/bitcoin/index.js';
import type { ChainSource } from '../chains/chain-source.js';
import { createEvmChainSource } from '../chains/evm/index.js';
import { createTronChainSource } from '../chains/tron/index.js';
import type { ChainConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';

/** A ChainSource for each configured chain, by chain id. */
export function createChainSources(chains: readonly ChainConfig[], log: Logger): Map<string, ChainSource> {
  const sources = new Map<string, ChainSource>();
  for (const chain of chains) {
    const clog = log.child({ component: 'chain', chain: chain.id });
    switch (chain.family) {
      case 'evm':
        if (chain.api !== 'node') throw new Error(`chain ${chain.id}: Esplora serves Bitcoin-family chains only; an evm chain is read with api: node`);
        if (typeof chain.network !== 'number') throw new Error(`chain ${chain.id}: an evm chain needs its chain id as network (e.g. 1 for Ethereum mainnet), not ${chain.network}`);
        sources.set(
          chain.id,
          createEvmChainSource({ chain: chain.id, chainId: chain.network, endpoints: chain.endpoints, traces: chain.traces, perTxReceiptShare: chain.perTxReceiptShare, log: clog }),
        );
        break;
      case 'tron':
        if (chain.api !== 'node') throw new Error(`chain ${chain.id}: Esplora serves Bitcoin-family chains only; a tron chain is read with api: node (java-tron's /jsonrpc)`);
        if (typeof chain.network !== 'number') throw new Error(`chain ${chain.id}: a tron chain needs its chain id as network (728126428 for mainnet), not ${chain.network}`);
        sources.set(chain.id, createTronChainSource({ chain: chain.id, chainId: chain.network, endpoints: chain.endpoints, perTxReceiptShare: chain.perTxReceiptShare, log: clog }));
        break;
      case 'bitcoin':
      case 'litecoin':
      case 'bitcoin-cash': {
        if (typeof chain.network === 'number') {
          throw new Error(`chain ${chain.id}: a ${chain.family} chain needs network mainnet, testnet, signet or regtest, not ${chain.network}`);
        }
        const options = { chain: chain.id, family: chain.family, network: chain.network, endpoints: chain.endpoints, log: clog };
        // Core's RPC credentials: the endpoint URL, or CORDON_<ID>_RPC_USER/_PASSWORD/_COOKIE (src/chains/bitcoin/core-auth.ts).
        sources.set(chain.id, chain.api === 'esplora' ? createEsploraChainSource(options) : createBitcoinChainSource(options));
        break;
      }
      default:
        throw new Error(`chain ${chain.id}: family ${chain.family} has no chain source in this version`);
    }
  }
  return sources;
}

/**
 * Checks now, for every chain at once, that each endpoint serves the configured chain
 * (chains/rpc/chain-identity.ts): the ones on another chain are refused with an error log, and
 * a chain with no endpoint left fails the start with NoEndpointOnChain, naming both chains.
 */
export async function identifyChainSources(sources: ReadonlyMap<string, ChainSource>): Promise<void> {
  await Promise.all([...sources.values()].map((s) => s.identifyEndpoints?.()));
}
