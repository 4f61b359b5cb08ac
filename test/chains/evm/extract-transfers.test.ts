import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { checkBlock } from '../../../src/chains/evm/consistency.js';
import {
  extractTransfers,
  IncompleteBlockContents,
  narrowToScope,
  partiesOf,
  TRANSFER_TOPIC,
  txsNeedingStatus,
  type BlockTraces,
} from '../../../src/chains/evm/extract-transfers.js';
import { parseBlock, parseCallTraces, parseFlatTraces, parseLogs, ShapeError, type EvmBlock, type EvmLog } from '../../../src/chains/evm/rpc-shapes.js';
import { RpcInconsistent } from '../../../src/chains/rpc/errors.js';
import { normaliseForFamily } from '../../../src/domain/address.js';
import { transferId } from '../../../src/domain/transfer.js';
import { SHARED_FIXTURES } from '../../helpers/fixtures.js';

/** Ethereum mainnet block 15,571,241 as eth_getBlockByNumber(n, true) gave it (see the fixtures README). */
const MAINNET_RAW = JSON.parse(readFileSync(`${SHARED_FIXTURES}ethereum/mainnet-block-15571241.json`, 'utf8')) as {
  transactions: { hash: string; from: string; to: string | null; value: string; input: string }[];
};

function mainnet(): EvmBlock {
  const b = parseBlock(MAINNET_RAW);
  if (b === null) throw new Error('fixture parsed to null');
  return b;
}

const allOk = (b: EvmBlock): Map<string, boolean> => new Map(b.txHashes.map((h) => [h, true]));

describe('extracting transfers from a real mainnet block (15,571,241)', () => {
  it('parses all 58 transactions and the block checks against its own hash', () => {
    const b = mainnet();
    expect(b.number).toBe(15_571_241n);
    expect(b.hash).toBe('0x1850b014065b23d804ecf71a8a4691d076ca87c2e6fb8fe81ee20a4d8e884c24');
    expect(b.txs).toHaveLength(58);
    expect(() => checkBlock({ label: 'fixture' }, 'eth_getBlockByNumber', b, { number: 15_571_241n, hash: b.hash })).not.toThrow();
  });

  it('finds the 31 transactions that carry ETH, with their exact amounts and parties', () => {
    const b = mainnet();
    const native = extractTransfers({ chain: 'ethereum', block: b, status: allOk(b), logs: [] }).filter((t) => t.kind === 'native');
    const carrying = MAINNET_RAW.transactions.filter((t) => BigInt(t.value) > 0n);
    expect(native).toHaveLength(31);
    expect(native.map((t) => [t.txHash, t.from, t.to, t.amount])).toEqual(carrying.map((t) => [t.hash, t.from, t.to, BigInt(t.value)]));
    expect(native.reduce((s, t) => s + t.amount, 0n)).toBe(3_187_348_272_657_845_346n);
    for (const t of native) {
      expect(t.position).toBe('tx');
      expect(t.asset).toEqual({ kind: 'native' });
      expect(t.txFrom).toBe(t.from);
      expect(t.blockHash).toBe(b.hash);
    }
  });

  it('every value-less transaction with calldata is a `call` finding of amount 0', () => {
    const b = mainnet();
    const calls = extractTransfers({ chain: 'ethereum', block: b, status: allOk(b), logs: [] }).filter((t) => t.kind === 'call');
    expect(calls).toHaveLength(27);
    expect(calls.every((t) => t.amount === 0n && t.to !== null)).toBe(true);
  });

  it('transfer ids are unique within the block', () => {
    const b = mainnet();
    const ts = extractTransfers({ chain: 'ethereum', block: b, status: allOk(b), logs: [] });
    expect(new Set(ts.map(transferId)).size).toBe(ts.length);
  });

  it('a reverted transaction yields nothing, and a missing status is an error, not a guess', () => {
    const b = mainnet();
    const first = b.txs![0]!;
    const status = allOk(b);
    status.set(first.hash, false);
    expect(extractTransfers({ chain: 'ethereum', block: b, status, logs: [] }).some((t) => t.txHash === first.hash)).toBe(false);
    status.delete(first.hash);
    expect(() => extractTransfers({ chain: 'ethereum', block: b, status, logs: [] })).toThrow(IncompleteBlockContents);
  });

  it('a block without full transactions cannot be extracted', () => {
    const raw = { ...MAINNET_RAW, transactions: MAINNET_RAW.transactions.map((t) => t.hash) };
    const b = parseBlock(raw)!;
    expect(() => extractTransfers({ chain: 'ethereum', block: b, status: new Map(), logs: [] })).toThrow(IncompleteBlockContents);
  });
});

