/**
 * A recording of a node's answers for a block range, as files under bench/.cache/:
 *   meta.json         { first, last, txsPerBlock, chainId }
 *   blocks.ndjson     eth_getBlockByNumber(n, true) results, one JSON text per line, block order
 *   receipts.ndjson   eth_getBlockReceipts(n) results, same order
 *   logs.ndjson       eth_getLogs Transfer-topic results per block (recorded by range, split by block)
 *   anvil-state.json  anvil_dumpState (un-gzipped), to reload the chain into a live node on
 *                     later runs with `anvil --load-state`
 * Per-transaction receipts (eth_getTransactionReceipt) are served as the matching element of
 * the block's receipts: the recorder checks on a sample that anvil answers exactly that.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';

import type { Anvil } from '../../test/helpers/anvil.js';
import { TRANSFER_TOPIC } from '../../src/chains/evm/extract-transfers.js';

export interface RecordingMeta {
  readonly first: string;
  readonly last: string;
  readonly txsPerBlock: number;
  readonly chainId: string;
}

export interface Recording {
  readonly meta: RecordingMeta;
  readonly blocks: string[];
  readonly receipts: string[];
  readonly logs: string[];
}

export const cacheDir = (root: string, blocks: number, txs: number): string => `${root}/bench/.cache/evm-replay-v2-${blocks}b-${txs}tx`;

export function hasRecording(dir: string): boolean {
  return ['meta.json', 'blocks.ndjson', 'receipts.ndjson', 'logs.ndjson', 'anvil-state.json'].every((f) => existsSync(`${dir}/${f}`));
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

async function writeLines(path: string, lines: AsyncIterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for await (const line of lines) {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function record(node: Anvil, dir: string, range: { first: bigint; last: bigint; txsPerBlock: number }): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { first, last } = range;
  const numbers: bigint[] = [];
  for (let n = first; n <= last; n++) numbers.push(n);
  const BATCH = 20;

  async function* batched(method: string, params: (n: bigint) => unknown[]): AsyncIterable<string> {
    for (let i = 0; i < numbers.length; i += BATCH) {
      const results = await node.rpcBatch(numbers.slice(i, i + BATCH).map((n) => ({ method, params: params(n) })));
      for (const r of results) yield JSON.stringify(r);
    }
  }
  await writeLines(`${dir}/blocks.ndjson`, batched('eth_getBlockByNumber', (n) => [hex(n), true]));
  await writeLines(`${dir}/receipts.ndjson`, batched('eth_getBlockReceipts', (n) => [hex(n)]));

  async function* logsPerBlock(): AsyncIterable<string> {
    const SPAN = 100n;
    for (let from = first; from <= last; from += SPAN) {
      const to = from + SPAN - 1n < last ? from + SPAN - 1n : last;
      const logs = await node.rpc<{ blockNumber: string }[]>('eth_getLogs', [{ fromBlock: hex(from), toBlock: hex(to), topics: [TRANSFER_TOPIC] }]);
      const byBlock = new Map<bigint, unknown[]>();
      for (const l of logs) {
        const n = BigInt(l.blockNumber);
        let list = byBlock.get(n);
        if (list === undefined) byBlock.set(n, (list = []));
        list.push(l);
      }
      for (let n = from; n <= to; n++) yield JSON.stringify(byBlock.get(n) ?? []);
    }
  }
  await writeLines(`${dir}/logs.ndjson`, logsPerBlock());

  // Per-tx receipts are served from block receipts: check anvil agrees on a sample.
  const sample = await node.rpc<{ transactions: string[] }>('eth_getBlockByNumber', [hex(first), false]);
  const blockReceipts = await node.rpc<unknown[]>('eth_getBlockReceipts', [hex(first)]);
  for (const i of [0, 1, sample.transactions.length - 1]) {
    const one = await node.rpc('eth_getTransactionReceipt', [sample.transactions[i]]);
    if (JSON.stringify(one) !== JSON.stringify(blockReceipts[i])) throw new Error(`eth_getTransactionReceipt differs from eth_getBlockReceipts[${i}]`);
  }

  // anvil_dumpState is hex of gzipped JSON; --load-state wants the JSON.
  const dumped = Buffer.from((await node.rpc<string>('anvil_dumpState', [])).replace(/^0x/, ''), 'hex');
  writeFileSync(`${dir}/anvil-state.json`, dumped[0] === 0x1f && dumped[1] === 0x8b ? gunzipSync(dumped) : dumped);
  const meta: RecordingMeta = { first: first.toString(), last: last.toString(), txsPerBlock: range.txsPerBlock, chainId: await node.rpc<string>('eth_chainId', []) };
  writeFileSync(`${dir}/meta.json`, JSON.stringify(meta, null, 2));
}

async function readLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) if (line !== '') lines.push(line);
  return lines;
}

function readMeta(dir: string): RecordingMeta {
  return JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as RecordingMeta;
}

function checkComplete(dir: string, meta: RecordingMeta, ...files: readonly string[][]): void {
  const count = Number(BigInt(meta.last) - BigInt(meta.first)) + 1;
  if (files.some((lines) => lines.length !== count)) throw new Error(`recording in ${dir} is incomplete; delete it to rebuild`);
}

/** The blocks alone (what the exchange's set-up reads): a third of the recording's size. */
export async function loadRecordedBlocks(dir: string): Promise<Pick<Recording, 'meta' | 'blocks'>> {
  const meta = readMeta(dir);
  const blocks = await readLines(`${dir}/blocks.ndjson`);
  checkComplete(dir, meta, blocks);
  return { meta, blocks };
}

export async function loadRecording(dir: string): Promise<Recording> {
  const meta = readMeta(dir);
  const [blocks, receipts, logs] = await Promise.all([readLines(`${dir}/blocks.ndjson`), readLines(`${dir}/receipts.ndjson`), readLines(`${dir}/logs.ndjson`)]);
  checkComplete(dir, meta, blocks, receipts, logs);
  return { meta, blocks, receipts, logs };
}
