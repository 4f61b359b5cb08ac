/**
 * A Bitcoin-family chain over Esplora's HTTP API (blockstream/electrs, mempool.space), as the
 * same BitcoinChainSource as the Bitcoin Core one: for an exchange without its own node, or as
 * a second opinion beside it. Same endpoint pool (failover, backoff, 429 + Retry-After).
 *
 * Calls (base URL e.g. `https://blockstream.info/api`):
 * - head: `GET /blocks/tip/hash`, then the block's JSON;
 * - blockAt(n): `GET /block-height/n`, then `GET /block/<hash>/header` (raw: the hash is
 *   recomputed); blockByHash: `GET /block/<hash>`;
 * - a block's bytes: `GET /block/<hash>/raw`, checked like Core's (checked-block.ts);
 * - prevouts: `GET /block/<hash>/txs/<start>` pages (25 transactions, each input with its
 *   `prevout`), only the pages holding a wanted transaction; checked against the raw block;
 * - unspentOutputs: `GET /address/<address>/utxo`, one address at a time.
 * Esplora has no bulk headers: headersInRange reads block by block.
 */
import type { NormalisedAddress } from '../../domain/address.js';
import type { BlockHash, BlockRef } from '../../domain/block.js';
import { blockHash } from '../../domain/block.js';
import type { Transfer } from '../../domain/transfer.js';
import type { Logger } from '../../log/logger.js';
import { createEndpointPool, type Endpoint, type EndpointPool } from '../rpc/endpoint-pool.js';
import { RpcBadAnswer, RpcInconsistent, RpcNodeError, RpcRateLimited, RpcTimeout, RpcTransportError } from '../rpc/errors.js';
import { HttpTimeout, httpGet } from '../../net/http-request.js';
import { retryAfterMs } from '../rpc/retry-after.js';
import { transportError, type RpcTransport } from '../rpc/transport.js';
import type { BitcoinChainSource, BitcoinEndpointConfig } from './bitcoin-source.js';
import { ChainMismatch } from '../rpc/chain-identity.js';
import { BCH_SPLIT, compareNetwork, needsSplitBlock } from './check-network.js';
import { checkedBlock } from './checked-block.js';
import { BlockUnavailable } from './errors.js';
import { utxoNetwork, type UtxoFamily, type UtxoNetworkName } from './networks.js';
import { outputAddress } from './output-address.js';
import { parseHeader } from './parse-block.js';
import { txsToResolve } from './resolve-inputs.js';
import type { AddressUnspent, ResolvedInput, ResolvedInputs, UtxoBlock, UtxoTx } from './utxo-block.js';
import { utxoTransfers } from './utxo-transfers.js';
import { withExchangePath } from './exchange-path.js';

export interface EsploraChainSourceOptions {
  readonly chain: string;
  readonly family: UtxoFamily;
  readonly network: UtxoNetworkName;
  /** Esplora API base URLs, e.g. `https://blockstream.info/api`. */
  readonly endpoints: readonly BitcoinEndpointConfig[];
  readonly log: Logger;
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  /** Transaction pages fetched at once when resolving inputs (default 4). */
  readonly pageConcurrency?: number;
  /** How long an endpoint on the wrong chain is refused before it is asked again (default 30,000 ms). */
  readonly recheckRefusedMs?: number;
}

/** Esplora's page size for `/block/<hash>/txs/<start>`. */
const PAGE = 25;

