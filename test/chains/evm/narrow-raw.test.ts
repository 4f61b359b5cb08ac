/**
 * Narrowing an answer to the scope as it is parsed (narrow-raw.ts) gives what typing the whole
 * answer and narrowing it gives (extract-transfers.ts's narrowToScope), on a real mainnet block
 * with Transfer logs made for its transactions; and it refuses every answer the typed path
 * refuses for naming another block, whether or not the item touches the scope.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { checkBlock, checkLogs } from '../../../src/chains/evm/consistency.js';
import { narrowToScope, TRANSFER_TOPIC, type NarrowedBlock } from '../../../src/chains/evm/extract-transfers.js';
import { narrowScanned, scanBlock, scanLogs } from '../../../src/chains/evm/narrow-raw.js';
import { parseBlock, parseLogs } from '../../../src/chains/evm/rpc-shapes.js';
import { RpcBadAnswer, RpcInconsistent } from '../../../src/chains/rpc/errors.js';
import { normaliseForFamily } from '../../../src/domain/address.js';
import { HexAddressSet } from '../../../src/domain/hex-address-set.js';
import { SHARED_FIXTURES } from '../../helpers/fixtures.js';

type RawTx = { hash: string; from: string; to: string | null; value: string; input: string; blockHash: string; blockNumber: string; transactionIndex: string };
type RawBlock = { hash: string; number: string; transactions: RawTx[] };
type RawLog = { address: string; topics: string[]; data: string; blockHash: string; blockNumber: string; transactionHash: string; transactionIndex: string; logIndex: string; removed: boolean };

/** Ethereum mainnet block 15,571,241 as eth_getBlockByNumber(n, true) gave it (see the fixtures README). */
const MAINNET = readFileSync(`${SHARED_FIXTURES}ethereum/mainnet-block-15571241.json`, 'utf8');
const NUMBER = 15_571_241n;
const RANGE = { from: NUMBER, to: NUMBER };
const ep = { label: 'fixture' };
const METHODS = { block: 'eth_getBlockByNumber', logs: 'eth_getLogs' };

const word = (hex: string): string => `0x${hex.slice(2).padStart(64, '0')}`;
const HOLDER = '0x00000000000000000000000000000000000a11ce';
const TOKEN = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';

/** A fresh copy of the block, and Transfer logs made for some of its transactions (as a node would send them). */
function answer(): { block: RawBlock; logs: RawLog[] } {
  const block = JSON.parse(MAINNET) as RawBlock;
  const txs = block.transactions;
  const log = (txIndex: number, logIndex: number, topics: string[]): RawLog => ({
    address: TOKEN,
    topics,
    data: word('0x3e8'),
    blockHash: block.hash,
    blockNumber: block.number,
    transactionHash: (txs[txIndex] as RawTx).hash,
    transactionIndex: `0x${txIndex.toString(16)}`,
    logIndex: `0x${logIndex.toString(16)}`,
    removed: false,
  });
  const sender = (i: number): string => (txs[i] as RawTx).from;
  const logs = [
    // The sender of tx 2 pays HOLDER; tx 5 pays the sender of tx 7 twice (two logs).
    log(2, 0, [TRANSFER_TOPIC, word(sender(2)), word(HOLDER)]),
    log(5, 1, [TRANSFER_TOPIC, word(HOLDER), word(sender(7))]),
    log(5, 2, [TRANSFER_TOPIC, word(HOLDER), word(sender(7))]),
    // An ERC-721 Transfer (4 topics) in tx 9: not an ERC-20 transfer, but it proves tx 9 succeeded.
    log(9, 3, [TRANSFER_TOPIC, word(sender(9)), word(HOLDER), word('0x7')]),
    log(30, 4, [TRANSFER_TOPIC, word(sender(30)), word(sender(31))]),
  ];
  return { block, logs };
}

function lookupOf(...addresses: string[]): HexAddressSet {
  const set = new HexAddressSet();
  for (const a of addresses) set.add(normaliseForFamily(a, 'evm'));
  return set;
}

