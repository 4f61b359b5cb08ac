/**
 * Blocks: by number, by hash, the head; with full transactions or only their hashes. Each
 * answer is checked to be the block asked for (and its transactions to name it).
 */
import { RpcBadAnswer } from '../rpc/errors.js';
import type { RpcCall } from '../rpc/json-rpc.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { checkBlock, shaped } from './consistency.js';
import { parseBlock, type EvmBlock } from './rpc-shapes.js';

export const toQuantity = (n: bigint): string => `0x${n.toString(16)}`;

export function blockByNumberCall(n: bigint | 'latest' | 'finalized' | 'safe', fullTxs: boolean): RpcCall {
  return { method: 'eth_getBlockByNumber', params: [typeof n === 'bigint' ? toQuantity(n) : n, fullTxs] };
}

export function blockByHashCall(hash: string, fullTxs: boolean): RpcCall {
  return { method: 'eth_getBlockByHash', params: [hash, fullTxs] };
}

/** Parses and checks an eth_getBlockBy* answer; null when the node does not know the block. */
export function readBlock(
  ep: Pick<Endpoint, 'label'>,
  call: RpcCall,
  raw: unknown,
  asked: { readonly number?: bigint; readonly hash?: string },
): EvmBlock | null {
  const block = shaped(ep, call.method, () => parseBlock(raw));
  if (block === null) return null;
  if (call.params[1] === true && block.txs === null) throw new RpcBadAnswer(ep.label, call.method, 'transaction hashes instead of full transactions');
  checkBlock(ep, call.method, block, asked);
  return block;
}

export async function fetchBlockByNumber(ep: Endpoint, n: bigint, fullTxs: boolean): Promise<EvmBlock | null> {
  const call = blockByNumberCall(n, fullTxs);
  const [raw] = await ep.results([call]);
  return readBlock(ep, call, raw, { number: n });
}

export async function fetchBlockByHash(ep: Endpoint, hash: string, fullTxs: boolean): Promise<EvmBlock | null> {
  const call = blockByHashCall(hash, fullTxs);
  const [raw] = await ep.results([call]);
  return readBlock(ep, call, raw, { hash });
}

/** The endpoint's latest block (hashes only). */
export async function fetchHead(ep: Endpoint): Promise<EvmBlock> {
  const call = blockByNumberCall('latest', false);
  const [raw] = await ep.results([call]);
  const block = readBlock(ep, call, raw, {});
  if (block === null) throw new RpcBadAnswer(ep.label, call.method, 'null for the latest block');
  return block;
}
