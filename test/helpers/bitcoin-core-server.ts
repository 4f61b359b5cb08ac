/**
 * A small HTTP server that speaks the subset of Bitcoin Core's JSON-RPC and REST interfaces
 * Cordon uses, serving real block bytes (recorded mainnet blocks, or regtest blocks a test
 * built with bitcoinjs-lib). No Bitcoin Core binary can be installed where these tests run;
 * this stands in for one, as faithfully as the subset allows:
 *
 * - JSON-RPC on POST / with HTTP Basic auth (user/password or a `.cookie` file the server
 *   writes, `__cookie__:<hex>` like bitcoind); 401 with `WWW-Authenticate: Basic
 *   realm="jsonrpc"` and an empty body without them; 405 for other HTTP methods.
 * - Core ≥ 28 answers requests marked `"jsonrpc": "2.0"` per JSON-RPC 2.0 (HTTP 200, only one
 *   of result/error); legacy requests (and every request on `version` < 280000) get both
 *   members and, for a single failed request, HTTP 500 (404 for -32601, 400 for -32600).
 * - Methods: getblockcount, getbestblockhash, getblockhash, getblockheader, getblock
 *   (verbosity 0-3; below `version` 250000, 3 answers like 2, without prevouts, as Core did),
 *   getrawtransaction (needs `txindex`, or a block hash), getblockchaininfo, scantxoutset
 *   `start` with `addr(<address>)` descriptors (the active chain's unspent outputs; `blockhash`
 *   per output from `version` 280000 on, as Core 28 added it). Anything else:
 *   -32601 "Method not found". Errors with Core's codes and texts: -5 "Block not found",
 *   -8 "Block height out of range", -8 "<name> must be of length 64 …", -3 type errors,
 *   -5 "No such mempool transaction. Use -txindex …".
 * - REST (no auth) when `rest` is on: /rest/block/<hash>.<bin|hex|json>,
 *   /rest/headers/<hash>.<ext>?count=n (and the older /rest/headers/<count>/<hash>.<ext>; below
 *   `version` 240000 only that one), /rest/blockhashbyheight/<n>.<ext>, /rest/tx/<txid>.<ext>,
 *   /rest/chaininfo.json. Errors as Core writes them: text/plain with "\r\n", 404
 *   "<hash> not found", 400 "Invalid hash: …". With REST off every /rest path is a 404 with
 *   an empty body (no handler registered), as on a node started without -rest.
 *
 * Known simplifications: heights below the first block served (e.g. the recorded mainnet
 * block) are "out of range", except that `getblockhash 0` names the network's genesis (as every
 * node can; its block is not served) when no block at height 0 is; prevouts (verbosity 3) are given only when every spent
 * transaction is among the blocks served (otherwise the block is treated as having no undo
 * data, and Core then leaves `prevout` out); a wrong password answers at once (Core waits
 * 250 ms); the mempool is always empty.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as bitcoin from 'bitcoinjs-lib';

export type CoreNetwork = 'mainnet' | 'testnet' | 'regtest';

export interface BitcoinCoreServerOptions {
  readonly network?: CoreNetwork;
  /** Credentials the server accepts (default user `cordon`, password `secret`). */
  readonly auth?: { readonly user: string; readonly password: string } | { readonly cookieFile: string };
  /** Serve REST (bitcoind -rest). Default true. */
  readonly rest?: boolean;
  /** Core's version number, e.g. 280100 (default). Below 250000 getblock 3 has no prevouts. */
  readonly version?: number;
  /** bitcoind -txindex. Default false. */
  readonly txindex?: boolean;
}

export interface ServedBlock {
  readonly hash: string;
  readonly height: number;
  readonly raw: Buffer;
  readonly block: bitcoin.Block;
}