/** The typed path: every transaction and log typed and checked, then narrowed. */
function typedNarrow(raw: { block: unknown; logs: unknown }, scope: HexAddressSet): NarrowedBlock {
  const block = parseBlock(raw.block)!;
  checkBlock(ep, 'eth_getBlockByNumber', block, { number: NUMBER });
  const logs = parseLogs(raw.logs);
  checkLogs(ep, 'eth_getLogs', new Map([[block.number, block]]), logs, RANGE);
  return narrowToScope(block, logs, undefined, scope);
}

function scanNarrow(raw: { block: unknown; logs: unknown }, scope: HexAddressSet): NarrowedBlock {
  const scanned = scanBlock(ep, 'eth_getBlockByNumber', raw.block, { number: NUMBER }, scope)!;
  const logs = scanLogs(ep, 'eth_getLogs', raw.logs, [scanned], RANGE, scope);
  return narrowScanned(ep, METHODS, [scanned], logs, [undefined], scope)[0]!;
}

describe('narrowing a block to the scope as it is parsed', () => {
  const { block } = answer();
  const parties = [...new Set(block.transactions.flatMap((t) => [t.from, ...(t.to === null ? [] : [t.to])]))];

  it('keeps what narrowing the typed block keeps, for every party of the block as the scope, and for none', () => {
    for (const who of [...parties, HOLDER, TOKEN]) {
      const raw = answer();
      expect(scanNarrow(raw, lookupOf(who)), who).toEqual(typedNarrow(raw, lookupOf(who)));
    }
    const raw = answer();
    expect(scanNarrow(raw, lookupOf())).toEqual(typedNarrow(raw, lookupOf()));
    expect(scanNarrow(raw, lookupOf()).txs).toEqual([]);
  });

  it('keeps a transaction for its Transfer logs, with every log of it, the 4-topic one too', () => {
    const raw = answer();
    const got = scanNarrow(raw, lookupOf(HOLDER));
    // Not tx 9: its ERC-721 log names HOLDER, but that is no ERC-20 transfer.
    expect(got.txs.map((t) => t.index)).toEqual([2, 5]);
    expect(got.logs.map((l) => l.logIndex)).toEqual([0, 1, 2]);
    const withSender9 = scanNarrow(answer(), lookupOf(block.transactions[9]!.from));
    expect(withSender9.txs.map((t) => t.index)).toEqual([9]);
    expect(withSender9.logs.map((l) => l.logIndex)).toEqual([3]);
  });

  it('the same answer spelled in upper case or with checksummed addresses narrows the same', () => {
    const plain = answer();
    const spelled = answer();
    const b = spelled.block;
    b.hash = b.hash.toUpperCase().replace(/^0X/, '0x');
    for (const t of b.transactions) {
      t.blockHash = b.hash;
      t.hash = t.hash.toUpperCase().replace(/^0X/, '0x');
      t.from = t.from.toUpperCase().replace(/^0X/, '0x');
    }
    (b.transactions[3] as RawTx).transactionIndex = '0x03';
    for (const l of spelled.logs) {
      l.topics = l.topics.map((t) => t.toUpperCase().replace(/^0X/, '0x'));
      l.blockHash = b.hash;
    }
    for (const who of [parties[0]!, parties[5]!, HOLDER, block.transactions[3]!.from]) {
      expect(scanNarrow(spelled, lookupOf(who)), who).toEqual(typedNarrow(plain, lookupOf(who)));
    }
  });

  it('with traces, a transaction is also kept for an internal move in scope', () => {
    const raw = answer();
    const scope = lookupOf(HOLDER);
    const scanned = scanBlock(ep, 'eth_getBlockByNumber', raw.block, { number: NUMBER }, scope)!;
    const logs = scanLogs(ep, 'eth_getLogs', [], [scanned], RANGE, scope);
    const flat = {
      kind: 'flat' as const,
      traces: scanned.block.txHashes.flatMap((h, i) => [
        { type: 'call', callType: 'call', from: normaliseForFamily(block.transactions[i]!.from, 'evm'), to: null, value: 0n, error: null, traceAddress: [], txHash: h, txPosition: i, blockHash: scanned.block.hash, blockNumber: NUMBER },
        ...(i === 40 ? [{ type: 'call', callType: 'call', from: normaliseForFamily(TOKEN, 'evm'), to: normaliseForFamily(HOLDER, 'evm'), value: 5n, error: null, traceAddress: [0], txHash: h, txPosition: i, blockHash: scanned.block.hash, blockNumber: NUMBER }] : []),
      ]),
    };
    const [got] = narrowScanned(ep, METHODS, [scanned], logs, [flat], scope);
    expect(got!.txs.map((t) => t.index)).toEqual([40]);
  });
});

