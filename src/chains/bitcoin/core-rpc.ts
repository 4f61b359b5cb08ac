/**
 * The Bitcoin Core JSON-RPC calls Cordon makes, one function each, every answer checked
 * against what was asked (hashes recomputed from raw headers and transactions, heights and
 * hashes compared). "Not known" is null; Core's codes decide which: -5 (RPC_INVALID_ADDRESS_OR_KEY:
 * block / transaction not found) and -8 (RPC_INVALID_PARAMETER: height out of range).
 */
import { blockHash, type BlockHash, type BlockRef } from '../../domain/block.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';
import { RpcBadAnswer, RpcError, RpcInconsistent, RpcNodeError } from '../rpc/errors.js';
import { parseHeader } from './parse-block.js';

/** RPC_INVALID_ADDRESS_OR_KEY: "Block not found", "No such mempool or blockchain transaction". */
export const RPC_NOT_FOUND = -5;
/** RPC_INVALID_PARAMETER: "Block height out of range". */
export const RPC_INVALID_PARAMETER = -8;
/** RPC_IN_WARMUP: "Loading block index…", "Verifying blocks…". */
export const RPC_IN_WARMUP = -28;
/** RPC_MISC_ERROR: e.g. "Block not available (pruned data)". */
export const RPC_MISC_ERROR = -1;

export function hasCode(err: unknown, code: number): err is RpcNodeError {
  return err instanceof RpcNodeError && err.code === code;
}

/** Core while starting answers -28 for a minute or more: worth waiting for, unlike other codes. */
function retryableWarmup(err: RpcError): RpcError {
  if (hasCode(err, RPC_IN_WARMUP) && !err.retryable) return new RpcNodeError(err.endpoint, err.method, err.code, err.rpcMessage, true);
  return err;
}