describe('scoped to the exchange’s addresses (mainnet block 15,571,241)', () => {
  const b = mainnet();
  const all = extractTransfers({ chain: 'ethereum', block: b, status: allOk(b), logs: [] });
  // Two parties of the block: the recipient of its first ETH transfer and the sender of its first call.
  const firstNative = all.find((t) => t.kind === 'native')!;
  const firstCall = all.find((t) => t.kind === 'call')!;
  const scope = new Set([firstNative.to!, firstCall.from]);
  const touching = all.filter((t) => scope.has(t.from) || (t.to !== null && scope.has(t.to)));

  it('needs the status of only the transactions that touch the scope, and yields exactly their transfers', () => {
    const needed = txsNeedingStatus(b, [], scope);
    expect(needed.map((tx) => tx.hash).sort()).toEqual([...new Set(touching.map((t) => t.txHash))].sort());
    expect(needed.length).toBeLessThan(b.txs!.length / 4);
    const status = new Map(needed.map((tx) => [tx.hash, true]));
    expect(extractTransfers({ chain: 'ethereum', block: b, status, logs: [], scope })).toEqual(touching);
  });

  it('a missing status inside the scope is still an error; outside it, nothing is guessed or emitted', () => {
    const needed = txsNeedingStatus(b, [], scope);
    const status = new Map(needed.slice(1).map((tx) => [tx.hash, true]));
    expect(() => extractTransfers({ chain: 'ethereum', block: b, status, logs: [], scope })).toThrow(IncompleteBlockContents);
    expect(extractTransfers({ chain: 'ethereum', block: b, status: new Map(), logs: [], scope: new Set() })).toEqual([]);
  });

  it('a reverted transaction in scope yields nothing', () => {
    const needed = txsNeedingStatus(b, [], scope);
    const status = new Map(needed.map((tx, i) => [tx.hash, i !== 0]));
    const got = extractTransfers({ chain: 'ethereum', block: b, status, logs: [], scope });
    expect(got.some((t) => t.txHash === needed[0]!.hash)).toBe(false);
    expect(got).toHaveLength(touching.filter((t) => t.txHash !== needed[0]!.hash).length);
  });

  it('without a scope every value or call transaction needs a status; the parties cover every transfer', () => {
    expect(txsNeedingStatus(b, [])).toHaveLength(31 + 27);
    const parties = partiesOf(b, [], undefined);
    for (const t of all) {
      expect(parties).toContain(t.from);
      if (t.to !== null) expect(parties).toContain(t.to);
    }
  });
});