describe('an answer naming another block is refused, in scope or not', () => {
  const outOfScope = lookupOf(HOLDER);
  const refusals: [string, (raw: { block: RawBlock; logs: RawLog[] }) => void, new (...a: never[]) => Error][] = [
    ['a transaction naming another block hash', (r) => void ((r.block.transactions[20] as RawTx).blockHash = `0x${'cd'.repeat(32)}`), RpcInconsistent],
    ['a transaction naming another block number', (r) => void ((r.block.transactions[20] as RawTx).blockNumber = '0xed992a'), RpcInconsistent],
    ['a transaction at a position it does not claim', (r) => void ((r.block.transactions[20] as RawTx).transactionIndex = '0x15'), RpcInconsistent],
    ['a log naming another block hash', (r) => void ((r.logs[4] as RawLog).blockHash = `0x${'cd'.repeat(32)}`), RpcInconsistent],
    ['a log outside the range', (r) => void ((r.logs[4] as RawLog).blockNumber = '0xed992a'), RpcInconsistent],
    ['a removed log', (r) => void ((r.logs[4] as RawLog).removed = true), RpcInconsistent],
    ['a log naming a transaction not at its index', (r) => void ((r.logs[4] as RawLog).transactionIndex = '0x1f'), RpcInconsistent],
    ['a transaction whose sender is not an address', (r) => void ((r.block.transactions[20] as RawTx).from = '0x1234'), RpcBadAnswer],
    ['a transaction whose sender is a number', (r) => void ((r.block.transactions[20] as { from: unknown }).from = 7), RpcBadAnswer],
    ['a transaction without a hash', (r) => void delete (r.block.transactions[20] as { hash?: string }).hash, RpcBadAnswer],
    ['a log whose address topic is cut short', (r) => void ((r.logs[4] as RawLog).topics[2] = '0x1234'), RpcBadAnswer],
    ['logs that are not a list', (r) => void ((r as { logs: unknown }).logs = { logs: [] }), RpcBadAnswer],
  ];

  for (const [what, spoil, error] of refusals) {
    it(what, () => {
      const good = answer();
      expect(() => scanNarrow(good, outOfScope)).not.toThrow();
      const bad = answer();
      spoil(bad);
      expect(() => typedNarrow(bad, outOfScope)).toThrow();
      expect(() => scanNarrow(bad, outOfScope)).toThrow(error);
    });
  }

  it('a kept transaction is typed in full: a bad value in it is refused', () => {
    const raw = answer();
    const tx = raw.block.transactions[0] as RawTx;
    tx.value = '0xnothex';
    expect(() => scanNarrow(raw, lookupOf(HOLDER))).not.toThrow();
    expect(() => scanNarrow(raw, lookupOf(tx.from))).toThrow(RpcBadAnswer);
  });

  it('a block other than the one asked for is refused', () => {
    const raw = answer();
    expect(() => scanBlock(ep, 'eth_getBlockByNumber', raw.block, { number: NUMBER + 1n }, outOfScope)).toThrow(RpcInconsistent);
    expect(scanBlock(ep, 'eth_getBlockByNumber', null, { number: NUMBER }, outOfScope)).toBeNull();
  });
});
