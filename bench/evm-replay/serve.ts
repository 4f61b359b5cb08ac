/**
 * Serves a recording (recording.ts) from memory as a JSON-RPC node, so the node's own speed
 * drops out of the benchmark. Run as a child process (its own core):
 *   node --import tsx bench/evm-replay/serve.ts <recording dir>   → prints "listening <port>"
 * Answers are the recorded texts, spliced into the JSON-RPC envelope without re-encoding.
 * Methods: eth_chainId, eth_blockNumber, eth_getBlockByNumber (full or hashes-only, number or
 * "latest"), eth_getBlockByHash, eth_getBlockReceipts (number or hash),
 * eth_getTransactionReceipt, eth_getLogs (Transfer topic, by range or blockHash).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { loadRecording } from './recording.js';

interface Call {
  readonly id: unknown;
  readonly method: string;
  readonly params?: unknown[];
}

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: serve.ts <recording dir>');
const rec = await loadRecording(dir);
const first = BigInt(rec.meta.first);
const last = BigInt(rec.meta.last);

const byHash = new Map<string, number>();
rec.blocks.forEach((text, i) => {
  const b = JSON.parse(text) as { hash: string };
  byHash.set(b.hash, i);
});
const lightBlocks = new Map<number, string>();
/** Per-transaction receipts, cut out of the blocks' recorded receipts up front (not while timed). */
const txReceipts = new Map<string, string>();
for (const text of rec.receipts) {
  for (const r of JSON.parse(text) as { transactionHash: string }[]) txReceipts.set(r.transactionHash.toLowerCase(), JSON.stringify(r));
}

function blockIndex(tag: unknown): number | undefined {
  if (tag === 'latest' || tag === 'finalized' || tag === 'safe') return Number(last - first);
  if (typeof tag !== 'string') return undefined;
  if (tag.length === 66) return byHash.get(tag.toLowerCase());
  const n = BigInt(tag);
  return n >= first && n <= last ? Number(n - first) : undefined;
}

function block(i: number, full: boolean): string {
  if (full) return rec.blocks[i] as string;
  let light = lightBlocks.get(i);
  if (light === undefined) {
    const b = JSON.parse(rec.blocks[i] as string) as { transactions: { hash: string }[] };
    light = JSON.stringify({ ...b, transactions: b.transactions.map((t) => t.hash) });
    lightBlocks.set(i, light);
  }
  return light;
}

function logsFor(q: { fromBlock?: string; toBlock?: string; blockHash?: string }): string {
  let from: number | undefined;
  let to: number | undefined;
  if (q.blockHash !== undefined) from = to = byHash.get(q.blockHash.toLowerCase());
  else {
    from = blockIndex(q.fromBlock ?? 'latest');
    to = blockIndex(q.toBlock ?? 'latest');
  }
  if (from === undefined || to === undefined) return '[]';
  const parts: string[] = [];
  for (let i = from; i <= to; i++) {
    const t = rec.logs[i] as string;
    if (t.length > 2) parts.push(t.slice(1, -1));
  }
  return `[${parts.join(',')}]`;
}

function answer(c: Call): string {
  const p = c.params ?? [];
  let result: string;
  switch (c.method) {
    case 'eth_chainId':
      result = JSON.stringify(rec.meta.chainId);
      break;
    case 'eth_blockNumber':
      result = JSON.stringify(`0x${last.toString(16)}`);
      break;
    case 'eth_getBlockByNumber':
    case 'eth_getBlockByHash': {
      const i = blockIndex(p[0]);
      result = i === undefined ? 'null' : block(i, p[1] === true);
      break;
    }
    case 'eth_getBlockReceipts': {
      const i = blockIndex(p[0]);
      result = i === undefined ? 'null' : (rec.receipts[i] as string);
      break;
    }
    case 'eth_getTransactionReceipt':
      result = txReceipts.get(String(p[0]).toLowerCase()) ?? 'null';
      break;
    case 'eth_getLogs':
      result = logsFor((p[0] ?? {}) as { fromBlock?: string; toBlock?: string; blockHash?: string });
      break;
    default:
      return `{"jsonrpc":"2.0","id":${JSON.stringify(c.id)},"error":{"code":-32601,"message":"Method not found"}}`;
  }
  return `{"jsonrpc":"2.0","id":${JSON.stringify(c.id)},"result":${result}}`;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call | Call[];
    const text = Array.isArray(body) ? `[${body.map(answer).join(',')}]` : answer(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