/** One call: its result, or null for the listed "not known" codes, or a thrown RpcError. */
export async function callOne(ep: Endpoint, method: string, params: readonly unknown[], notKnown: readonly number[] = []): Promise<unknown> {
  const [outcome] = await ep.call([{ method, params }]);
  if (outcome === undefined) throw new RpcBadAnswer(ep.label, method, 'no answer');
  if (outcome.ok) return outcome.result;
  if (notKnown.some((c) => hasCode(outcome.error, c))) return null;
  throw retryableWarmup(outcome.error);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HASH = /^[0-9a-f]{64}$/;

export function readHash(ep: Endpoint, method: string, v: unknown, what = 'hash'): BlockHash {
  if (typeof v !== 'string' || !HASH.test(v)) throw new RpcBadAnswer(ep.label, method, `${what} is not 64 lower-case hex digits: ${JSON.stringify(v)?.slice(0, 80)}`);
  return v as BlockHash;
}

function readHeight(ep: Endpoint, method: string, v: unknown): bigint {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new RpcBadAnswer(ep.label, method, `height is not a non-negative integer: ${JSON.stringify(v)}`);
  return BigInt(v);
}

const GENESIS_PARENT = blockHash('0'.repeat(64));

/** `getblockheader <hash> true` → a BlockRef, or null if the node does not know the hash. */
export async function fetchHeaderByHash(ep: Endpoint, hash: BlockHash): Promise<BlockRef | null> {
  const method = 'getblockheader';
  const r = await callOne(ep, method, [hash, true], [RPC_NOT_FOUND]);
  if (r === null) return null;
  if (!isObject(r)) throw new RpcBadAnswer(ep.label, method, 'header is not an object');
  const got = readHash(ep, method, r['hash']);
  if (got !== hash) throw new RpcInconsistent(ep.label, method, hash, undefined, `answer is for block ${got}`);
  const number = readHeight(ep, method, r['height']);
  const parentHash = r['previousblockhash'] === undefined && number === 0n ? GENESIS_PARENT : readHash(ep, method, r['previousblockhash'], 'previousblockhash');
  const time = r['time'];
  if (typeof time !== 'number' || !Number.isSafeInteger(time)) throw new RpcBadAnswer(ep.label, method, 'time is not an integer');
  return { number, hash, parentHash, timestamp: time };
}

/** `getblockhash <n>`, or null above the node's head (-8 "Block height out of range"). */
export async function fetchHashAt(ep: Endpoint, number: bigint): Promise<BlockHash | null> {
  const r = await callOne(ep, 'getblockhash', [Number(number)], [RPC_INVALID_PARAMETER]);
  return r === null ? null : readHash(ep, 'getblockhash', r);
}

/**
 * `getblockheader <hash> false`: the raw 80 bytes, hashed here, so the parent and time are
 * those of exactly this hash. Null if the node does not know the hash.
 */
export async function fetchRawHeader(ep: Endpoint, hash: BlockHash, number: bigint): Promise<BlockRef | null> {
  const method = 'getblockheader';
  const r = await callOne(ep, method, [hash, false], [RPC_NOT_FOUND]);
  if (r === null) return null;
  if (typeof r !== 'string' || r.length !== 160 || !/^[0-9a-f]+$/.test(r)) throw new RpcBadAnswer(ep.label, method, 'raw header is not 80 bytes of hex');
  const header = parseHeader(Buffer.from(r, 'hex'));
  if (header.hash !== hash) throw new RpcInconsistent(ep.label, method, hash, number, `raw header hashes to ${header.hash}`);
  return { number, hash, parentHash: header.parentHash, timestamp: header.timestamp };
}

/** The head: `getbestblockhash`, then its header. */
export async function fetchHead(ep: Endpoint): Promise<BlockRef> {
  const best = readHash(ep, 'getbestblockhash', await callOne(ep, 'getbestblockhash', []));
  const ref = await fetchHeaderByHash(ep, best);
  // The best block cannot be unknown a moment later on the same node, unless it restarted.
  if (ref === null) throw new RpcNodeError(ep.label, 'getblockheader', RPC_NOT_FOUND, `best block ${best} not found right after getbestblockhash`, true);
  return ref;
}

/**
 * `getblock <hash> 0`: the raw block, or null if the node does not know it or has pruned it
 * (-1 "Block not available (pruned data)": another endpoint may still have it).
 */
export async function fetchRawBlockRpc(ep: Endpoint, hash: BlockHash, seen?: { pruned: boolean }): Promise<Buffer | null> {
  const method = 'getblock';
  const [outcome] = await ep.call([{ method, params: [hash, 0] }]);
  if (outcome === undefined) throw new RpcBadAnswer(ep.label, method, 'no answer');
  if (!outcome.ok) {
    if (hasCode(outcome.error, RPC_NOT_FOUND)) return null;
    if (hasCode(outcome.error, RPC_MISC_ERROR) && /pruned/i.test(outcome.error.rpcMessage)) {
      if (seen !== undefined) seen.pruned = true;
      return null;
    }
    throw retryableWarmup(outcome.error);
  }
  const r = outcome.result;
  if (typeof r !== 'string' || r.length % 2 !== 0 || r.length < 162) throw new RpcBadAnswer(ep.label, method, 'raw block is not hex');
  const raw = Buffer.from(r, 'hex');
  if (raw.length * 2 !== r.length) throw new RpcBadAnswer(ep.label, method, 'raw block is not hex');
  return raw;
}

/** `getblock <hash> 3` (verbose, with prevouts on Core ≥ 25), unvalidated; null if unknown or pruned. */
export async function fetchBlockWithPrevouts(ep: Endpoint, hash: BlockHash): Promise<unknown> {
  return callOne(ep, 'getblock', [hash, 3], [RPC_NOT_FOUND, RPC_MISC_ERROR]);
}

/** Per requested txid: the raw transaction, or the node's error (left to the caller to judge). */
export type RawTxOutcome = { readonly ok: true; readonly raw: Buffer } | { readonly ok: false; readonly error: RpcError };

/** `getrawtransaction <txid> false` for each txid, batched (needs txindex for confirmed ones). */
export async function fetchRawTransactions(ep: Endpoint, txids: readonly string[]): Promise<Map<string, RawTxOutcome>> {
  const method = 'getrawtransaction';
  const outcomes = await ep.call(txids.map((t) => ({ method, params: [t, false] })));
  const out = new Map<string, RawTxOutcome>();
  txids.forEach((txid, i) => {
    const o = outcomes[i];
    if (o === undefined) throw new RpcBadAnswer(ep.label, method, `no answer for ${txid}`);
    if (!o.ok) {
      out.set(txid, { ok: false, error: retryableWarmup(o.error) });
      return;
    }
    const r = o.result;
    if (typeof r !== 'string' || r.length % 2 !== 0 || !/^[0-9a-f]*$/.test(r)) throw new RpcBadAnswer(ep.label, method, `transaction ${txid} is not hex`);
    out.set(txid, { ok: true, raw: Buffer.from(r, 'hex') });
  });
  return out;
}

/**
 * The node's chain, in one batch: `getblockchaininfo` (its `chain` name) and `getblockhash 0`
 * (the genesis), plus `getblockhash <splitHeight>` when asked (null below that height).
 */
export async function fetchChainIdentity(
  ep: Endpoint,
  splitHeight?: number,
): Promise<{ readonly chainName: string; readonly genesis: BlockHash; readonly splitBlock?: BlockHash | null }> {
  const calls = [
    { method: 'getblockchaininfo', params: [] },
    { method: 'getblockhash', params: [0] },
    ...(splitHeight === undefined ? [] : [{ method: 'getblockhash', params: [splitHeight] }]),
  ];
  const [info, genesis, split] = await ep.call(calls);
  if (info === undefined || genesis === undefined) throw new RpcBadAnswer(ep.label, 'getblockchaininfo+getblockhash', 'no answer');
  if (!info.ok) throw retryableWarmup(info.error);
  if (!genesis.ok) throw retryableWarmup(genesis.error);
  const chainName = isObject(info.result) ? info.result['chain'] : undefined;
  if (typeof chainName !== 'string' || chainName === '') throw new RpcBadAnswer(ep.label, 'getblockchaininfo', 'no chain name');
  const out = { chainName, genesis: readHash(ep, 'getblockhash', genesis.result, 'genesis hash') };
  if (split === undefined) return out;
  if (!split.ok) {
    if (hasCode(split.error, RPC_INVALID_PARAMETER)) return { ...out, splitBlock: null };
    throw retryableWarmup(split.error);
  }
  return { ...out, splitBlock: readHash(ep, 'getblockhash', split.result) };
}
