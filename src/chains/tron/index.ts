/** Tron over java-tron's Ethereum-compatible JSON-RPC. */
export { createTronChainSource, type TronChainSource, type TronChainSourceOptions, type TronEndpointConfig } from './tron-source.js';
export { tronSeconds } from './tron-block.js';
