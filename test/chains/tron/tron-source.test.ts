/**
 * The Tron source against a node serving GetBlock's recorded answers of mainnet block
 * 39,507,235: head and blocks as refs in seconds, every transfer of the block unscoped, and a
 * hash the node no longer knows (reorged away) reported as BlockUnavailable, not retried as a
 * node failure although java-tron answers its logs with an error.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BlockUnavailable } from '../../../src/chains/chain-errors.js';
import { createTronChainSource, type TronChainSource } from '../../../src/chains/tron/index.js';
import { blockHash } from '../../../src/domain/block.js';
import { startRecordedEvmNode, type RecordedEvmNode } from '../../helpers/recorded-evm-node.js';

const DIR = new URL('../../fixtures/tron/mainnet-block-39507235/served/', import.meta.url).pathname;
const HASH = blockHash('0x00000000025ad523bf3d34c17ff81e2cf46824d38ff0373d172fd293ca7e651f');

let node: RecordedEvmNode;
let source: TronChainSource;

beforeAll(async () => {
  node = await startRecordedEvmNode([{ block: `${DIR}block.json`, receipts: `${DIR}receipts.json` }], 728_126_428, { without: ['eth_getBlockReceipts'] });
  source = createTronChainSource({ chain: 'tron', chainId: 728_126_428, endpoints: [{ url: node.url }], log: pino({ level: 'silent' }), maxAttempts: 2, backoffBaseMs: 10 });
  await source.identifyEndpoints();
});
afterAll(async () => {
  await source?.close();
  await node?.close();
});

describe('the Tron source on the recorded mainnet block', () => {
  it('reads the head and the block by number and hash, with the timestamp in seconds', async () => {
    const head = await source.head();
    expect(head).toEqual({ number: 39_507_235n, hash: HASH, parentHash: '0x00000000025ad5222c83c5331b677d87c71cf40a6d2a691738dda7136e7dc0f8', timestamp: Math.floor(0x17ff4639bb8 / 1000) }); // 2022-04-04, sent in ms by that node
    expect(await source.blockAt(39_507_235n)).toEqual(head);
    expect(await source.blockByHash(HASH)).toEqual(head);
    expect(await source.blockAt(39_507_236n)).toBeNull();
  });

  it('gives every transfer of the block without a scope: the TRX payment and the USDT log, the latter after its receipt', async () => {
    const before = node.count('eth_getTransactionReceipt');
    const transfers = await source.transfers(await source.head());
    expect(transfers.map((t) => [t.kind, t.position, t.amount, t.asset])).toEqual([
      ['native', 'tx', 395_255_354n, { kind: 'native' }],
      ['erc20', 'log:30', 581_320_924n, { kind: 'token', contract: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t' }],
    ]);
    expect(node.count('eth_getTransactionReceipt') - before).toBe(1);
  });

  it('a block hash the node does not know is BlockUnavailable', async () => {
    const gone = { number: 39_507_235n, hash: blockHash(`0x00000000025ad523${'e'.repeat(48)}`), parentHash: HASH, timestamp: 0 };
    await expect(source.transfers(gone)).rejects.toBeInstanceOf(BlockUnavailable);
  });
});
