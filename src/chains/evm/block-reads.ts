/**
 * The block reads every chain family served over Ethereum's JSON-RPC shares (EVM, and Tron's
 * `/jsonrpc`): the head, a block by number or by hash, and a block's transfers, through the
 * endpoint pool. A family says how a block becomes a BlockRef and how its transfers are read.
 */
import type { ChainSource, TransferScope } from '../chain-source.js';
import type { BlockHash, BlockRef } from '../../domain/block.js';
import type { Transfer } from '../../domain/transfer.js';
import { BlockUnavailable } from '../chain-errors.js';
import type { Endpoint, EndpointPool } from '../rpc/endpoint-pool.js';
import { fetchBlockByHash, fetchBlockByNumber, fetchHead } from './fetch-block.js';
import type { EvmBlock } from './rpc-shapes.js';

export function jsonRpcBlockReads(
  chain: string,
  pool: EndpointPool,
  refOf: (b: EvmBlock) => BlockRef,
  /** The block's transfers from one endpoint; null when it does not know the block. */
  transfersOn: (ep: Endpoint, block: BlockRef, scope?: TransferScope) => Promise<Transfer[] | null>,
): Pick<ChainSource, 'head' | 'blockAt' | 'blockByHash' | 'transfers'> {
  return {
    async head() {
      return refOf(await pool.run('head', (ep) => fetchHead(ep)));
    },
    async blockAt(number: bigint) {
      const b = await pool.runUntilKnown(`blockAt #${number}`, (ep) => fetchBlockByNumber(ep, number, false));
      return b === null ? null : refOf(b);
    },
    async blockByHash(hash: BlockHash) {
      const b = await pool.runUntilKnown(`blockByHash ${hash}`, (ep) => fetchBlockByHash(ep, hash, false));
      return b === null ? null : refOf(b);
    },
    async transfers(block: BlockRef, scope?: TransferScope) {
      const got = await pool.runUntilKnown(`transfers #${block.number} ${block.hash}`, (ep) => transfersOn(ep, block, scope));
      if (got === null) throw new BlockUnavailable(chain, block, 'no endpoint knows this hash; it was probably reorged away');
      return got;
    },
  };
}
