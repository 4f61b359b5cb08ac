import { describe, expect, it } from 'vitest';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { screenBlocksOf, screenJobBlocks, toScreenRows, type AttributedTransfer, type ScreenJob, type WireBlock } from '../../src/pipeline/jobs.js';

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as NormalisedAddress;
const BLOCK: WireBlock = { number: '19000000', hash: `0x${'b'.repeat(64)}`, parentHash: `0x${'a'.repeat(64)}`, timestamp: 1_705_000_000 };
const RUN = { runId: 'ethereum-19000000-19000049-abcd1234', dryRun: false };

const native: AttributedTransfer = {
  transfer: { chain: 'ethereum', blockNumber: BLOCK.number, blockHash: BLOCK.hash, txHash: `0x${'1'.repeat(64)}`, position: 'tx', kind: 'native', asset: { kind: 'native' }, from: a(1), to: a(0xd), amount: '1000000000000000000', txFrom: a(1) },
  direction: 'deposit',
  accountId: 'acct-7',
  exchangeAddress: a(0xd),
  counterparties: [a(1)],
};
const token: AttributedTransfer = {
  transfer: { chain: 'ethereum', blockNumber: BLOCK.number, blockHash: BLOCK.hash, txHash: `0x${'2'.repeat(64)}`, position: 'log:4', kind: 'erc20', asset: { kind: 'token', contract: a(0x70c) }, from: a(0xd), to: a(2), amount: '5', txFrom: a(0xd) },
  direction: 'withdrawal',
  accountId: null,
  exchangeAddress: a(0xd),
  counterparties: [a(2), a(3)],
};
const contractCall: AttributedTransfer = {
  transfer: { chain: 'ethereum', blockNumber: BLOCK.number, blockHash: BLOCK.hash, txHash: `0x${'3'.repeat(64)}`, position: 'out:1', kind: 'utxo', asset: { kind: 'native' }, from: a(4), to: null, amount: '0', txFrom: a(4), payment: 'out:1' },
  direction: 'deposit',
  accountId: 'acct-9',
  exchangeAddress: a(0xd),
  counterparties: [a(4)],
};
const items = [native, token, contractCall];

describe('screen jobs', () => {
  it('carry their transfers as rows that decode to exactly the attributed transfers extract handed on', () => {
    const job: ScreenJob = { chain: 'ethereum', blocks: [toScreenRows('ethereum', BLOCK, items)], run: RUN };
    // Through Redis the job is JSON: what the screen stage reads is the parsed text.
    const read = JSON.parse(JSON.stringify(job)) as ScreenJob;
    expect(screenBlocksOf(read)).toEqual([{ block: BLOCK, items }]);
    expect(screenJobBlocks(read)).toEqual([BLOCK]);
    // Smaller than the objects earlier versions queued (the point of the rows).
    const asObjects = JSON.stringify({ chain: 'ethereum', blocks: [{ block: BLOCK, items }], run: RUN });
    expect(JSON.stringify(job).length).toBeLessThan(asObjects.length * 0.7);
  });

  it('still reads the jobs earlier versions queued: blocks with items, and one block with items', () => {
    const blocksForm: ScreenJob = { chain: 'ethereum', blocks: [{ block: BLOCK, items }], run: RUN };
    const oneBlockForm: ScreenJob = { chain: 'ethereum', block: BLOCK, items };
    expect(screenBlocksOf(blocksForm)).toEqual([{ block: BLOCK, items }]);
    expect(screenBlocksOf(oneBlockForm)).toEqual([{ block: BLOCK, items }]);
    expect(screenJobBlocks(oneBlockForm)).toEqual([BLOCK]);
  });

  it('refuses to write a transfer under a block it is not of, instead of moving it there', () => {
    const other = { ...native, transfer: { ...native.transfer, blockHash: `0x${'c'.repeat(64)}` } };
    expect(() => toScreenRows('ethereum', BLOCK, [other])).toThrow(/handed on with block ethereum #19000000/);
    expect(() => toScreenRows('base', BLOCK, [native])).toThrow(/of ethereum #19000000/);
  });
});
