/** Everything Cordon knows about Bitcoin-family nodes and blocks. */
export {
  createBitcoinChainSource,
  isBitcoinChainSource,
  type BitcoinChainSource,
  type BitcoinChainSourceOptions,
  type BitcoinEndpointConfig,
} from './bitcoin-source.js';
export { createEsploraChainSource, type EsploraChainSourceOptions } from './esplora-source.js';
export { exchangeTransfers, type ExchangeTransfers, type ExchangeView } from './exchange-transfers.js';
export { BlockUnavailable, CoreAuthFailed, InputsUnresolvable, MalformedBlock } from './errors.js';
export { isUtxoFamily, utxoNetwork, type UtxoFamily, type UtxoNetwork, type UtxoNetworkName } from './networks.js';
export { outputAddress, outputScriptType, type OutputScriptType } from './output-address.js';
export { merkleRoot, parseBlock, parseHeader, parseTransaction, type ParsedBlock } from './parse-block.js';
export type { AddressUnspent, Outpoint, ResolvedInput, ResolvedInputs, UtxoBlock, UtxoHeader, UtxoOutput, UtxoTx } from './utxo-block.js';
export { outpointKey, outputAddresses, outputsPaying, selectTxids, spentOutpointKeys, utxoTransfers, type TxSelection } from './utxo-transfers.js';