describe('ERC-20 Transfer logs', () => {
  const b = mainnet();
  const tx = b.txs![5]!;
  const pad = (a: string): string => `0x000000000000000000000000${a.slice(2)}`;
  const A = '0x1111111111111111111111111111111111111111';
  const B = '0x2222222222222222222222222222222222222222';
  const T = normaliseForFamily('0x3333333333333333333333333333333333333333', 'evm');
  const log = (over: Partial<EvmLog>): EvmLog => ({
    address: T,
    topics: [TRANSFER_TOPIC, pad(A), pad(B)],
    data: `0x${(1234n).toString(16).padStart(64, '0')}`,
    blockHash: b.hash,
    blockNumber: b.number,
    txHash: tx.hash,
    txIndex: tx.index,
    logIndex: 9,
    removed: false,
    ...over,
  });
  const erc20 = (logs: EvmLog[]) =>
    extractTransfers({ chain: 'ethereum', block: b, status: allOk(b), logs }).filter((t) => t.kind === 'erc20');

  it('a standard log becomes an erc20 transfer of that token, positioned by log index', () => {
    const [t] = erc20([log({})]);
    expect(t).toMatchObject({ position: 'log:9', from: A, to: B, amount: 1234n, asset: { kind: 'token', contract: T }, txHash: tx.hash, txFrom: tx.from });
  });

  it('ERC-721 (4 topics), unindexed, dirty-topic and wrong-size logs are not ERC-20 transfers', () => {
    expect(erc20([log({ topics: [TRANSFER_TOPIC, pad(A), pad(B), pad(T)], data: '0x' })])).toEqual([]);
    expect(erc20([log({ topics: [TRANSFER_TOPIC], data: `0x${'00'.repeat(96)}` })])).toEqual([]);
    expect(erc20([log({ topics: [TRANSFER_TOPIC, `0xff${pad(A).slice(4)}`, pad(B)] })])).toEqual([]);
    expect(erc20([log({ data: '0x01' })])).toEqual([]);
    expect(erc20([log({ topics: [`0x${'00'.repeat(32)}`, pad(A), pad(B)] })])).toEqual([]);
  });

  it('a log is evidence of success: no receipt status is needed for its transaction', () => {
    const status = allOk(b);
    status.delete(tx.hash);
    const ts = extractTransfers({ chain: 'ethereum', block: b, status, logs: [log({})] });
    expect(ts.some((t) => t.txHash === tx.hash && t.kind === 'erc20')).toBe(true);
    expect(txsNeedingStatus(b, [log({})]).some((t) => t.hash === tx.hash)).toBe(false);
  });

  it('scoped: a token deposit to a watched address is kept without any receipt, others are left out', () => {
    const deposit = log({});
    const other = log({ logIndex: 10, topics: [TRANSFER_TOPIC, pad(A), pad(T)] });
    const scope = new Set([normaliseForFamily(B, 'evm')]);
    expect(partiesOf(b, [deposit, other], undefined)).toEqual(expect.arrayContaining([A, B, T]));
    expect(txsNeedingStatus(b, [deposit, other], scope)).toEqual([]);
    const ts = extractTransfers({ chain: 'ethereum', block: b, status: new Map(), logs: [deposit, other], scope });
    expect(ts.map((t) => [t.kind, t.position, t.to])).toEqual([['erc20', 'log:9', B]]);
  });

  it('the parties cover both ends of every token transfer, whatever kind of transaction sent it', () => {
    const sender = tx.from;
    const fromSender = log({ topics: [TRANSFER_TOPIC, pad(sender), pad(B)] });
    expect(partiesOf(b, [fromSender], undefined)).toEqual(expect.arrayContaining([sender, B]));
    // A constructor, or a receive function reached with no value and no calldata, can send
    // tokens too: such transactions are no transfer themselves, so their sender is asked about here.
    for (const quiet of [
      { ...tx, to: null, value: 0n, hasInput: true },
      { ...tx, value: 0n, hasInput: false },
    ]) {
      const txs = b.txs!.map((t) => (t === tx ? quiet : t));
      expect(partiesOf({ ...b, txs }, [fromSender], undefined)).toContain(sender);
    }
  });

  it('narrowed to a scope, a block keeps only what touches it and yields the same transfers and status needs', () => {
    const all = extractTransfers({ chain: 'ethereum', block: b, status: allOk(b), logs: [] });
    const native = all.find((t) => t.kind === 'native')!;
    const call = all.find((t) => t.kind === 'call' && t.txHash !== tx.hash)!;
    // A token deposit to B inside tx 5 (itself out of scope), an ETH recipient, a caller.
    const logs = [log({}), log({ logIndex: 10, topics: [TRANSFER_TOPIC, pad(A), pad(T)] })];
    const scope = new Set([normaliseForFamily(B, 'evm'), native.to!, call.from]);
    const narrowed = narrowToScope(b, logs, undefined, scope);
    expect(narrowed.block.txs).toBeNull();
    expect(narrowed.block.txHashes).toEqual(b.txHashes);
    expect(narrowed.txs.length).toBeLessThan(b.txs!.length / 4);
    expect(narrowed.txs.map((t) => t.hash)).toContain(tx.hash);
    expect(narrowed.logs).toEqual(logs);

    const needWhole = txsNeedingStatus(b, logs, scope);
    expect(txsNeedingStatus(narrowed.block, narrowed.logs, scope, narrowed.txs)).toEqual(needWhole);
    for (const reverted of [undefined, native.txHash]) {
      const status = new Map(needWhole.map((t) => [t.hash, t.hash !== reverted]));
      const whole = extractTransfers({ chain: 'ethereum', block: b, status, logs, scope });
      expect(extractTransfers({ chain: 'ethereum', ...narrowed, status, scope })).toEqual(whole);
      expect(whole.map((t) => t.kind)).toEqual(expect.arrayContaining(['erc20', 'call']));
      expect(whole.some((t) => t.kind === 'native' && t.txHash === native.txHash)).toBe(reverted === undefined);
    }
    // Out of scope entirely: nothing is kept.
    expect(narrowToScope(b, logs, undefined, new Set())).toMatchObject({ txs: [], logs: [] });
  });
});

