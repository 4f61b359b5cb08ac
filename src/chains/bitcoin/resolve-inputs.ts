/**
 * Input addresses (prevouts) of chosen transactions of a block. Two ways, in this order:
 *
 * 1. `getblock <hash> 3`: Bitcoin Core ≥ 25 adds each input's `prevout` (value and script)
 *    from the block's undo data, for the whole block in one call, no index needed. Older Core
 *    answers verbosity 3 like 2 (no `prevout`): then
 * 2. the transactions that created the spent outputs: outputs created earlier in the same block
 *    come from the block itself; the rest from `getrawtransaction <txid>` (batched; needs
 *    `txindex=1`), kept in an LRU cache because wallets spend the same recent transactions'
 *    outputs over and over.
 *
 * Every answer is checked: the verbose block must be this hash with these txids and these
 * outpoints; a raw transaction must hash to the txid asked for.
 */
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { RpcBadAnswer, RpcInconsistent } from '../rpc/errors.js';
import type { Lru } from './lru.js';
import type { UtxoNetwork } from './networks.js';
import { outputAddress } from './output-address.js';
import type { ResolvedInput, UtxoBlock, UtxoOutput, UtxoTx } from './utxo-block.js';

/** The transactions named by `select` (or every one), in block order; throws for a txid not in the block. */
export function txsToResolve(block: UtxoBlock, select: Iterable<string> | 'all'): UtxoTx[] {
  if (select === 'all') return [...block.txs];
  const wanted = new Set(select);
  const out = block.txs.filter((t) => wanted.has(t.txid));
  if (out.length !== wanted.size) {
    const known = new Set(out.map((t) => t.txid));
    const missing = [...wanted].filter((t) => !known.has(t));
    throw new RangeError(`block ${block.ref.hash} has no transaction ${missing.slice(0, 3).join(', ')}`);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Core prints amounts as BTC with 8 decimals; × 1e8 rounded is exact for every amount below 2^53 sat. */
function satoshis(ep: Endpoint, v: unknown): bigint {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 21e6) throw new RpcBadAnswer(ep.label, 'getblock', `prevout value ${JSON.stringify(v)} is not an amount`);
  return BigInt(Math.round(v * 1e8));
}

/**
 * Reads the prevouts of `wanted` out of a `getblock <hash> 3` answer, checked against the
 * block. `no-prevouts` when the node left them out (Core < 25, or no undo data for the block).
 */
export function readVerbosePrevouts(
  ep: Endpoint,
  block: UtxoBlock,
  answer: unknown,
  wanted: readonly UtxoTx[],
  network: UtxoNetwork,
): Map<string, ResolvedInput[]> | 'no-prevouts' {
  const method = 'getblock';
  const hash = block.ref.hash;
  const inconsistent = (reason: string) => new RpcInconsistent(ep.label, method, hash, block.ref.number, reason);
  if (!isObject(answer)) throw new RpcBadAnswer(ep.label, method, 'verbose block is not an object');
  if (answer['hash'] !== hash) throw inconsistent(`answer is for block ${String(answer['hash'])}`);
  const txs = answer['tx'];
  if (!Array.isArray(txs)) throw new RpcBadAnswer(ep.label, method, 'verbose block has no tx array (verbosity 3 not understood?)');
  if (txs.length !== block.txs.length) throw inconsistent(`${txs.length} transactions, the raw block has ${block.txs.length}`);
  const out = new Map<string, ResolvedInput[]>();
  for (const tx of wanted) {
    const v = txs[tx.index] as unknown;
    if (!isObject(v) || v['txid'] !== tx.txid) throw inconsistent(`transaction ${tx.index} is ${isObject(v) ? String(v['txid']) : '?'}, expected ${tx.txid}`);
    if (tx.inputs.length === 0) {
      out.set(tx.txid, []);
      continue;
    }
    const vin = v['vin'];
    if (!Array.isArray(vin) || vin.length !== tx.inputs.length) throw inconsistent(`transaction ${tx.txid} has ${Array.isArray(vin) ? vin.length : '?'} inputs, expected ${tx.inputs.length}`);
    const resolved: ResolvedInput[] = [];
    for (let i = 0; i < vin.length; i++) {
      const input = vin[i] as unknown;
      const outpoint = tx.inputs[i];
      if (!isObject(input) || outpoint === undefined || input['txid'] !== outpoint.txid || input['vout'] !== outpoint.vout) {
        throw inconsistent(`input ${i} of ${tx.txid} does not spend ${outpoint?.txid}:${outpoint?.vout}`);
      }
      const prevout = input['prevout'];
      if (prevout === undefined) return 'no-prevouts';
      if (!isObject(prevout) || !isObject(prevout['scriptPubKey'])) throw new RpcBadAnswer(ep.label, method, `prevout of input ${i} of ${tx.txid} is malformed`);
      const scriptHex = prevout['scriptPubKey']['hex'];
      if (typeof scriptHex !== 'string' || scriptHex.length % 2 !== 0) throw new RpcBadAnswer(ep.label, method, `prevout script of input ${i} of ${tx.txid} is not hex`);
      const script = Buffer.from(scriptHex, 'hex');
      resolved.push({
        outpoint: { txid: outpoint.txid, vout: outpoint.vout },
        value: satoshis(ep, prevout['value']),
        address: script.length === 0 ? null : outputAddress(script, network),
      });
    }
    out.set(tx.txid, resolved);
  }
  return out;
}

/** Outputs of transactions by txid, from wherever the caller gets them (node, cache). */
export type FetchOutputs = (txids: readonly string[]) => Promise<ReadonlyMap<string, readonly UtxoOutput[]>>;

/**
 * Prevouts of `wanted` from the transactions that created them: the block's own first, then the
 * cache, then `fetch` for the rest (each txid once).
 */
export async function resolveFromTransactions(
  endpoint: string,
  block: UtxoBlock,
  wanted: readonly UtxoTx[],
  cache: Lru<string, readonly UtxoOutput[]>,
  fetch: FetchOutputs,
): Promise<Map<string, ResolvedInput[]>> {
  // Outputs of the spent transactions, by txid: created earlier in this block (consensus
  // forbids later), cached, or fetched now.
  const known = new Map<string, readonly UtxoOutput[]>();
  const needed = new Set<string>();
  let next = 0;
  for (const tx of wanted) {
    while (next < tx.index) {
      const earlier = block.txs[next++];
      if (earlier !== undefined) known.set(earlier.txid, earlier.outputs);
    }
    for (const o of tx.inputs) {
      const txid = o.txid;
      if (known.has(txid) || needed.has(txid)) continue;
      const cached = cache.get(txid);
      if (cached === undefined) needed.add(txid);
      else known.set(txid, cached);
    }
  }
  if (needed.size > 0) {
    for (const [txid, outputs] of await fetch([...needed])) {
      cache.set(txid, outputs);
      known.set(txid, outputs);
    }
  }

  const out = new Map<string, ResolvedInput[]>();
  for (const tx of wanted) {
    const resolved: ResolvedInput[] = [];
    for (const o of tx.inputs) {
      const txid = o.txid;
      const outputs = known.get(txid);
      if (outputs === undefined) throw new Error(`prevout transaction ${txid} of ${tx.txid} was not fetched`);
      const spent = outputs[o.vout];
      if (spent === undefined) {
        throw new RpcInconsistent(endpoint, 'getrawtransaction', block.ref.hash, block.ref.number, `${tx.txid} spends ${txid}:${o.vout}, which has only ${outputs.length} outputs`);
      }
      resolved.push({ outpoint: { txid, vout: o.vout }, value: spent.value, address: spent.address });
    }
    out.set(tx.txid, resolved);
  }
  return out;
}
