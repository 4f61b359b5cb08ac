/**
 * Bitcoin Core's `scantxoutset start [addr(<address>), …]`: the unspent outputs paying some
 * addresses, read from the node's UTXO set (no wallet or index needed). Every answer is
 * checked: each output's script must pay one of the addresses asked about (the address is
 * Cordon's own reading of the script, output-address.ts), amounts are whole satoshis, and the
 * creating block's hash is the one at the output's height (Core before 28 gives only the
 * height, and it is looked up).
 *
 * A scan reads the whole UTXO set: minutes on mainnet, whatever the number of addresses, so
 * callers ask about many addresses at once, with a long timeout.
 */
import type { NormalisedAddress } from '../../domain/address.js';
import type { BlockHash } from '../../domain/block.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { RpcBadAnswer, RpcInconsistent, RpcNodeError } from '../rpc/errors.js';
import { fetchHashAt, isObject, readHash, RPC_INVALID_PARAMETER } from './core-rpc.js';
import type { UtxoNetwork } from './networks.js';
import { outputAddress } from './output-address.js';
import type { AddressUnspent } from './utxo-block.js';

const METHOD = 'scantxoutset';
/** Satoshis per coin: Core gives amounts in coins, with 8 decimals. */
const COIN = 100_000_000;

export async function scanUnspent(
  ep: Endpoint,
  network: UtxoNetwork,
  addresses: readonly NormalisedAddress[],
  timeoutMs: number,
): Promise<AddressUnspent[]> {
  if (addresses.length === 0) return [];
  const asked = new Set<string>(addresses);
  const [outcome] = await ep.call([{ method: METHOD, params: ['start', addresses.map((a) => `addr(${a})`)] }], { timeoutMs });
  if (outcome === undefined) throw new RpcBadAnswer(ep.label, METHOD, 'no answer');
  if (!outcome.ok) throw outcome.error;
  const r = outcome.result;
  if (!isObject(r) || !Array.isArray(r['unspents'])) throw new RpcBadAnswer(ep.label, METHOD, 'no list of unspent outputs');
  // `success: false`: the scan was aborted (another client's `abort`); asking again may succeed.
  if (r['success'] !== true) throw new RpcNodeError(ep.label, METHOD, 0, 'the scan did not complete', true);

  const hashAt = new Map<number, BlockHash>();
  const out: AddressUnspent[] = [];
  for (const [i, u] of (r['unspents'] as unknown[]).entries()) {
    const bad = (what: string): RpcBadAnswer => new RpcBadAnswer(ep.label, METHOD, `unspents[${i}]: ${what}`);
    if (!isObject(u)) throw bad('not an object');
    const txid = readHash(ep, METHOD, u['txid'], `unspents[${i}].txid`);
    const { vout, height, amount, scriptPubKey } = u;
    if (typeof vout !== 'number' || !Number.isSafeInteger(vout) || vout < 0) throw bad('vout is not an output index');
    if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0) throw bad('height is not a block height');
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) throw bad('amount is not a number of coins');
    // Division is correctly rounded, so a whole number of satoshis divides back to exactly the
    // double Core's decimal parsed to; anything finer does not.
    const value = Math.round(amount * COIN);
    if (!Number.isSafeInteger(value) || value / COIN !== amount) throw bad(`amount ${amount} is not whole satoshis`);
    if (typeof scriptPubKey !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(scriptPubKey)) throw bad('scriptPubKey is not hex');
    const address = outputAddress(Buffer.from(scriptPubKey, 'hex'), network);
    if (address === null || !asked.has(address)) throw bad(`pays ${address ?? 'no address'}, not an address asked about`);
    let hash = hashAt.get(height);
    if (hash === undefined) {
      const known = await fetchHashAt(ep, BigInt(height));
      // The chain got shorter since the scan (a reorg): scan again.
      if (known === null) throw new RpcNodeError(ep.label, 'getblockhash', RPC_INVALID_PARAMETER, `no block at height ${height}, where unspent ${txid}:${vout} was`, true);
      hashAt.set(height, (hash = known));
    }
    if (u['blockhash'] !== undefined && readHash(ep, METHOD, u['blockhash'], `unspents[${i}].blockhash`) !== hash) {
      throw new RpcInconsistent(ep.label, METHOD, hash, BigInt(height), `unspent ${txid}:${vout} names block ${String(u['blockhash'])}`);
    }
    out.push({ outpoint: { txid, vout }, address, value: BigInt(value), block: { hash, number: BigInt(height) } });
  }
  return out;
}