describe('internal transfers from traces', () => {
  // A two-transaction block (transactions from the mainnet fixture, re-used as shapes).
  const b = mainnet();
  const block: EvmBlock = { ...b, txs: b.txs!.slice(0, 2), txHashes: b.txHashes.slice(0, 2) };
  const [t0, t1] = block.txs as [NonNullable<EvmBlock['txs']>[number], NonNullable<EvmBlock['txs']>[number]];
  const X = '0x000000000000000000000000000000000000000a';
  const Y = '0x000000000000000000000000000000000000000b';
  const Z = '0x000000000000000000000000000000000000000c';
  const frame = (type: string, from: string, to: string, value: bigint, calls: unknown[] = [], error?: string) => ({
    type,
    from,
    to,
    value: `0x${value.toString(16)}`,
    gas: '0x0',
    gasUsed: '0x0',
    input: '0x',
    ...(error === undefined ? {} : { error }),
    calls,
  });
  const internal = (traces: BlockTraces) =>
    extractTransfers({ chain: 'ethereum', block, status: allOk(block), logs: [], traces })
      .filter((t) => t.kind === 'internal')
      .map((t) => `${t.txHash === t0.hash ? 0 : 1} ${t.position} ${t.from}>${t.to} ${t.amount}`);

  it('callTracer: value-moving frames below the top, skipping reverted subtrees and delegate calls', () => {
    const traces = parseCallTraces([
      {
        txHash: t0.hash,
        result: frame('CALL', t0.from, X, 5n, [
          frame('CALL', X, Y, 3n, [frame('CALL', Y, Z, 1n)]), // 0 and 0.0
          frame('CALL', X, Z, 2n, [frame('CALL', Z, Y, 2n)], 'execution reverted'), // 1, reverted with its child
          frame('DELEGATECALL', X, Y, 5n, [frame('CALL', X, Z, 4n)]), // 2 moves nothing; 2.0 does
          frame('STATICCALL', X, Y, 0n),
          frame('SELFDESTRUCT', X, Z, 7n),
          frame('CREATE2', X, Y, 0n),
        ]),
      },
      { txHash: t1.hash, result: frame('CALL', t1.from, X, 0n, [frame('CALL', X, Y, 9n)], 'out of gas') },
    ]);
    expect(internal({ kind: 'call', traces })).toEqual([`0 trace:0 ${X}>${Y} 3`, `0 trace:0.0 ${Y}>${Z} 1`, `0 trace:2.0 ${X}>${Z} 4`, `0 trace:4 ${X}>${Z} 7`]);
  });

  it('trace_block: the same frames, with a reverted ancestor anywhere above cancelling a frame', () => {
    const at = (txPosition: number, traceAddress: number[], action: Record<string, string>, extra: Record<string, unknown> = {}) => ({
      action,
      blockHash: block.hash,
      blockNumber: Number(block.number),
      result: { gasUsed: '0x0', output: '0x' },
      subtraces: 0,
      traceAddress,
      transactionHash: txPosition === 0 ? t0.hash : t1.hash,
      transactionPosition: txPosition,
      type: 'call',
      ...extra,
    });
    const call = (from: string, to: string, value: bigint, callType = 'call') => ({ from, to, value: `0x${value.toString(16)}`, callType, input: '0x', gas: '0x0' });
    const traces = parseFlatTraces([
      at(0, [], call(t0.from, X, 5n)),
      at(0, [0], call(X, Y, 3n)),
      at(0, [0, 0], call(Y, Z, 1n)),
      at(0, [1], call(X, Z, 2n), { error: 'Reverted' }),
      at(0, [1, 0], call(Z, Y, 2n)),
      at(0, [2], call(X, Y, 5n, 'delegatecall')),
      at(0, [2, 0], call(X, Z, 4n)),
      at(0, [3], { address: X, refundAddress: Z, balance: '0x7' }, { type: 'suicide' }),
      at(1, [], call(t1.from, X, 0n), { error: 'out of gas' }),
      at(1, [0], call(X, Y, 9n)),
      { action: { author: X, rewardType: 'block', value: '0x1' }, blockHash: block.hash, blockNumber: Number(block.number), result: null, subtraces: 0, traceAddress: [], transactionHash: null, transactionPosition: null, type: 'reward' },
    ])!;
    expect(internal({ kind: 'flat', traces })).toEqual([`0 trace:0 ${X}>${Y} 3`, `0 trace:0.0 ${Y}>${Z} 1`, `0 trace:2.0 ${X}>${Z} 4`, `0 trace:3 ${X}>${Z} 7`]);
  });

  it('a transaction the node could not trace is an error, not an empty list', () => {
    const traces = parseCallTraces([{ txHash: t0.hash, error: 'tracing failed' }, { txHash: t1.hash, result: frame('CALL', t1.from, X, 0n) }]);
    expect(() => internal({ kind: 'call', traces })).toThrow(IncompleteBlockContents);
  });
});

