/**
 * A Bitcoin-family chain (Bitcoin, Litecoin, Bitcoin Cash) as a ChainSource, over Bitcoin Core
 * (or a Core-compatible node) through the shared endpoint pool: failover, backoff, rate limits.
 *
 * Calls:
 * - head: `getbestblockhash` + `getblockheader <hash>`.
 * - blockAt(n): `getblockhash n` + `getblockheader <hash> false` (raw: the hash is recomputed).
 * - blockByHash: `getblockheader <hash>` (stale blocks the node knows are found too).
 * - a block's bytes: REST `/rest/block/<hash>.bin` when the node runs with `-rest` (a 404 with
 *   no body means it does not: the endpoint is then read over RPC), else `getblock <hash> 0`.
 *   The header must hash to the block asked for and the txids to its merkle root.
 * - headersInRange: REST `/rest/headers/<hash>.bin?count=n` (up to 2,000 linked headers in one
 *   GET), else batched `getblockhash` + `getblockheader`.
 * - input addresses: see resolve-inputs.ts.
 *
 * Two steps for the extract stage, wrapped by exchangeTransfers (exchange-transfers.ts; the
 * model and the selection are in utxo-transfers.ts):
 *   const utxo = await source.readBlock(ref);            // parse, no prevouts
 *   const txids = selectTxids(utxo, { watched, ownedOutpoints, txids: registered });
 *   const transfers = utxoTransfers(chain, utxo, await source.resolveInputs(utxo, txids));
 * `transfers(ref)` is the same with every transaction selected: complete without any account
 * knowledge, so generic callers stay correct, but it resolves every input of the block (one
 * `getblock 3` on Core ≥ 25; a `getrawtransaction` per spent transaction otherwise).
 */
import type { ChainSource } from '../chain-source.js';
import type { NormalisedAddress } from '../../domain/address.js';
import type { BlockHash, BlockRef } from '../../domain/block.js';
import type { Transfer } from '../../domain/transfer.js';
import type { Logger } from '../../log/logger.js';
import { createEndpointPool, type Endpoint, type EndpointPool, type EndpointStats } from '../rpc/endpoint-pool.js';
import { RpcBadAnswer, RpcInconsistent, RpcNodeError } from '../rpc/errors.js';
import { coreRest, coreTransport, type CoreRest } from './core-http.js';
import { scanUnspent } from './core-scan-unspent.js';
import {
  fetchBlockWithPrevouts,
  fetchHashAt,
  fetchHead,
  fetchHeaderByHash,
  fetchRawBlockRpc,
  fetchRawHeader,
  fetchRawTransactions,
  hasCode,
  RPC_NOT_FOUND,
} from './core-rpc.js';
import { ExpiringSet } from '../rpc/expiring-set.js';
import { BlockUnavailable, InputsUnresolvable, MalformedBlock } from './errors.js';
import { Lru } from './lru.js';
import { utxoNetwork, type UtxoFamily, type UtxoNetwork, type UtxoNetworkName } from './networks.js';
import { checkedBlock } from './checked-block.js';
import { coreNetworkProbe } from './check-network.js';
import { parseHeader, parseTransaction } from './parse-block.js';
import { readVerbosePrevouts, resolveFromTransactions, txsToResolve } from './resolve-inputs.js';
import type { AddressUnspent, ResolvedInput, ResolvedInputs, UtxoBlock, UtxoOutput, UtxoTx } from './utxo-block.js';
import { utxoTransfers } from './utxo-transfers.js';
import { withExchangePath } from './exchange-path.js';

export interface BitcoinEndpointConfig {
  /** JSON-RPC URL, e.g. `http://bitcoind:8332` (credentials in it, or from the environment: core-auth.ts). */
  readonly url: string;
  readonly maxRps?: number;
}

