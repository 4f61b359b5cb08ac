import type { ChainSource } from '../chains/chain-source.js';
import { createEvmChainSource } from '../chains/evm/index.js';
import type { ChainConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';

/** A ChainSource for each configured chain, by chain id. */
export function createChainSources(chains: readonly ChainConfig[], log: Logger): Map<string, ChainSource> {
  const sources = new Map<string, ChainSource>();
  for (const chain of chains) {
    const clog = log.child({ component: 'chain', chain: chain.id });
    switch (chain.family) {
      case 'evm':
        sources.set(chain.id, createEvmChainSource({ chain: chain.id, endpoints: chain.endpoints, traces: chain.traces, log: clog }));
        break;
      default:
        throw new Error(`chain ${chain.id}: family ${chain.family} has no chain source in this version`);
    }
  }
  return sources;
}
