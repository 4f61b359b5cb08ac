import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { TRANSFER_TOPIC } from '../../../src/chains/evm/extract-transfers.js';
import { bloomBits, bloomMayContain } from '../../../src/chains/evm/logs-bloom.js';
import { parseBlock, ShapeError } from '../../../src/chains/evm/rpc-shapes.js';
import { SHARED_FIXTURES } from '../../helpers/fixtures.js';

/** Ethereum mainnet block 15,571,241 (see the fixtures README); it has two ERC-20 `transfer` calls (USDC and another token). */
const RAW = JSON.parse(readFileSync(`${SHARED_FIXTURES}ethereum/mainnet-block-15571241.json`, 'utf8')) as {
  logsBloom: string;
  transactions: { to: string | null; input: string }[];
};

describe('logs bloom of a real mainnet block', () => {
  const block = parseBlock(RAW)!;

  it('is kept from the header', () => {
    expect(block.logsBloom).toBe(RAW.logsBloom);
  });

  it('holds the Transfer event and the token contracts that emitted it', () => {
    expect(bloomMayContain(block.logsBloom!, bloomBits(TRANSFER_TOPIC))).toBe(true);
    const tokens = RAW.transactions.filter((t) => t.input.startsWith('0xa9059cbb')).map((t) => t.to!);
    expect(tokens).toContain('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48');
    for (const token of tokens) expect(bloomMayContain(block.logsBloom!, bloomBits(token))).toBe(true);
  });

  it('rules out values no log of the block carries', () => {
    expect(bloomMayContain(block.logsBloom!, bloomBits(`0x${'11'.repeat(32)}`))).toBe(false);
    expect(bloomMayContain(block.logsBloom!, bloomBits(`0x${'33'.repeat(20)}`))).toBe(false);
    expect(bloomMayContain(`0x${'00'.repeat(256)}`, bloomBits(TRANSFER_TOPIC))).toBe(false);
  });

  it('a bloom of the wrong size is a malformed header', () => {
    expect(() => parseBlock({ ...RAW, logsBloom: '0x00' })).toThrow(ShapeError);
    expect(() => parseBlock({ ...RAW, logsBloom: '0x00' })).toThrow(/block\.logsBloom/);
  });
});