export interface BitcoinCoreServer {
  /** http://127.0.0.1:<port> (no credentials). */
  readonly url: string;
  /** http://user:password@127.0.0.1:<port> for user/password auth. */
  readonly authUrl: string;
  /** Mutable switches, as if the node were restarted with other options. */
  readonly settings: { rest: boolean; version: number; txindex: boolean };
  /**
   * Adds a block (raw bytes). Its height is its parent's + 1, or `height` for a block whose
   * parent is not served. Becomes the tip when it extends the current tip (or `tip: true`).
   */
  addBlock(raw: Uint8Array, opts?: { readonly height?: number; readonly tip?: boolean }): ServedBlock;
  /** Makes the branch ending at `hash` the active chain (a reorg). */
  setTip(hash: string): void;
  /** Served block by hash. */
  block(hash: string): ServedBlock | undefined;
  /** The active chain's block at a height. */
  hashAt(height: number): string | undefined;
  /** Serves other bytes for a block's REST and getblock 0 answers, `times` times. */
  tamper(hash: string, fn: (raw: Buffer) => Buffer, times?: number): void;
  /** Drops a block's data as a pruning node does (its header stays known). */
  prune(hash: string): void;
  /** New cookie file contents, as after a node restart (cookie auth only). */
  rotateCookie(): void;
  /** JSON-RPC calls seen per method, and REST requests per first path segment (`rest/block`). */
  count(what: string): number;
  resetCounts(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- small ECC stand-in for p2tr

const P = 2n ** 256n - 2n ** 32n - 977n;
function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
/**
 * bitcoinjs-lib derives p2tr addresses only with an ECC library that can tell whether 32 bytes
 * are an x-only point (x < p and x³ + 7 a square mod p). That check is all it needs to spell
 * an address, so tests install this instead of a full secp256k1.
 */
export const xOnlyPointCheck = {
  isXOnlyPoint(x: Uint8Array): boolean {
    if (x.length !== 32) return false;
    const v = BigInt(`0x${Buffer.from(x).toString('hex')}`);
    if (v === 0n || v >= P) return false;
    const y2 = (v ** 3n + 7n) % P;
    return modPow(y2, (P - 1n) / 2n, P) === 1n;
  },
  xOnlyPointAddTweak(): null {
    throw new Error('not needed for address derivation');
  },
};
let eccReady = false;
export function installAddressEcc(): void {
  if (eccReady) return;
  bitcoin.initEccLib(xOnlyPointCheck as unknown as Parameters<typeof bitcoin.initEccLib>[0], { DANGER_DO_NOT_VERIFY_ECCLIB: true });
  eccReady = true;
}

// ---------------------------------------------------------------- helpers

const NETWORKS: Record<CoreNetwork, bitcoin.networks.Network> = {
  mainnet: bitcoin.networks.bitcoin,
  testnet: bitcoin.networks.testnet,
  regtest: bitcoin.networks.regtest,
};
const CHAIN_NAME: Record<CoreNetwork, string> = { mainnet: 'main', testnet: 'test', regtest: 'regtest' };
/** Bitcoin Core's genesis hashes (mainnet, testnet3, regtest). */
const GENESIS_HASH: Record<CoreNetwork, string> = {
  mainnet: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
  testnet: '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
  regtest: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
};

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const revHex = (b: Uint8Array): string => Buffer.from(b).reverse().toString('hex');
const btc = (sats: bigint): number => Number(sats) / 1e8;

class CoreRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function scriptType(script: Uint8Array): string {
  const s = script;
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 20 && s[23] === 0x88 && s[24] === 0xac) return 'pubkeyhash';
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 20 && s[22] === 0x87) return 'scripthash';
  if (s.length === 22 && s[0] === 0 && s[1] === 20) return 'witness_v0_keyhash';
  if (s.length === 34 && s[0] === 0 && s[1] === 32) return 'witness_v0_scripthash';
  if (s.length === 34 && s[0] === 0x51 && s[1] === 32) return 'witness_v1_taproot';
  if (s.length >= 4 && s.length <= 42 && s[0] !== undefined && s[0] >= 0x51 && s[0] <= 0x60 && s[1] === s.length - 2) return 'witness_unknown';
  if (s.length > 0 && s[0] === 0x6a) return 'nulldata';
  if ((s.length === 35 || s.length === 67) && s[s.length - 1] === 0xac) return 'pubkey';
  if (s.length > 0 && s[s.length - 1] === 0xae) return 'multisig';
  return 'nonstandard';
}

// ---------------------------------------------------------------- the server

interface TxLocation {
  readonly tx: bitcoin.Transaction;
  readonly blockHash: string;
  readonly index: number;
}