/** The pool wants a JSON-RPC transport per endpoint; Esplora has none, and nothing here uses it. */
const NO_RPC: RpcTransport = {
  send: () => Promise.reject(new Error('Esplora speaks no JSON-RPC')),
  close: async () => {},
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function createEsploraChainSource(opts: EsploraChainSourceOptions): BitcoinChainSource {
  const { chain, log } = opts;
  const network = utxoNetwork(opts.family, opts.network);
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const pageConcurrency = Math.max(1, opts.pageConcurrency ?? 4);
  const bases = opts.endpoints.map((e) => e.url.replace(/\/+$/, ''));
  const pool: EndpointPool = createEndpointPool({
    name: chain,
    log,
    timeoutMs,
    maxAttempts: opts.maxAttempts,
    backoffBaseMs: opts.backoffBaseMs,
    endpoints: opts.endpoints.map((e) => ({ url: e.url, maxRps: e.maxRps, transport: NO_RPC })),
    identify,
    recheckRefusedMs: opts.recheckRefusedMs,
  });

  /**
   * The pool's identity probe. Esplora names no chain: the genesis tells (and on mainnet the
   * block after the Bitcoin Cash split, which shares Bitcoin's genesis); check-network.ts.
   */
  async function identify(ep: Endpoint): Promise<void> {
    const genesis = await getHash(ep, 'block-height/0');
    if (genesis === null) throw new RpcBadAnswer(ep.label, 'GET /block-height/:n', 'no genesis block (404 for height 0)');
    const splitBlock = needsSplitBlock(opts.family, opts.network) ? await getHash(ep, `block-height/${BCH_SPLIT.height}`) : undefined;
    const mismatch = compareNetwork(opts.family, opts.network, { genesis, ...(splitBlock === undefined ? {} : { splitBlock }) });
    if (mismatch !== null) throw new ChainMismatch(chain, ep.label, 'GET /block-height/0', mismatch);
  }

  /** One GET: the body, or null for 404 (Esplora's "not found"); other failures as RpcErrors. */
  async function get(ep: Endpoint, path: string): Promise<Buffer | null> {
    const label = `GET /${path.replace(/[0-9a-f]{64}/g, ':hash').replace(/\/\d+$/, '/:n')}`;
    let answer;
    try {
      answer = await httpGet(`${bases[ep.index] as string}/${path}`, timeoutMs);
    } catch (err) {
      if (err instanceof HttpTimeout) throw new RpcTimeout(ep.label, label, err.timeoutMs);
      throw transportError(err, ep.label, label);
    }
    if (answer.status === 200) return answer.body;
    if (answer.status === 404) return null;
    const text = answer.body.toString('utf8').slice(0, 200).trim();
    if (answer.status === 429) throw new RpcRateLimited(ep.label, label, `HTTP 429${text === '' ? '' : ` ${text}`}`, retryAfterMs(answer.headers));
    if (answer.status === 400) throw new RpcNodeError(ep.label, label, 400, text, false);
    throw new RpcTransportError(ep.label, label, `HTTP ${answer.status}${text === '' ? '' : `: ${text}`}`, answer.status);
  }

  async function getJson(ep: Endpoint, path: string): Promise<unknown> {
    const body = await get(ep, path);
    if (body === null) return null;
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      throw new RpcBadAnswer(ep.label, `GET /${path}`, 'not JSON');
    }
  }

  async function getHash(ep: Endpoint, path: string): Promise<BlockHash | null> {
    const body = await get(ep, path);
    if (body === null) return null;
    const text = body.toString('utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new RpcBadAnswer(ep.label, `GET /${path}`, `not a block hash: ${text.slice(0, 80)}`);
    return text as BlockHash;
  }

  async function blockByHashOn(ep: Endpoint, hash: BlockHash): Promise<BlockRef | null> {
    const j = await getJson(ep, `block/${hash}`);
    if (j === null) return null;
    const method = 'GET /block/:hash';
    if (!isObject(j) || j['id'] !== hash) throw new RpcInconsistent(ep.label, method, hash, undefined, `answer is for ${isObject(j) ? String(j['id']) : '?'}`);
    const height = j['height'];
    const timestamp = j['timestamp'];
    const prev = j['previousblockhash'];
    if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0) throw new RpcBadAnswer(ep.label, method, 'height is not an integer');
    if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) throw new RpcBadAnswer(ep.label, method, 'timestamp is not an integer');
    const parentHash = prev === null || prev === undefined ? (height === 0 ? blockHash('0'.repeat(64)) : undefined) : typeof prev === 'string' ? blockHash(prev) : undefined;
    if (parentHash === undefined) throw new RpcBadAnswer(ep.label, method, 'previousblockhash is missing');
    return { number: BigInt(height), hash, parentHash, timestamp };
  }

  async function blockAtOn(ep: Endpoint, number: bigint): Promise<BlockRef | null> {
    const hash = await getHash(ep, `block-height/${number}`);
    if (hash === null) return null;
    const hex = await get(ep, `block/${hash}/header`);
    if (hex === null) throw new RpcNodeError(ep.label, 'GET /block/:hash/header', 404, `block ${hash} (#${number}) vanished; asking again`, true);
    const text = hex.toString('utf8').trim();
    if (!/^[0-9a-f]{160}$/.test(text)) throw new RpcBadAnswer(ep.label, 'GET /block/:hash/header', 'not an 80-byte header in hex');
    const h = parseHeader(Buffer.from(text, 'hex'));
    if (h.hash !== hash) throw new RpcInconsistent(ep.label, 'GET /block/:hash/header', hash, number, `header hashes to ${h.hash}`);
    return { number, hash, parentHash: h.parentHash, timestamp: h.timestamp };
  }

  async function readBlock(ref: BlockRef): Promise<UtxoBlock> {
    const got = await pool.runUntilKnown(`readBlock #${ref.number} ${ref.hash}`, async (ep) => {
      const raw = await get(ep, `block/${ref.hash}/raw`);
      return raw === null ? null : checkedBlock(ep.label, 'GET /block/:hash/raw', ref, raw, network);
    });
    if (got === null) throw new BlockUnavailable(chain, ref, 'no endpoint knows this hash; it was probably reorged away');
    return got;
  }

  /** Prevouts of the wanted transactions on one page, checked against the raw block. */
  function readPage(ep: Endpoint, block: UtxoBlock, start: number, page: unknown, wanted: ReadonlySet<number>, out: Map<string, ResolvedInput[]>): void {
    const method = 'GET /block/:hash/txs/:start';
    const inconsistent = (reason: string) => new RpcInconsistent(ep.label, method, block.ref.hash, block.ref.number, reason);
    if (!Array.isArray(page)) throw new RpcBadAnswer(ep.label, method, 'page is not an array');
    const expected = Math.min(PAGE, block.txs.length - start);
    if (page.length !== expected) throw inconsistent(`page at ${start} has ${page.length} transactions, expected ${expected}`);
    page.forEach((v: unknown, k) => {
      const tx = block.txs[start + k] as UtxoTx;
      if (!isObject(v) || v['txid'] !== tx.txid) throw inconsistent(`transaction ${start + k} is ${isObject(v) ? String(v['txid']) : '?'}, expected ${tx.txid}`);
      if (!wanted.has(tx.index)) return;
      const vin = v['vin'];
      if (!Array.isArray(vin) || vin.length !== Math.max(tx.inputs.length, 1)) throw inconsistent(`${tx.txid} has ${Array.isArray(vin) ? vin.length : '?'} inputs`);
      const resolved: ResolvedInput[] = tx.inputs.map((o, i) => {
        const input = vin[i] as unknown;
        if (!isObject(input) || input['txid'] !== o.txid || input['vout'] !== o.vout) throw inconsistent(`input ${i} of ${tx.txid} does not spend ${o.txid}:${o.vout}`);
        const prevout = input['prevout'];
        if (!isObject(prevout) || typeof prevout['scriptpubkey'] !== 'string' || typeof prevout['value'] !== 'number' || !Number.isSafeInteger(prevout['value'])) {
          throw new RpcBadAnswer(ep.label, method, `prevout of input ${i} of ${tx.txid} is malformed`);
        }
        const script = Buffer.from(prevout['scriptpubkey'], 'hex');
        return { outpoint: { txid: o.txid, vout: o.vout }, value: BigInt(prevout['value']), address: script.length === 0 ? null : outputAddress(script, network) };
      });
      out.set(tx.txid, resolved);
    });
  }

  async function resolveInputs(block: UtxoBlock, select: Iterable<string> | 'all'): Promise<ResolvedInputs> {
    const wanted = txsToResolve(block, select);
    const result = new Map<string, ResolvedInput[]>();
    for (const tx of wanted) if (tx.inputs.length === 0) result.set(tx.txid, []);
    const indexes = new Set(wanted.filter((t) => t.inputs.length > 0).map((t) => t.index));
    const starts = [...new Set([...indexes].map((i) => i - (i % PAGE)))];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < starts.length) {
        const start = starts[next++] as number;
        const got = await pool.runUntilKnown(`resolveInputs #${block.ref.number} ${block.ref.hash} page ${start}`, (ep) =>
          getJson(ep, start === 0 ? `block/${block.ref.hash}/txs` : `block/${block.ref.hash}/txs/${start}`).then((page) => {
            if (page === null) return null;
            const out = new Map<string, ResolvedInput[]>();
            readPage(ep, block, start, page, indexes, out);
            return out;
          }),
        );
        if (got === null) throw new BlockUnavailable(chain, block.ref, 'no endpoint knows this hash any more; it was probably reorged away');
        for (const [txid, inputs] of got) result.set(txid, inputs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(pageConcurrency, starts.length) }, worker));
    return result;
  }

  /**
   * `GET /address/:address/utxo`: the address's confirmed unspent outputs (mempool ones are
   * left out), with their blocks. Electrs refuses addresses with more outputs than its
   * `--utxos-limit`; that comes back as an error naming the address.
   */
  async function unspentOf(ep: Endpoint, address: NormalisedAddress): Promise<AddressUnspent[]> {
    const method = 'GET /address/:address/utxo';
    const list = await getJson(ep, `address/${address}/utxo`);
    if (!Array.isArray(list)) throw new RpcBadAnswer(ep.label, method, `not a list of outputs for ${address}`);
    const out: AddressUnspent[] = [];
    for (const u of list as unknown[]) {
      const status = isObject(u) ? u['status'] : undefined;
      if (!isObject(u) || !isObject(status)) throw new RpcBadAnswer(ep.label, method, `an output of ${address} is malformed`);
      if (status['confirmed'] !== true) continue;
      const { txid, vout, value } = u;
      const height = status['block_height'];
      const hash = status['block_hash'];
      if (
        typeof txid !== 'string' ||
        !/^[0-9a-f]{64}$/.test(txid) ||
        typeof vout !== 'number' ||
        !Number.isSafeInteger(vout) ||
        vout < 0 ||
        typeof value !== 'number' ||
        !Number.isSafeInteger(value) ||
        value < 0 ||
        typeof height !== 'number' ||
        !Number.isSafeInteger(height) ||
        height < 0 ||
        typeof hash !== 'string' ||
        !/^[0-9a-f]{64}$/.test(hash)
      ) {
        throw new RpcBadAnswer(ep.label, method, `an output of ${address} is malformed`);
      }
      out.push({ outpoint: { txid, vout }, address, value: BigInt(value), block: { hash: blockHash(hash), number: BigInt(height) } });
    }
    return out;
  }

  async function unspentOutputs(addresses: readonly NormalisedAddress[]): Promise<AddressUnspent[]> {
    const found: AddressUnspent[][] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < addresses.length) {
        const i = next++;
        const address = addresses[i] as NormalisedAddress;
        found[i] = await pool.run(`unspentOutputs ${address}`, (ep) => unspentOf(ep, address));
      }
    };
    await Promise.all(Array.from({ length: Math.min(pageConcurrency, addresses.length) }, worker));
    return found.flat();
  }

  return withExchangePath({
    chain,
    family: opts.family,
    network,
    async head() {
      return pool.run('head', async (ep) => {
        const hash = await getHash(ep, 'blocks/tip/hash');
        const ref = hash === null ? null : await blockByHashOn(ep, hash);
        if (ref === null) throw new RpcNodeError(ep.label, 'GET /blocks/tip/hash', 404, 'the tip is not known right after naming it; asking again', true);
        return ref;
      });
    },
    blockAt: (number: bigint) => pool.runUntilKnown(`blockAt #${number}`, (ep) => blockAtOn(ep, number)),
    blockByHash: (hash: BlockHash) => pool.runUntilKnown(`blockByHash ${hash}`, (ep) => blockByHashOn(ep, hash)),
    readBlock,
    resolveInputs,
    unspentOutputs,
    async transfers(block: BlockRef): Promise<Transfer[]> {
      const utxo = await readBlock(block);
      return utxoTransfers(chain, utxo, await resolveInputs(utxo, 'all'));
    },
    async headersInRange(from: bigint, to: bigint): Promise<BlockRef[]> {
      const out: BlockRef[] = [];
      for (let n = from; n <= to; n++) {
        const ref = await pool.runUntilKnown(`blockAt #${n}`, (ep) => blockAtOn(ep, n));
        if (ref === null) break;
        const prev = out.at(-1);
        if (prev !== undefined && ref.parentHash !== prev.hash) throw new RpcInconsistent(chain, 'headersInRange', ref.hash, n, 'the chain reorganised during the read; read the range again');
        out.push(ref);
      }
      return out;
    },
    identifyEndpoints: () => pool.identifyAll(),
    endpointStats: () => pool.stats(),
    prevoutCacheStats: () => ({ size: 0, hits: 0, misses: 0 }),
    close: () => pool.close(),
  });
}
