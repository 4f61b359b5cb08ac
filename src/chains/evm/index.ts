/** Everything Cordon knows about EVM nodes. */
export { createEvmChainSource, type BlockTransfers, type EvmChainSource, type EvmChainSourceOptions, type EvmEndpointConfig } from './evm-source.js';
export { BlockUnavailable, RangeNotLinked } from './errors.js';
export { extractTransfers, erc20Transfer, TRANSFER_TOPIC, IncompleteBlockContents, type BlockContents, type BlockTraces } from './extract-transfers.js';
export type { EvmBlock, EvmLog, EvmReceipt, EvmTx, CallFrame, FlatTrace, TxCallTrace } from './rpc-shapes.js';