describe('raw answer validation', () => {
  it('a malformed field is named in the error', () => {
    const bad = structuredClone(MAINNET_RAW) as unknown as { transactions: { value: string }[] };
    bad.transactions[3]!.value = 'lots';
    expect(() => parseBlock(bad)).toThrow(ShapeError);
    expect(() => parseBlock(bad)).toThrow(/transactions\[3\]\.value/);
    expect(() => parseBlock({ ...MAINNET_RAW, hash: '0x12' })).toThrow(/block\.hash/);
    expect(() => parseBlock('[]')).toThrow(ShapeError);
  });

  it('upper-case hex from a node is lower-cased: hashes, addresses, topics', () => {
    const raw = structuredClone(MAINNET_RAW) as unknown as { hash: string; transactions: { hash: string; from: string; to: string }[] };
    const tx = raw.transactions[0]!;
    const [hash, from] = [tx.hash, tx.from];
    tx.hash = `0x${hash.slice(2).toUpperCase()}`;
    tx.from = `0x${from.slice(2).toUpperCase()}`;
    const b = parseBlock(raw)!;
    expect(b.txs![0]!.hash).toBe(hash);
    expect(b.txs![0]!.from).toBe(from);
    const [log] = parseLogs([
      {
        address: '0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48',
        topics: [TRANSFER_TOPIC.toUpperCase().replace('0X', '0x'), `0x${'00'.repeat(12)}${'AB'.repeat(20)}`, `0x${'00'.repeat(12)}${'cd'.repeat(20)}`],
        data: `0x${'00'.repeat(31)}07`,
        blockHash: `0x${'AB'.repeat(32)}`,
        blockNumber: '0x10',
        transactionHash: `0x${'CD'.repeat(32)}`,
        transactionIndex: '0x0',
        logIndex: '0x0',
      },
    ]);
    expect(log!.address).toBe('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48');
    expect(log!.topics).toEqual([TRANSFER_TOPIC, `0x${'00'.repeat(12)}${'ab'.repeat(20)}`, `0x${'00'.repeat(12)}${'cd'.repeat(20)}`]);
    expect([log!.blockHash, log!.txHash]).toEqual([`0x${'ab'.repeat(32)}`, `0x${'cd'.repeat(32)}`]);
  });

  it('a malformed log field is named by its position, even after good logs of the same block', () => {
    const good = {
      address: '0x3333333333333333333333333333333333333333',
      topics: [TRANSFER_TOPIC, `0x${'00'.repeat(12)}${'11'.repeat(20)}`, `0x${'00'.repeat(12)}${'22'.repeat(20)}`],
      data: `0x${'00'.repeat(31)}07`,
      blockHash: `0x${'ab'.repeat(32)}`,
      blockNumber: '0x10',
      transactionHash: `0x${'cd'.repeat(32)}`,
      transactionIndex: '0x0',
      logIndex: '0x0',
    };
    expect(parseLogs([good, good])).toHaveLength(2);
    expect(() => parseLogs([good, { ...good, topics: [TRANSFER_TOPIC, good.topics[1], '0xzz'] }])).toThrow(/logs\[1\]\.topics\[2\]/);
    expect(() => parseLogs([good, { ...good, blockHash: `0x${'ab'.repeat(31)}` }])).toThrow(/logs\[1\]\.blockHash/);
    expect(() => parseLogs([good, { ...good, topics: ['0x1234', good.topics[1], good.topics[2]] }])).toThrow(/logs\[1\]\.topics\[0\]/);
    expect(() => parseLogs([good, { ...good, data: '0x123' }])).toThrow(/logs\[1\]\.data/);
    // Remembered values (a block's hash and number repeat in every log) never let a bad one through.
    expect(() => parseLogs([good, { ...good, blockHash: '' }])).toThrow(/logs\[1\]\.blockHash/);
    expect(() => parseLogs([{ ...good, blockNumber: '' }])).toThrow(/logs\[0\]\.blockNumber/);
    expect(() => parseLogs([{ ...good, topics: ['', good.topics[1], good.topics[2]] }])).toThrow(/logs\[0\]\.topics\[0\]/);
  });

  it('a full block whose transaction names another block fails the block check', () => {
    const raw = structuredClone(MAINNET_RAW) as unknown as { transactions: { blockHash: string }[] };
    raw.transactions[10]!.blockHash = `0x${'ab'.repeat(32)}`;
    const b = parseBlock(raw)!;
    expect(() => checkBlock({ label: 'ep#0' }, 'eth_getBlockByHash', b, { hash: b.hash })).toThrow(RpcInconsistent);
  });
});
