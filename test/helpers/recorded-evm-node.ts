/**
 * A local JSON-RPC server that answers from real recorded mainnet answers (a full-transaction
 * block and its block receipts, e.g. test/fixtures/real/ethereum/mainnet-block-18000000), the
 * way a node holding only those blocks would. Anvil cannot replay mainnet history here (no
 * network to fork from), so this is how the real blocks reach Cordon's whole pipeline.
 *
 * Methods: eth_chainId, net_version, eth_blockNumber, eth_getBlockByNumber (a number or
 * latest/safe/finalized: the highest block served), eth_getBlockByHash, eth_getBlockReceipts,
 * eth_getTransactionReceipt, eth_getLogs (derived from the receipts, by range or block hash,
 * address and topic filters; an unknown block hash is an error, as nodes answer it). Batches are answered in order. Anything else, and the methods
 * the node is told it lacks (`without`): -32601. `replace` serves other blocks from then on.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface RecordedLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly blockNumber: string;
  readonly blockHash: string;
}

interface RecordedReceipt {
  readonly transactionHash: string;
  readonly logs: readonly RecordedLog[];
}

interface RecordedBlock {
  readonly number: string;
  readonly hash: string;
  readonly transactions: readonly ({ readonly hash: string } | string)[];
}

export interface RecordedBlockFiles {
  /** A file holding `[{ request, response: { result: block } }]` (erigon rpc-tests layout) or the answer itself. */
  readonly block: string;
  /** Absent: a block without receipts (no transactions). */
  readonly receipts?: string;
}

export interface RecordedNodeOptions {
  /** Methods this node lacks (answered -32601), e.g. eth_getBlockReceipts on java-tron before 4.8. */
  readonly without?: readonly string[];
}

export interface RecordedEvmNode {
  readonly url: string;
  /** Calls seen per method. */
  count(method: string): number;
  /** Serves these recordings from now on instead (a reorg: another block at a height). */
  replace(recordings: readonly RecordedBlockFiles[]): void;
  close(): Promise<void>;
}

function resultOf<T>(file: string): T {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const first = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  if (typeof first === 'object' && first !== null && 'response' in first) {
    return (first as { response: { result: T } }).response.result;
  }
  // Not the rpc-tests layout: the file is the answer itself (a block, or an array of receipts).
  return parsed as T;
}

interface Call {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
}

type Served = { block: RecordedBlock; receipts: RecordedReceipt[] };

function load(recordings: readonly RecordedBlockFiles[]) {
  const blocks: Served[] = recordings.map((r) => ({ block: resultOf<RecordedBlock>(r.block), receipts: r.receipts === undefined ? [] : resultOf<RecordedReceipt[]>(r.receipts) }));
  return {
    blocks,
    byNumber: new Map(blocks.map((b) => [BigInt(b.block.number), b])),
    byHash: new Map(blocks.map((b) => [b.block.hash.toLowerCase(), b])),
    receiptByTx: new Map(blocks.flatMap((b) => b.receipts.map((r) => [r.transactionHash.toLowerCase(), r] as const))),
    top: blocks.reduce((m, b) => (BigInt(b.block.number) > m ? BigInt(b.block.number) : m), 0n),
  };
}

export async function startRecordedEvmNode(recordings: readonly RecordedBlockFiles[], chainId: number, options: RecordedNodeOptions = {}): Promise<RecordedEvmNode> {
  let served = load(recordings);
  const counts = new Map<string, number>();

  const pick = (tag: unknown): Served | undefined => {
    const { byNumber, top } = served;
    if (tag === 'latest' || tag === 'safe' || tag === 'finalized') return byNumber.get(top);
    return typeof tag === 'string' && /^0x[0-9a-f]+$/i.test(tag) ? byNumber.get(BigInt(tag)) : undefined;
  };
  const shaped = (b: Served | undefined, full: unknown): unknown => {
    if (b === undefined) return null;
    return full === true ? b.block : { ...b.block, transactions: b.block.transactions.map((t) => (typeof t === 'string' ? t : t.hash)) };
  };
  const logsFor = (filter: Record<string, unknown>): RecordedLog[] => {
    const { blocks, byHash } = served;
    let chosen: Served[];
    if (typeof filter['blockHash'] === 'string') {
      const b = byHash.get(filter['blockHash'].toLowerCase());
      chosen = b === undefined ? [] : [b];
    } else {
      const from = pick(filter['fromBlock'] ?? 'latest')?.block.number ?? String(filter['fromBlock']);
      const to = pick(filter['toBlock'] ?? 'latest')?.block.number ?? String(filter['toBlock']);
      chosen = blocks.filter((b) => BigInt(b.block.number) >= BigInt(from) && BigInt(b.block.number) <= BigInt(to));
    }
    const addresses = filter['address'] === undefined ? null : [filter['address']].flat().map((a) => String(a).toLowerCase());
    const topics = Array.isArray(filter['topics']) ? (filter['topics'] as unknown[]) : [];
    const topicOk = (log: RecordedLog): boolean =>
      topics.every((want, i) => want === null || [want].flat().map((t) => String(t).toLowerCase()).includes(log.topics[i]?.toLowerCase() ?? ''));
    return chosen.flatMap((b) => b.receipts.flatMap((r) => r.logs)).filter((l) => (addresses === null || addresses.includes(l.address.toLowerCase())) && topicOk(l));
  };

  const answer = (c: Call): unknown => {
    const method = typeof c.method === 'string' ? c.method : '';
    counts.set(method, (counts.get(method) ?? 0) + 1);
    const p = Array.isArray(c.params) ? (c.params as unknown[]) : [];
    const ok = (result: unknown) => ({ jsonrpc: '2.0', id: c.id ?? null, result });
    const { byHash, receiptByTx, top } = served;
    if (options.without?.includes(method)) return { jsonrpc: '2.0', id: c.id ?? null, error: { code: -32601, message: `the method ${method} does not exist/is not available` } };
    switch (method) {
      case 'eth_chainId':
        return ok(`0x${chainId.toString(16)}`);
      case 'net_version':
        return ok(String(chainId));
      case 'eth_blockNumber':
        return ok(`0x${top.toString(16)}`);
      case 'eth_getBlockByNumber':
        return ok(shaped(pick(p[0]), p[1]));
      case 'eth_getBlockByHash':
        return ok(shaped(byHash.get(String(p[0]).toLowerCase()), p[1]));
      case 'eth_getBlockReceipts': {
        const b = pick(p[0]) ?? byHash.get(String(p[0]).toLowerCase());
        return ok(b === undefined ? null : b.receipts);
      }
      case 'eth_getTransactionReceipt':
        return ok(receiptByTx.get(String(p[0]).toLowerCase()) ?? null);
      case 'eth_getLogs': {
        const filter = (p[0] ?? {}) as Record<string, unknown>;
        // As geth ("unknown block") and java-tron ("invalid blockHash") do for a hash they lack.
        if (typeof filter['blockHash'] === 'string' && !byHash.has(filter['blockHash'].toLowerCase())) {
          return { jsonrpc: '2.0', id: c.id ?? null, error: { code: -32602, message: 'invalid blockHash' } };
        }
        return ok(logsFor(filter));
      }
      default:
        return { jsonrpc: '2.0', id: c.id ?? null, error: { code: -32601, message: `the method ${method} does not exist/is not available` } };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }));
        return;
      }
      const out = Array.isArray(body) ? body.map((c) => answer(c as Call)) : answer(body as Call);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: (method) => counts.get(method) ?? 0,
    replace: (next) => {
      served = load(next);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