export interface BitcoinChainSourceOptions {
  readonly chain: string;
  readonly family: UtxoFamily;
  readonly network: UtxoNetworkName;
  readonly endpoints: readonly BitcoinEndpointConfig[];
  readonly log: Logger;
  /** Where RPC credentials are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Use the REST interface where the node offers it (default true). */
  readonly rest?: boolean;
  /** Per HTTP request (default 30,000 ms: a verbose block with prevouts is tens of MB). */
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  /** Transactions whose outputs are kept for prevout lookups (default 20,000). */
  readonly prevoutCacheTxs?: number;
  /** For `unspentOutputs`: a scan of the UTXO set takes minutes on mainnet (default 30 minutes). */
  readonly scanTimeoutMs?: number;
  /** How long an endpoint on the wrong chain is refused before it is asked again (default 30,000 ms). */
  readonly recheckRefusedMs?: number;
  /** How long a capability found missing (txindex, prevouts) is believed so before it is probed again (default 10 minutes). */
  readonly recheckCapabilitiesMs?: number;
}

export interface BitcoinChainSource extends ChainSource {
  readonly family: UtxoFamily;
  readonly network: UtxoNetwork;
  /** Step 1: the block's transactions (txids, outpoints spent, outputs with addresses); no prevouts. */
  readBlock(block: BlockRef): Promise<UtxoBlock>;
  /**
   * Step 2: the prevouts (address and value of each input) of these transactions of the block
   * (or all). Every named txid gets an entry; the coinbase's is empty. Throws InputsUnresolvable
   * when no endpoint can give them.
   */
  resolveInputs(block: UtxoBlock, txids: Iterable<string> | 'all'): Promise<ResolvedInputs>;
  /** Canonical headers from..to (stops early at the head), linked by parent hash. */
  headersInRange(from: bigint, to: bigint): Promise<BlockRef[]>;
  /**
   * The confirmed unspent outputs paying these addresses now, with the blocks that created
   * them: to seed the exchange's outputs from before the chain's start block. Slow (Core scans
   * its whole UTXO set once per call; Esplora is asked per address): ask about many at once.
   */
  unspentOutputs(addresses: readonly NormalisedAddress[]): Promise<AddressUnspent[]>;
  identifyEndpoints(): Promise<void>;
  endpointStats(): EndpointStats[];
  prevoutCacheStats(): { readonly size: number; readonly hits: number; readonly misses: number };
}

/** What an endpoint turned out not to offer. */
interface EndpointTraits {
  readonly rest: CoreRest;
  restBlocks: boolean;
  restHeaders: 'query' | 'path' | 'off';
  /**
   * Found missing, each forgotten after CAPABILITY_RECHECK_MS so a node restarted with
   * txindex, or upgraded, is probed again: `prevouts` (`getblock <hash> 3` came back without
   * them: Core < 25), `txindex` (`getrawtransaction` answered "Use -txindex").
   */
  readonly missing: ExpiringSet;
}

const MAX_REST_HEADERS = 2000;

/** Type guard for the extract stage: a source with the two-step UTXO interface. */
export function isBitcoinChainSource(source: ChainSource): source is BitcoinChainSource {
  const s = source as Partial<BitcoinChainSource>;
  return typeof s.readBlock === 'function' && typeof s.resolveInputs === 'function';
}

