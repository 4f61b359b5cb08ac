/**
 * Raw block bytes from a node → a UtxoBlock, only if they are the block asked for: the header
 * must hash to its hash and name its parent, and the transactions must hash to the header's
 * merkle root (parse-block.ts). Bytes that fail are an RpcError, so the endpoint pool retries
 * (another endpoint when there is one) and never uses them.
 */
import type { BlockRef } from '../../domain/block.js';
import { RpcBadAnswer, RpcInconsistent } from '../rpc/errors.js';
import { MalformedBlock } from './errors.js';
import type { UtxoNetwork } from './networks.js';
import { parseBlock, type ParsedBlock } from './parse-block.js';
import type { UtxoBlock } from './utxo-block.js';

export function checkedBlock(endpoint: string, method: string, ref: BlockRef, raw: Uint8Array, network: UtxoNetwork): UtxoBlock {
  let parsed: ParsedBlock;
  try {
    parsed = parseBlock(raw, network, { what: `block #${ref.number} ${ref.hash} from ${endpoint}` });
  } catch (err) {
    // Truncated or garbled bytes: another attempt (or endpoint) may send them whole.
    if (err instanceof MalformedBlock) throw new RpcBadAnswer(endpoint, method, err.message);
    throw err;
  }
  const h = parsed.header;
  if (h.hash !== ref.hash) throw new RpcInconsistent(endpoint, method, ref.hash, ref.number, `the bytes are block ${h.hash}`);
  if (h.parentHash !== ref.parentHash) throw new RpcInconsistent(endpoint, method, ref.hash, ref.number, `parent ${h.parentHash}, expected ${ref.parentHash}`);
  return { ref, txs: parsed.txs };
}