export async function startBitcoinCoreServer(opts: BitcoinCoreServerOptions = {}): Promise<BitcoinCoreServer> {
  const network = opts.network ?? 'regtest';
  const net = NETWORKS[network];
  installAddressEcc();
  const settings = { rest: opts.rest ?? true, version: opts.version ?? 280100, txindex: opts.txindex ?? false };
  const blocks = new Map<string, ServedBlock>();
  const txs = new Map<string, TxLocation[]>();
  let active: string[] = []; // index = height - base
  let base = 0;
  const counts = new Map<string, number>();
  const tampering = new Map<string, { fn: (raw: Buffer) => Buffer; remaining: number }>();
  const pruned = new Set<string>();

  let credentials: { user: string; password: string };
  const auth = opts.auth ?? { user: 'cordon', password: 'secret' };
  const cookieFile = 'cookieFile' in auth ? auth.cookieFile : undefined;
  const writeCookie = (): void => {
    credentials = { user: '__cookie__', password: randomBytes(32).toString('hex') };
    if (cookieFile !== undefined) writeFileSync(cookieFile, `${credentials.user}:${credentials.password}`);
  };
  if ('cookieFile' in auth) writeCookie();
  else credentials = { user: auth.user, password: auth.password };

  const bump = (k: string): void => void counts.set(k, (counts.get(k) ?? 0) + 1);
  const tip = (): ServedBlock | undefined => {
    const h = active.at(-1);
    return h === undefined ? undefined : blocks.get(h);
  };
  const tipHeight = (): number => (tip()?.height ?? base - 1);
  const isActive = (b: ServedBlock): boolean => active[b.height - base] === b.hash;

  function setTip(hash: string): void {
    const chain: string[] = [];
    for (let b = blocks.get(hash); b !== undefined; b = blocks.get(revHex(b.block.prevHash ?? new Uint8Array(32)))) chain.unshift(b.hash);
    if (chain.length === 0) throw new Error(`setTip: unknown block ${hash}`);
    active = chain;
    base = (blocks.get(chain[0] as string) as ServedBlock).height;
  }

  function addBlock(raw: Uint8Array, o: { readonly height?: number; readonly tip?: boolean } = {}): ServedBlock {
    const bytes = Buffer.from(raw);
    const block = bitcoin.Block.fromBuffer(bytes);
    const hash = block.getId();
    const parent = blocks.get(revHex(block.prevHash ?? new Uint8Array(32)));
    const height = parent !== undefined ? parent.height + 1 : (o.height ?? 0);
    const served: ServedBlock = { hash, height, raw: bytes, block };
    blocks.set(hash, served);
    (block.transactions ?? []).forEach((tx, index) => {
      const id = tx.getId();
      txs.set(id, [...(txs.get(id) ?? []), { tx, blockHash: hash, index }]);
    });
    if (o.tip === true || active.length === 0 || (parent !== undefined && parent.hash === active.at(-1))) setTip(hash);
    return served;
  }

  function served(hash: string): ServedBlock {
    const b = blocks.get(hash);
    if (b === undefined) throw new CoreRpcError(-5, 'Block not found');
    return b;
  }

  function rawFor(b: ServedBlock): Buffer {
    const t = tampering.get(b.hash);
    if (t === undefined || t.remaining <= 0) return b.raw;
    t.remaining--;
    return t.fn(b.raw);
  }

  /** The transaction that created `txid`'s outputs, as the block's undo data would know it (any served block). */
  function prevTx(txid: string): TxLocation | undefined {
    return txs.get(txid)?.[0];
  }

  // ------------------------------------------------------------ JSON shapes

  function scriptPubKey(script: Uint8Array): Record<string, unknown> {
    const out: Record<string, unknown> = { asm: bitcoin.script.toASM(script), desc: `raw(${hexOf(script)})`, hex: hexOf(script) };
    try {
      out['address'] = bitcoin.address.fromOutputScript(script, net);
    } catch {
      // no address: p2pk, multisig, nulldata, non-standard
    }
    out['type'] = scriptType(script);
    return out;
  }

  function headerJson(b: ServedBlock): Record<string, unknown> {
    const h = b.block;
    const next = active[b.height - base + 1];
    return {
      hash: b.hash,
      confirmations: isActive(b) ? tipHeight() - b.height + 1 : -1,
      height: b.height,
      version: h.version,
      versionHex: (h.version >>> 0).toString(16).padStart(8, '0'),
      merkleroot: revHex(h.merkleRoot ?? new Uint8Array(32)),
      time: h.timestamp,
      mediantime: h.timestamp,
      nonce: h.nonce,
      bits: h.bits.toString(16).padStart(8, '0'),
      difficulty: 1,
      chainwork: (b.height + 1).toString(16).padStart(64, '0'),
      nTx: h.transactions?.length ?? 0,
      ...(blocks.has(revHex(h.prevHash ?? new Uint8Array(32))) || b.height > 0 ? { previousblockhash: revHex(h.prevHash ?? new Uint8Array(32)) } : {}),
      ...(isActive(b) && next !== undefined ? { nextblockhash: next } : {}),
    };
  }

  function txJson(tx: bitcoin.Transaction, withPrevouts: boolean): Record<string, unknown> {
    let fee = 0n;
    const vin = tx.ins.map((input) => {
      if (tx.isCoinbase()) return { coinbase: hexOf(input.script), ...(input.witness.length > 0 ? { txinwitness: input.witness.map(hexOf) } : {}), sequence: input.sequence };
      const txid = revHex(input.hash);
      const out: Record<string, unknown> = {
        txid,
        vout: input.index,
        scriptSig: { asm: bitcoin.script.toASM(input.script), hex: hexOf(input.script) },
        ...(input.witness.length > 0 ? { txinwitness: input.witness.map(hexOf) } : {}),
      };
      if (withPrevouts) {
        const prev = prevTx(txid) as TxLocation;
        const spent = prev.tx.outs[input.index] as { script: Uint8Array; value: bigint };
        fee += spent.value;
        out['prevout'] = { generated: prev.tx.isCoinbase(), height: (blocks.get(prev.blockHash) as ServedBlock).height, value: btc(spent.value), scriptPubKey: scriptPubKey(spent.script) };
      }
      out['sequence'] = input.sequence;
      return out;
    });
    const vout = tx.outs.map((o, n) => {
      fee -= o.value;
      return { value: btc(o.value), n, scriptPubKey: scriptPubKey(o.script) };
    });
    return {
      txid: tx.getId(),
      hash: revHex(tx.getHash(true)),
      version: tx.version,
      size: tx.byteLength(),
      vsize: tx.virtualSize(),
      weight: tx.weight(),
      locktime: tx.locktime,
      vin,
      vout,
      ...(withPrevouts && !tx.isCoinbase() ? { fee: btc(fee) } : {}),
      hex: tx.toHex(),
    };
  }

  function blockJson(b: ServedBlock, verbosity: number): Record<string, unknown> {
    const list = b.block.transactions ?? [];
    // Undo data exists when every spent output is known (see the header comment).
    const undo = settings.version >= 250000 && list.every((tx) => tx.isCoinbase() || tx.ins.every((i) => prevTx(revHex(i.hash)) !== undefined));
    const withPrevouts = verbosity >= 3 && undo;
    return {
      ...headerJson(b),
      strippedsize: b.block.byteLength(false, false),
      size: b.raw.length,
      weight: b.block.weight(),
      tx: verbosity === 1 ? list.map((tx) => tx.getId()) : list.map((tx) => txJson(tx, withPrevouts)),
    };
  }

  // ------------------------------------------------------------ RPC methods

  const needHash = (v: unknown, name: string): string => {
    if (typeof v !== 'string') throw new CoreRpcError(-3, `JSON value of type ${v === null ? 'null' : typeof v} is not of expected type string`);
    if (!/^[0-9a-fA-F]*$/.test(v)) throw new CoreRpcError(-8, `${name} must be hexadecimal string (not '${v}')`);
    if (v.length !== 64) throw new CoreRpcError(-8, `${name} must be of length 64 (not ${v.length}, for '${v}')`);
    return v.toLowerCase();
  };
  const needInt = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new CoreRpcError(-3, `JSON value of type ${v === null ? 'null' : typeof v} is not of expected type number`);
    return v;
  };
  const verbosityOf = (v: unknown, dflt: number): number => {
    if (v === undefined || v === null) return dflt;
    if (typeof v === 'boolean') return v ? 1 : 0;
    return needInt(v);
  };

  /** `scantxoutset start [addr(…), …]` over the active chain's unspent outputs. */
  function scan(params: readonly unknown[]): unknown {
    if (params[0] !== 'start') throw new CoreRpcError(-8, 'Invalid action');
    if (!Array.isArray(params[1])) throw new CoreRpcError(-8, 'scanobjects argument is required for the start action');
    const wanted = new Map<string, string>();
    for (const d of params[1] as unknown[]) {
      const m = typeof d === 'string' ? /^addr\((.+)\)$/.exec(d) : null;
      if (m === null) throw new CoreRpcError(-5, `Invalid descriptor: ${String(d)}`);
      let script: Uint8Array;
      try {
        script = bitcoin.address.toOutputScript(m[1] as string, net);
      } catch {
        throw new CoreRpcError(-5, `Address is not valid: ${m[1]}`);
      }
      wanted.set(hexOf(script), d as string);
    }
    const unspent = new Map<string, { tx: bitcoin.Transaction; vout: number; block: ServedBlock; coinbase: boolean }>();
    for (const hash of active) {
      const b = blocks.get(hash) as ServedBlock;
      for (const [i, tx] of (b.block.transactions ?? []).entries()) {
        if (i > 0) for (const input of tx.ins) unspent.delete(`${revHex(input.hash)}:${input.index}`);
        tx.outs.forEach((_, vout) => unspent.set(`${tx.getId()}:${vout}`, { tx, vout, block: b, coinbase: i === 0 }));
      }
    }
    const unspents = [...unspent.values()].flatMap(({ tx, vout, block, coinbase }) => {
      const out = tx.outs[vout] as bitcoin.TxOutput;
      const desc = wanted.get(hexOf(out.script));
      if (desc === undefined) return [];
      return [
        {
          txid: tx.getId(),
          vout,
          scriptPubKey: hexOf(out.script),
          desc,
          amount: btc(out.value),
          coinbase,
          height: block.height,
          ...(settings.version >= 280000 ? { blockhash: block.hash } : {}),
          confirmations: tipHeight() - block.height + 1,
        },
      ];
    });
    const t = tip();
    return { success: true, txouts: unspent.size, height: tipHeight(), bestblock: t?.hash, unspents, total_amount: unspents.reduce((a, u) => a + u.amount, 0) };
  }

  function call(method: string, params: readonly unknown[]): unknown {
    switch (method) {
      case 'getblockcount':
        return tipHeight();
      case 'getbestblockhash': {
        const t = tip();
        if (t === undefined) throw new CoreRpcError(-1, 'no blocks');
        return t.hash;
      }
      case 'getblockchaininfo':
        return { chain: CHAIN_NAME[network], blocks: tipHeight(), headers: tipHeight(), bestblockhash: tip()?.hash, pruned: false };
      case 'getblockhash': {
        const h = needInt(params[0]);
        const hash = h >= base ? active[h - base] : h === 0 && active.length > 0 ? GENESIS_HASH[network] : undefined;
        if (hash === undefined) throw new CoreRpcError(-8, 'Block height out of range');
        return hash;
      }
      case 'getblockheader': {
        const b = served(needHash(params[0], 'hash'));
        const verbose = params[1] === undefined ? true : params[1];
        if (typeof verbose !== 'boolean') throw new CoreRpcError(-3, `JSON value of type ${typeof verbose} is not of expected type bool`);
        return verbose ? headerJson(b) : hexOf(b.raw.subarray(0, 80));
      }
      case 'getblock': {
        const b = served(needHash(params[0], 'blockhash'));
        if (pruned.has(b.hash)) throw new CoreRpcError(-1, 'Block not available (pruned data)');
        const verbosity = verbosityOf(params[1], 1);
        if (verbosity <= 0) return rawFor(b).toString('hex');
        return blockJson(b, Math.min(verbosity, 3));
      }
      case 'getrawtransaction': {
        const txid = needHash(params[0], 'parameter 1');
        const verbosity = verbosityOf(params[1], 0);
        let found: TxLocation | undefined;
        if (params[2] !== undefined && params[2] !== null) {
          const bh = needHash(params[2], 'parameter 3');
          const b = blocks.get(bh);
          if (b === undefined) throw new CoreRpcError(-5, 'Block hash not found');
          found = txs.get(txid)?.find((l) => l.blockHash === bh);
          if (found === undefined) throw new CoreRpcError(-5, 'No such transaction found in the provided block. Use gettransaction for wallet transactions.');
        } else {
          if (!settings.txindex) {
            throw new CoreRpcError(-5, 'No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions.');
          }
          // txindex covers the active chain.
          found = txs.get(txid)?.find((l) => isActive(blocks.get(l.blockHash) as ServedBlock));
          if (found === undefined) throw new CoreRpcError(-5, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
        }
        if (verbosity <= 0) return found.tx.toHex();
        const b = blocks.get(found.blockHash) as ServedBlock;
        return { ...txJson(found.tx, false), blockhash: b.hash, confirmations: isActive(b) ? tipHeight() - b.height + 1 : 0, time: b.block.timestamp, blocktime: b.block.timestamp };
      }
      case 'scantxoutset':
        return scan(params);
      default:
        throw new CoreRpcError(-32601, 'Method not found');
    }
  }

  // ------------------------------------------------------------ HTTP

  function reply(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  }
  const restError = (res: ServerResponse, status: number, message: string): void => reply(res, status, `${message}\r\n`, 'text/plain');

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  /** One request object → its reply object, and the HTTP status Core would give it alone. */
  function answer(reqObj: unknown): { body: Record<string, unknown>; status: number } {
    const isObj = typeof reqObj === 'object' && reqObj !== null && !Array.isArray(reqObj);
    const r = (isObj ? reqObj : {}) as Record<string, unknown>;
    const v2 = settings.version >= 280000 && r['jsonrpc'] === '2.0';
    const id = r['id'] ?? null;
    const ok = (result: unknown) => ({ body: v2 ? { jsonrpc: '2.0', result, id } : { result, error: null, id }, status: 200 });
    const fail = (code: number, message: string) => ({
      body: v2 ? { jsonrpc: '2.0', error: { code, message }, id } : { result: null, error: { code, message }, id },
      status: v2 ? 200 : code === -32601 ? 404 : code === -32600 ? 400 : 500,
    });
    if (!isObj) return fail(-32600, 'Invalid Request object');
    const method = r['method'];
    if (typeof method !== 'string') return fail(-32600, 'Method must be a string');
    const params = r['params'] ?? [];
    if (!Array.isArray(params)) return fail(-32600, 'Params must be an array or object');
    bump(method);
    try {
      return ok(call(method, params));
    } catch (err) {
      if (err instanceof CoreRpcError) return fail(err.code, err.message);
      return fail(-1, err instanceof Error ? err.message : String(err));
    }
  }

  async function rpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      reply(res, 405, 'JSONRPC server handles only POST requests', 'text/html');
      return;
    }
    const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      await readBody(req);
      res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"', 'content-length': '0' });
      res.end();
      return;
    }
    const text = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      reply(res, 500, `${JSON.stringify({ result: null, error: { code: -32700, message: 'Parse error' }, id: null })}\n`, 'application/json');
      return;
    }
    if (Array.isArray(parsed)) {
      const replies = parsed.map((p) => answer(p).body);
      reply(res, 200, `${JSON.stringify(replies)}\n`, 'application/json');
      return;
    }
    const { body, status } = answer(parsed);
    reply(res, status, `${JSON.stringify(body)}\n`, 'application/json');
  }

  /** `name.ext` → [name, ext]; Core's formats are bin, hex and json. */
  function splitFormat(part: string): [string, string] {
    const dot = part.lastIndexOf('.');
    return dot < 0 ? [part, ''] : [part.slice(0, dot), part.slice(dot + 1)];
  }

  function rest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname.slice('/rest/'.length);
    const [kind = '', ...restParts] = path.split('/');
    // Core registers handlers by prefix; an unknown prefix, or -rest off, has no handler.
    const known = ['block', 'headers', 'blockhashbyheight', 'tx', 'chaininfo.json'];
    if (!settings.rest || !known.includes(kind)) {
      res.writeHead(404, { 'content-length': '0' });
      res.end();
      return;
    }
    bump(`rest/${kind.replace(/\.json$/, '')}`);
    if (req.method !== 'GET') return restError(res, 405, 'Method not allowed');
    const formats = 'output format not found (available: .bin, .hex, .json)';
    const isHash = (s: string): boolean => /^[0-9a-fA-F]{64}$/.test(s);
    switch (kind) {
      case 'chaininfo.json':
        return reply(res, 200, `${JSON.stringify(call('getblockchaininfo', []))}\n`, 'application/json');
      case 'block': {
        const [hash, ext] = splitFormat(restParts.join('/'));
        if (!['bin', 'hex', 'json'].includes(ext)) return restError(res, 404, formats);
        if (!isHash(hash)) return restError(res, 400, `Invalid hash: ${hash}`);
        const b = blocks.get(hash.toLowerCase());
        if (b === undefined) return restError(res, 404, `${hash} not found`);
        if (pruned.has(b.hash)) return restError(res, 404, `${hash} not available (pruned data)`);
        if (ext === 'bin') return reply(res, 200, rawFor(b), 'application/octet-stream');
        if (ext === 'hex') return reply(res, 200, `${rawFor(b).toString('hex')}\n`, 'text/plain');
        return reply(res, 200, `${JSON.stringify(blockJson(b, 2))}\n`, 'application/json');
      }
      case 'headers': {
        let rawCount: string;
        let target: string;
        if (restParts.length === 2) {
          rawCount = restParts[0] as string;
          target = restParts[1] as string;
        } else if (restParts.length === 1) {
          if (settings.version < 240000) return restError(res, 400, 'No header count specified. Use /rest/headers/<count>/<hash>.<ext>.');
          rawCount = url.searchParams.get('count') ?? '5';
          target = restParts[0] as string;
        } else {
          return restError(res, 400, 'Invalid URI format. Expected /rest/headers/<hash>.<ext>?count=<count>');
        }
        const [hash, ext] = splitFormat(target);
        if (!['bin', 'hex', 'json'].includes(ext)) return restError(res, 404, formats);
        const count = /^\d+$/.test(rawCount) ? Number(rawCount) : NaN;
        if (!(count >= 1 && count <= 2000)) return restError(res, 400, `Header count is invalid or out of acceptable range (1-2000): ${rawCount}`);
        if (!isHash(hash)) return restError(res, 400, `Invalid hash: ${hash}`);
        const list: ServedBlock[] = [];
        let b = blocks.get(hash.toLowerCase());
        while (b !== undefined && isActive(b) && list.length < count) {
          list.push(b);
          const next = active[b.height - base + 1];
          b = next === undefined ? undefined : blocks.get(next);
        }
        if (ext === 'bin') return reply(res, 200, Buffer.concat(list.map((x) => x.raw.subarray(0, 80))), 'application/octet-stream');
        if (ext === 'hex') return reply(res, 200, `${list.map((x) => hexOf(x.raw.subarray(0, 80))).join('')}\n`, 'text/plain');
        return reply(res, 200, `${JSON.stringify(list.map(headerJson))}\n`, 'application/json');
      }
      case 'blockhashbyheight': {
        const [heightText, ext] = splitFormat(restParts.join('/'));
        if (!['bin', 'hex', 'json'].includes(ext)) return restError(res, 404, formats);
        if (!/^\d+$/.test(heightText)) return restError(res, 400, `Invalid height: ${heightText}`);
        const h = Number(heightText);
        const hash = h >= base ? active[h - base] : undefined;
        if (hash === undefined) return restError(res, 404, 'Block height out of range');
        if (ext === 'bin') return reply(res, 200, Buffer.from(hash, 'hex').reverse(), 'application/octet-stream');
        if (ext === 'hex') return reply(res, 200, `${hash}\n`, 'text/plain');
        return reply(res, 200, `${JSON.stringify({ blockhash: hash })}\n`, 'application/json');
      }
      case 'tx': {
        const [txid, ext] = splitFormat(restParts.join('/'));
        if (!['bin', 'hex', 'json'].includes(ext)) return restError(res, 404, formats);
        if (!isHash(txid)) return restError(res, 400, `Invalid hash: ${txid}`);
        const found = settings.txindex ? txs.get(txid.toLowerCase())?.find((l) => isActive(blocks.get(l.blockHash) as ServedBlock)) : undefined;
        if (found === undefined) return restError(res, 404, `${txid} not found`);
        if (ext === 'bin') return reply(res, 200, Buffer.from(found.tx.toBuffer()), 'application/octet-stream');
        if (ext === 'hex') return reply(res, 200, `${found.tx.toHex()}\n`, 'text/plain');
        return reply(res, 200, `${JSON.stringify(txJson(found.tx, false))}\n`, 'application/json');
      }
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = url.pathname.startsWith('/rest/') ? Promise.resolve(rest(req, res, url)) : rpc(req, res);
    handle.catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, String(err), 'text/plain');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    get authUrl() {
      return `http://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
    },
    settings,
    addBlock,
    setTip,
    block: (hash) => blocks.get(hash),
    hashAt: (height) => (height >= base ? active[height - base] : undefined),
    tamper(hash, fn, times = Infinity) {
      tampering.set(hash, { fn, remaining: times });
    },
    prune(hash) {
      pruned.add(hash);
    },
    rotateCookie() {
      if (cookieFile === undefined) throw new Error('rotateCookie: the server was not started with a cookie file');
      writeCookie();
    },
    count: (what) => counts.get(what) ?? 0,
    resetCounts: () => counts.clear(),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
