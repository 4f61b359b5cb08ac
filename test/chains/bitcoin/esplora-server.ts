/**
 * A small Esplora (blockstream/electrs HTTP API) over a list of raw blocks, for the Esplora
 * source's tests: /blocks/tip/hash, /blocks/tip/height, /block-height/:h, /block/:hash,
 * /block/:hash/header, /block/:hash/raw, /block/:hash/txs[/:start] (25 per page, inputs with
 * `prevout`), /tx/:txid, /address/:address/utxo (the chain's unspent outputs paying it, all
 * confirmed). Unknown things are 404 with electrs' texts ("Block not found"); a
 * start index that is not a multiple of 25 is 400. `throttle(n)` answers the next n requests
 * with 429 and Retry-After.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as bitcoin from 'bitcoinjs-lib';

import { installAddressEcc } from '../../helpers/bitcoin-core-server.js';

export interface EsploraServer {
  readonly url: string;
  /** Requests seen per route, e.g. `block/:hash/txs`. */
  count(route: string): number;
  throttle(times: number): void;
  close(): Promise<void>;
}

const revHex = (b: Uint8Array): string => Buffer.from(b).reverse().toString('hex');

export async function startEsploraServer(rawBlocks: readonly Buffer[], network = bitcoin.networks.regtest): Promise<EsploraServer> {
  installAddressEcc();
  const blocks = rawBlocks.map((raw, height) => ({ raw, block: bitcoin.Block.fromBuffer(raw), height, hash: bitcoin.Block.fromBuffer(raw).getId() }));
  const byHash = new Map(blocks.map((b) => [b.hash, b]));
  const txs = new Map<string, { tx: bitcoin.Transaction; block: (typeof blocks)[number] }>();
  for (const b of blocks) for (const tx of b.block.transactions ?? []) txs.set(tx.getId(), { tx, block: b });
  const counts = new Map<string, number>();
  let throttled = 0;

  const address = (script: Uint8Array): string | undefined => {
    try {
      return bitcoin.address.fromOutputScript(script, network);
    } catch {
      return undefined;
    }
  };
  const txJson = (tx: bitcoin.Transaction, b: (typeof blocks)[number]) => ({
    txid: tx.getId(),
    version: tx.version,
    locktime: tx.locktime,
    vin: tx.ins.map((i) =>
      tx.isCoinbase()
        ? { txid: '0'.repeat(64), vout: 0xffffffff, prevout: null, scriptsig: Buffer.from(i.script).toString('hex'), is_coinbase: true, sequence: i.sequence }
        : (() => {
            const txid = revHex(i.hash);
            const prev = txs.get(txid)?.tx.outs[i.index];
            return {
              txid,
              vout: i.index,
              prevout: prev === undefined ? null : { scriptpubkey: Buffer.from(prev.script).toString('hex'), scriptpubkey_address: address(prev.script), value: Number(prev.value) },
              scriptsig: Buffer.from(i.script).toString('hex'),
              witness: i.witness.map((w) => Buffer.from(w).toString('hex')),
              is_coinbase: false,
              sequence: i.sequence,
            };
          })(),
    ),
    vout: tx.outs.map((o) => ({ scriptpubkey: Buffer.from(o.script).toString('hex'), scriptpubkey_address: address(o.script), value: Number(o.value) })),
    status: { confirmed: true, block_height: b.height, block_hash: b.hash, block_time: b.block.timestamp },
  });

  const server = createServer((req, res) => {
    const text = (status: number, body: string | Buffer, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/+/, '');
    const route = path.replace(/[0-9a-f]{64}/g, ':hash').replace(/\/\d+$/, '/:n');
    counts.set(route, (counts.get(route) ?? 0) + 1);
    if (throttled > 0) {
      throttled--;
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'text/plain' });
      res.end('Too Many Requests');
      return;
    }
    const tip = blocks.at(-1);
    let m: RegExpMatchArray | null;
    if (path === 'blocks/tip/hash' && tip) return text(200, tip.hash);
    if (path === 'blocks/tip/height' && tip) return text(200, String(tip.height));
    if ((m = path.match(/^block-height\/(\d+)$/))) {
      const b = blocks[Number(m[1])];
      return b ? text(200, b.hash) : text(404, 'Block not found');
    }
    if ((m = path.match(/^block\/([0-9a-f]{64})(?:\/(header|raw|txs)(?:\/(\d+))?)?$/))) {
      const b = byHash.get(m[1] as string);
      if (!b) return text(404, 'Block not found');
      const h = b.block;
      if (m[2] === 'header') return text(200, b.raw.subarray(0, 80).toString('hex'));
      if (m[2] === 'raw') return text(200, b.raw, 'application/octet-stream');
      if (m[2] === 'txs') {
        const start = Number(m[3] ?? 0);
        if (start % 25 !== 0) return text(400, 'start index must be a multipication of 25');
        const list = (h.transactions ?? []).slice(start, start + 25);
        if (list.length === 0) return text(404, 'start index out of range');
        return text(200, JSON.stringify(list.map((tx) => txJson(tx, b))), 'application/json');
      }
      return text(
        200,
        JSON.stringify({ id: b.hash, height: b.height, version: h.version, timestamp: h.timestamp, tx_count: h.transactions?.length ?? 0, size: b.raw.length, merkle_root: revHex(h.merkleRoot as Uint8Array), previousblockhash: b.height === 0 ? null : revHex(h.prevHash as Uint8Array), nonce: h.nonce, bits: h.bits }),
        'application/json',
      );
    }
    if ((m = path.match(/^address\/([^/]+)\/utxo$/))) {
      const wanted = m[1] as string;
      const unspent = new Map<string, { txid: string; vout: number; value: number; b: (typeof blocks)[number] }>();
      for (const b of blocks) {
        for (const [i, tx] of (b.block.transactions ?? []).entries()) {
          if (i > 0) for (const input of tx.ins) unspent.delete(`${revHex(input.hash)}:${input.index}`);
          tx.outs.forEach((o, vout) => {
            if (address(o.script) === wanted) unspent.set(`${tx.getId()}:${vout}`, { txid: tx.getId(), vout, value: Number(o.value), b });
          });
        }
      }
      const list = [...unspent.values()].map(({ txid, vout, value, b }) => ({
        txid,
        vout,
        status: { confirmed: true, block_height: b.height, block_hash: b.hash, block_time: b.block.timestamp },
        value,
      }));
      return text(200, JSON.stringify(list), 'application/json');
    }
    if ((m = path.match(/^tx\/([0-9a-f]{64})$/))) {
      const t = txs.get(m[1] as string);
      return t ? text(200, JSON.stringify(txJson(t.tx, t.block)), 'application/json') : text(404, 'Transaction not found');
    }
    return text(404, 'Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: (route) => counts.get(route) ?? 0,
    throttle: (times) => void (throttled = times),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
