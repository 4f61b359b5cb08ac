/**
 * Serves a recording (recording.ts) from memory as a JSON-RPC node, so the node's own speed
 * drops out of the benchmark. Run as a child process (its own core):
 *   node --import tsx bench/evm-replay/serve.ts <recording dir>   → prints "listening <port>"
 * Answers are the recorded texts, kept as bytes and spliced into the JSON-RPC envelope.
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

// Answers are kept as bytes and written as one buffer per request: the server should cost as
// little as possible next to the client it serves (string joins and re-encoding here once made
// it the bottleneck on a slow machine).
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const blocks = rec.blocks.map(bytes);
const receipts = rec.receipts.map(bytes);
/** Each block's Transfer logs without the enclosing brackets (empty when none), to splice ranges. */
const logs = rec.logs.map((t) => bytes(t.length > 2 ? t.slice(1, -1) : ''));

const byHash = new Map<string, number>();
rec.blocks.forEach((text, i) => {
  const b = JSON.parse(text) as { hash: string };
  byHash.set(b.hash, i);
});
const lightBlocks = new Map<number, Buffer>();
/** Per-transaction receipts, cut out of the blocks' recorded receipts up front (not while timed). */
const txReceipts = new Map<string, Buffer>();
for (const text of rec.receipts) {
  for (const r of JSON.parse(text) as { transactionHash: string }[]) txReceipts.set(r.transactionHash.toLowerCase(), bytes(JSON.stringify(r)));
}

const NULL = bytes('null');
const COMMA = bytes(',');
const OPEN = bytes('[');
const CLOSE = bytes(']');
const END = bytes('}');

function blockIndex(tag: unknown): number | undefined {
  if (tag === 'latest' || tag === 'finalized' || tag === 'safe') return Number(last - first);
  if (typeof tag !== 'string') return undefined;
  if (tag.length === 66) return byHash.get(tag.toLowerCase());
  const n = BigInt(tag);
  return n >= first && n <= last ? Number(n - first) : undefined;
}

function block(i: number, full: boolean): Buffer {
  if (full) return blocks[i] as Buffer;
  let light = lightBlocks.get(i);
  if (light === undefined) {
    const b = JSON.parse(rec.blocks[i] as string) as { transactions: { hash: string }[] };
    light = bytes(JSON.stringify({ ...b, transactions: b.transactions.map((t) => t.hash) }));
    lightBlocks.set(i, light);
  }
  return light;
}

function logsFor(q: { fromBlock?: string; toBlock?: string; blockHash?: string }, out: Buffer[]): void {
  let from: number | undefined;
  let to: number | undefined;
  if (q.blockHash !== undefined) from = to = byHash.get(q.blockHash.toLowerCase());
  else {
    from = blockIndex(q.fromBlock ?? 'latest');
    to = blockIndex(q.toBlock ?? 'latest');
  }
  out.push(OPEN);
  let any = false;
  if (from !== undefined && to !== undefined) {
    for (let i = from; i <= to; i++) {
      const part = logs[i] as Buffer;
      if (part.length === 0) continue;
      if (any) out.push(COMMA);
      out.push(part);
      any = true;
    }
  }
  out.push(CLOSE);
}

/** Appends the answer to one call to `out`. */
function answer(c: Call, out: Buffer[]): void {
  const p = c.params ?? [];
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(c.id)},`;
  switch (c.method) {
    case 'eth_chainId':
    case 'eth_blockNumber': {
      const value = c.method === 'eth_chainId' ? rec.meta.chainId : `0x${last.toString(16)}`;
      out.push(bytes(`${head}"result":${JSON.stringify(value)}}`));
      return;
    }
    case 'eth_getBlockByNumber':
    case 'eth_getBlockByHash':
    case 'eth_getBlockReceipts':
    case 'eth_getTransactionReceipt':
    case 'eth_getLogs':
      break;
    default:
      out.push(bytes(`${head}"error":{"code":-32601,"message":"Method not found"}}`));
      return;
  }
  out.push(bytes(`${head}"result":`));
  if (c.method === 'eth_getLogs') logsFor((p[0] ?? {}) as { fromBlock?: string; toBlock?: string; blockHash?: string }, out);
  else if (c.method === 'eth_getTransactionReceipt') out.push(txReceipts.get(String(p[0]).toLowerCase()) ?? NULL);
  else {
    const i = blockIndex(p[0]);
    if (i === undefined) out.push(NULL);
    else out.push(c.method === 'eth_getBlockReceipts' ? (receipts[i] as Buffer) : block(i, p[1] === true));
  }
  out.push(END);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call | Call[];
    const out: Buffer[] = [];
    if (Array.isArray(body)) {
      out.push(OPEN);
      body.forEach((c, i) => {
        if (i > 0) out.push(COMMA);
        answer(c, out);
      });
      out.push(CLOSE);
    } else answer(body, out);
    const whole = Buffer.concat(out);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': whole.length });
    res.end(whole);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