export function createBitcoinChainSource(opts: BitcoinChainSourceOptions): BitcoinChainSource {
  const { chain, log } = opts;
  const network = utxoNetwork(opts.family, opts.network);
  const env = opts.env ?? process.env;
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const useRest = opts.rest ?? true;
  const cache = new Lru<string, readonly UtxoOutput[]>(opts.prevoutCacheTxs ?? 20_000);
  const pool: EndpointPool = createEndpointPool({
    name: chain,
    log,
    timeoutMs,
    maxAttempts: opts.maxAttempts,
    backoffBaseMs: opts.backoffBaseMs,
    endpoints: opts.endpoints.map((e) => ({ url: e.url, maxRps: e.maxRps, transport: coreTransport({ url: e.url, chain, env }) })),
    identify: coreNetworkProbe(chain, opts.family, opts.network),
    recheckRefusedMs: opts.recheckRefusedMs,
  });
  const traits: EndpointTraits[] = opts.endpoints.map((e) => ({
    rest: coreRest(e.url),
    restBlocks: useRest,
    restHeaders: useRest ? 'query' : 'off',
    missing: new ExpiringSet(opts.recheckCapabilitiesMs),
  }));
  const traitsOf = (ep: Endpoint): EndpointTraits => traits[ep.index] as EndpointTraits;

  // ------------------------------------------------------------------ blocks

  /** The raw block, or null if this endpoint does not have it (`pruned` says why, when it is pruning). */
  async function rawBlock(ep: Endpoint, ref: BlockRef, seen: { pruned: boolean }): Promise<{ raw: Buffer; method: string } | null> {
    const t = traitsOf(ep);
    if (t.restBlocks) {
      const got = await t.rest.get(`block/${ref.hash}.bin`, 'rest/block', ep.label, timeoutMs);
      if (got.kind === 'ok') return { raw: got.body, method: 'rest/block' };
      if (got.kind === 'not-found') {
        if (/pruned/i.test(got.text)) seen.pruned = true;
        return null;
      }
      t.restBlocks = false;
      log.info({ chain, endpoint: ep.label }, 'node serves no REST (start it with -rest for faster block reads); reading blocks over RPC');
    }
    const raw = await fetchRawBlockRpc(ep, ref.hash, seen);
    return raw === null ? null : { raw, method: 'getblock' };
  }

  async function readBlockFrom(ep: Endpoint, ref: BlockRef, seen: { pruned: boolean }): Promise<UtxoBlock | null> {
    const got = await rawBlock(ep, ref, seen);
    return got === null ? null : checkedBlock(ep.label, got.method, ref, got.raw, network);
  }

  async function readBlock(ref: BlockRef): Promise<UtxoBlock> {
    const seen = { pruned: false };
    const got = await pool.runUntilKnown(`readBlock #${ref.number} ${ref.hash}`, (ep) => readBlockFrom(ep, ref, seen));
    if (got === null) {
      const why = seen.pruned
        ? 'the nodes have pruned it: read it from a node with more history (a larger -prune, or none)'
        : 'no endpoint knows this hash; it was probably reorged away';
      throw new BlockUnavailable(chain, ref, why, seen.pruned ? { permanent: true, fix: 'serve this chain from a node that keeps the block (a larger -prune, or none)' } : {});
    }
    return got;
  }

  // ------------------------------------------------------------------ prevouts

  /** An endpoint that can resolve nothing: try another that might, else tell the operator. */
  function cannotResolve(ep: Endpoint, block: UtxoBlock, wanted: readonly UtxoTx[], detail: string): Error {
    const other = traits.some((t, i) => i !== ep.index && !(t.missing.has('prevouts') && t.missing.has('txindex')));
    if (other) return new RpcNodeError(ep.label, 'getrawtransaction', RPC_NOT_FOUND, `${detail}; trying another endpoint`, true);
    return new InputsUnresolvable(chain, block.ref.hash, wanted.map((t) => t.txid), detail);
  }

  async function outputsOf(ep: Endpoint, txids: readonly string[], block: UtxoBlock, wanted: readonly UtxoTx[]): Promise<Map<string, readonly UtxoOutput[]>> {
    const answers = await fetchRawTransactions(ep, txids);
    const out = new Map<string, readonly UtxoOutput[]>();
    for (const [txid, a] of answers) {
      if (!a.ok) {
        if (hasCode(a.error, RPC_NOT_FOUND) && /txindex/i.test(a.error.rpcMessage)) {
          traitsOf(ep).missing.add('txindex');
          log.warn({ chain, endpoint: ep.label }, 'node has no txindex: getrawtransaction cannot find confirmed transactions');
          throw cannotResolve(ep, block, wanted, `${ep.label} gives no prevouts with getblock verbosity 3 and has no txindex ("${a.error.rpcMessage}")`);
        }
        if (hasCode(a.error, RPC_NOT_FOUND)) {
          // With txindex on, a spent transaction must exist: the index is still building, or the node is wrong.
          throw new RpcNodeError(ep.label, 'getrawtransaction', a.error.code, `${a.error.rpcMessage} (prevout ${txid} of block ${block.ref.hash})`, true);
        }
        throw a.error;
      }
      let tx: UtxoTx;
      try {
        tx = parseTransaction(a.raw, network, `transaction ${txid} from ${ep.label}`);
      } catch (err) {
        if (err instanceof MalformedBlock) throw new RpcBadAnswer(ep.label, 'getrawtransaction', err.message);
        throw err;
      }
      if (tx.txid !== txid) throw new RpcInconsistent(ep.label, 'getrawtransaction', block.ref.hash, block.ref.number, `asked for ${txid}, the bytes hash to ${tx.txid}`);
      out.set(txid, tx.outputs);
    }
    return out;
  }

  async function resolveOn(ep: Endpoint, block: UtxoBlock, wanted: readonly UtxoTx[]): Promise<Map<string, ResolvedInput[]> | null> {
    const t = traitsOf(ep);
    if (!t.missing.has('prevouts')) {
      const answer = await fetchBlockWithPrevouts(ep, block.ref.hash);
      if (answer === null) return null;
      const got = readVerbosePrevouts(ep, block, answer, wanted, network);
      if (got !== 'no-prevouts') return got;
      t.missing.add('prevouts');
      log.info({ chain, endpoint: ep.label }, 'getblock verbosity 3 gives no prevouts here (Bitcoin Core < 25); resolving inputs with getrawtransaction');
    }
    if (t.missing.has('txindex')) throw cannotResolve(ep, block, wanted, `${ep.label} gives no prevouts with getblock verbosity 3 and has no txindex`);
    return resolveFromTransactions(ep.label, block, wanted, cache, (txids) => outputsOf(ep, txids, block, wanted));
  }

  async function resolveInputs(block: UtxoBlock, select: Iterable<string> | 'all'): Promise<ResolvedInputs> {
    const wanted = txsToResolve(block, select);
    const result = new Map<string, readonly ResolvedInput[]>();
    const spending = wanted.filter((tx) => tx.inputs.length > 0);
    for (const tx of wanted) if (tx.inputs.length === 0) result.set(tx.txid, []);
    if (spending.length === 0) return result;
    const got = await pool.runUntilKnown(`resolveInputs #${block.ref.number} ${block.ref.hash} (${spending.length} txs)`, (ep) => resolveOn(ep, block, spending));
    if (got === null) throw new BlockUnavailable(chain, block.ref, 'no endpoint knows this hash any more; it was probably reorged away');
    for (const [txid, inputs] of got) result.set(txid, inputs);
    return result;
  }

  // ------------------------------------------------------------------ headers

  async function restHeaders(ep: Endpoint, start: BlockHash, count: number): Promise<Buffer | null> {
    const t = traitsOf(ep);
    while (t.restHeaders !== 'off') {
      const path = t.restHeaders === 'query' ? `headers/${start}.bin?count=${count}` : `headers/${count}/${start}.bin`;
      try {
        const got = await t.rest.get(path, 'rest/headers', ep.label, timeoutMs);
        if (got.kind === 'ok') return got.body;
        if (got.kind === 'not-found') return null;
        t.restHeaders = 'off';
      } catch (err) {
        // Core < 24 knows only /rest/headers/<count>/<hash>: it answers the new form with 400.
        if (!(err instanceof RpcNodeError && err.code === 400 && t.restHeaders === 'query')) throw err;
        t.restHeaders = 'path';
      }
    }
    return null;
  }

  async function headersFrom(ep: Endpoint, from: bigint, to: bigint): Promise<BlockRef[] | null> {
    const first = await fetchHashAt(ep, from);
    if (first === null) return null;
    const count = Number(to - from + 1n < BigInt(MAX_REST_HEADERS) ? to - from + 1n : BigInt(MAX_REST_HEADERS));
    const out: BlockRef[] = [];
    const bytes = await restHeaders(ep, first, count);
    if (bytes !== null) {
      // Core lists headers along its active chain from `first`: none means `first` just left it.
      if (bytes.length === 0) throw new RpcNodeError(ep.label, 'rest/headers', RPC_NOT_FOUND, `block ${first} (#${from}) left the active chain while reading; asking again`, true);
      if (bytes.length % 80 !== 0 || bytes.length > count * 80) throw new RpcBadAnswer(ep.label, 'rest/headers', `${bytes.length} bytes is not up to ${count} headers`);
      for (let i = 0; i * 80 < bytes.length; i++) {
        const h = parseHeader(bytes, i * 80);
        const number = from + BigInt(i);
        const prev = out[i - 1];
        if (i === 0 && h.hash !== first) throw new RpcInconsistent(ep.label, 'rest/headers', first, from, `first header is ${h.hash}`);
        if (prev !== undefined && h.parentHash !== prev.hash) throw new RpcInconsistent(ep.label, 'rest/headers', h.hash, number, `parent ${h.parentHash} is not #${prev.number} ${prev.hash}`);
        out.push({ number, hash: h.hash, parentHash: h.parentHash, timestamp: h.timestamp });
      }
      return out;
    }
    // Over RPC: hashes, then raw headers, each as one batch.
    const numbers: bigint[] = [];
    for (let n = from; n < from + BigInt(count); n++) numbers.push(n);
    const hashOutcomes = await ep.call(numbers.map((n) => ({ method: 'getblockhash', params: [Number(n)] })));
    const hashes: BlockHash[] = [];
    for (const o of hashOutcomes) {
      if (!o.ok) {
        if (hasCode(o.error, -8)) break; // above the head
        throw o.error;
      }
      if (typeof o.result !== 'string' || !/^[0-9a-f]{64}$/.test(o.result)) throw new RpcBadAnswer(ep.label, 'getblockhash', 'not a block hash');
      hashes.push(o.result as BlockHash);
    }
    const headers = await ep.results(hashes.map((h) => ({ method: 'getblockheader', params: [h, false] })));
    headers.forEach((hex, i) => {
      const hash = hashes[i] as BlockHash;
      const number = from + BigInt(i);
      if (typeof hex !== 'string' || hex.length !== 160) throw new RpcBadAnswer(ep.label, 'getblockheader', 'raw header is not 80 bytes of hex');
      const h = parseHeader(Buffer.from(hex, 'hex'));
      if (h.hash !== hash) throw new RpcInconsistent(ep.label, 'getblockheader', hash, number, `raw header hashes to ${h.hash}`);
      const prev = out[i - 1];
      // A reorg between the two batches: the pool asks again.
      if (prev !== undefined && h.parentHash !== prev.hash) throw new RpcInconsistent(ep.label, 'getblockheader', hash, number, `parent ${h.parentHash} is not #${prev.number} ${prev.hash}`);
      out.push({ number, hash, parentHash: h.parentHash, timestamp: h.timestamp });
    });
    return out;
  }

  async function headersInRange(from: bigint, to: bigint): Promise<BlockRef[]> {
    const out: BlockRef[] = [];
    for (let start = from; start <= to; ) {
      const requested = Math.min(MAX_REST_HEADERS, Number(to - start + 1n));
      const got = await pool.runUntilKnown(`headersInRange #${start}-#${to}`, (ep) => headersFrom(ep, start, to));
      if (got === null || got.length === 0) break;
      const prev = out.at(-1);
      const first = got[0] as BlockRef;
      if (prev !== undefined && first.parentHash !== prev.hash) {
        throw new RpcInconsistent(chain, 'headersInRange', first.hash, first.number, 'the chain reorganised during the read; read the range again');
      }
      out.push(...got);
      start += BigInt(got.length);
      if (got.length < requested) break; // reached the head
    }
    return out;
  }

  // ------------------------------------------------------------------ the source

  return withExchangePath({
    chain,
    family: opts.family,
    network,
    async head() {
      return pool.run('head', (ep) => fetchHead(ep));
    },
    async blockAt(number: bigint) {
      return pool.runUntilKnown(`blockAt #${number}`, async (ep) => {
        const hash = await fetchHashAt(ep, number);
        if (hash === null) return null;
        const ref = await fetchRawHeader(ep, hash, number);
        if (ref === null) {
          throw new RpcNodeError(ep.label, 'getblockheader', RPC_NOT_FOUND, `block ${hash} (#${number}) vanished between getblockhash and getblockheader; asking again`, true);
        }
        return ref;
      });
    },
    async blockByHash(hash: BlockHash) {
      return pool.runUntilKnown(`blockByHash ${hash}`, (ep) => fetchHeaderByHash(ep, hash));
    },
    readBlock,
    resolveInputs,
    async transfers(block: BlockRef): Promise<Transfer[]> {
      const utxo = await readBlock(block);
      return utxoTransfers(chain, utxo, await resolveInputs(utxo, 'all'));
    },
    headersInRange,
    identifyEndpoints: () => pool.identifyAll(),
    unspentOutputs: (addresses) => pool.run(`unspentOutputs (${addresses.length} addresses)`, (ep) => scanUnspent(ep, network, addresses, opts.scanTimeoutMs ?? 30 * 60_000)),
    endpointStats: () => pool.stats(),
    prevoutCacheStats: () => ({ size: cache.size, hits: cache.hits, misses: cache.misses }),
    close: () => pool.close(),
  });
}

