/**
 * The Tron reading rules on GetBlock's recorded mainnet answers of block 39,507,235
 * (test/fixtures/tron/): addresses as T…, txids without 0x, the old node's millisecond
 * timestamp as seconds, and which movements count without a receipt.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { normaliseForFamily } from '../../../src/domain/address.js';
import { readLogs } from '../../../src/chains/evm/fetch-logs.js';
import type { EvmLog } from '../../../src/chains/evm/rpc-shapes.js';
import { readTronBlock, tronSeconds } from '../../../src/chains/tron/tron-block.js';
import { tronCandidates, tronTransfers } from '../../../src/chains/tron/tron-transfers.js';

const DIR = new URL('../../fixtures/tron/mainnet-block-39507235/served/', import.meta.url);
const json = (name: string): unknown => JSON.parse(readFileSync(new URL(name, DIR), 'utf8'));
const ep = { label: 'recorded' };
const call = { method: 'eth_getBlockByHash', params: ['0x00000000025ad523bf3d34c17ff81e2cf46824d38ff0373d172fd293ca7e651f', true] };

function read() {
  const block = readTronBlock(ep, call, json('block.json'), { hash: call.params[0] as string });
  if (block === null) throw new Error('no block');
  const receipts = json('receipts.json') as { logs: unknown[] }[];
  const logs: EvmLog[] = readLogs(ep, receipts.flatMap((r) => r.logs));
  return { block, logs };
}

describe('Tron block 39,507,235 as read from the recorded answers', () => {
  it('reads the old node\'s millisecond timestamp as seconds (and leaves seconds alone)', () => {
    expect(read().block.block.timestamp).toBe(Math.floor(0x17ff4639bb8 / 1000));
    expect(tronSeconds(1_777_437_276)).toBe(1_777_437_276);
  });

  it('finds the TRX transfer (no receipt needed) and the USDT Transfer log (receipt needed), parties as T…', () => {
    const { block, logs } = read();
    const found = tronCandidates(block, logs).map((c) => ({ position: c.position, kind: c.kind, from: c.from, to: c.to, amount: c.amount, contract: c.contract, needsStatus: c.needsStatus }));
    expect(found).toEqual([
      { position: 'tx', kind: 'native', from: normaliseForFamily('0xa953f5f78af3cc2bd87ad72aa11afd8f1fd896f5', 'tron'), to: normaliseForFamily('0x914d56d523b8fd239bd8f5a1df290d0d5ba7d5e5', 'tron'), amount: 395_255_354n, contract: undefined, needsStatus: false },
      {
        position: 'log:30',
        kind: 'erc20',
        from: normaliseForFamily('0xa346f2bd7d43a5d90b7c57a18196be96b2840e61', 'tron'),
        to: normaliseForFamily('0x01eb1a2d0528dd1d99592cd7baa98f2603804f76', 'tron'),
        amount: 581_320_924n,
        contract: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
        needsStatus: true,
      },
    ]);
  });

  it('a contract call counts only with a success status; txids lose their 0x', () => {
    const { block, logs } = read();
    const candidates = tronCandidates(block, logs);
    const usdtTx = '0x9ff75c018157f4504adc34058510516c603569238e5c3d156b1f0b096856b1a1';
    const ok = tronTransfers('tron', block, candidates, new Map([[usdtTx, true]]));
    expect(ok.map((t) => t.txHash)).toEqual(['92273e5a340d73687cbe3a9a98b47cdcb559f8c6c1f4a054b7c7cb08fceafcdb', usdtTx.slice(2)]);
    const reverted = tronTransfers('tron', block, candidates, new Map([[usdtTx, false]]));
    expect(reverted.map((t) => t.position)).toEqual(['tx']);
    expect(() => tronTransfers('tron', block, candidates, new Map())).toThrow(/no receipt status/);
  });
});
