import { readFileSync } from 'node:fs';

import * as bitcoin from 'bitcoinjs-lib';
import { beforeAll, describe, expect, it } from 'vitest';

import { MalformedBlock } from '../../../src/chains/bitcoin/errors.js';
import { utxoNetwork } from '../../../src/chains/bitcoin/networks.js';
import { merkleRoot, parseBlock, parseHeader, parseTransaction, type ParsedBlock } from '../../../src/chains/bitcoin/parse-block.js';
import { normaliseForFamily } from '../../../src/domain/address.js';
import { SHARED_FIXTURES } from '../../helpers/fixtures.js';
import { buildScenario } from './regtest-chain.js';

// Bitcoin mainnet block 413567 (see test/fixtures/real/README.md).
const RAW = readFileSync(`${SHARED_FIXTURES}bitcoin/block413567.raw`);
const HASH = '0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069';
const mainnet = utxoNetwork('bitcoin', 'mainnet');

let parsed: ParsedBlock;
let reference: bitcoin.Block;

beforeAll(() => {
  parsed = parseBlock(RAW, mainnet);
  reference = bitcoin.Block.fromBuffer(RAW);
});

describe('raw block 413567 (mainnet)', () => {
  it('reads the header: hash, parent, merkle root, time', () => {
    expect(parsed.header.hash).toBe(HASH);
    expect(parsed.header.parentHash).toBe(Buffer.from(reference.prevHash as Uint8Array).reverse().toString('hex'));
    expect(parsed.header.merkleRoot).toBe(Buffer.from(reference.merkleRoot as Uint8Array).reverse().toString('hex'));
    expect(parsed.header.timestamp).toBe(reference.timestamp);
  });

  it('computes all 1,557 txids as bitcoinjs-lib does, in block order', () => {
    const txs = reference.transactions ?? [];
    expect(parsed.txs).toHaveLength(1557);
    expect(parsed.txs.map((t) => t.txid)).toEqual(txs.map((t) => t.getId()));
    expect(parsed.txs.map((t) => t.index)).toEqual(txs.map((_, i) => i));
  });

  it("derives every output's address exactly as bitcoinjs-lib's address.fromOutputScript, and its value", () => {
    const txs = reference.transactions ?? [];
    let outputs = 0;
    let addressless = 0;
    txs.forEach((tx, i) => {
      const mine = parsed.txs[i]?.outputs ?? [];
      expect(mine).toHaveLength(tx.outs.length);
      tx.outs.forEach((o, vout) => {
        let expected: string | null = null;
        try {
          expected = bitcoin.address.fromOutputScript(o.script, bitcoin.networks.bitcoin);
        } catch {
          addressless++;
        }
        expect(mine[vout]).toEqual({ vout, value: o.value, address: expected });
        outputs++;
      });
    });
    expect(outputs).toBe(3581);
    expect(addressless).toBe(3);
  });

  it('gives addresses in the normalised form the sanctions index uses', () => {
    for (const tx of parsed.txs) {
      for (const o of tx.outputs) if (o.address !== null) expect(normaliseForFamily(o.address, 'bitcoin')).toBe(o.address);
    }
  });

  it('treats the first transaction as the coinbase: no outpoints, its outputs kept', () => {
    const coinbase = parsed.txs[0];
    expect(coinbase?.inputs).toEqual([]);
    expect(coinbase?.outputs.length).toBeGreaterThan(0);
    expect(coinbase?.txid).toBe(reference.transactions?.[0]?.getId());
  });

  it('reads every outpoint spent, as txid (display order) and vout', () => {
    const txs = reference.transactions ?? [];
    let inputs = 0;
    txs.slice(1).forEach((tx, k) => {
      const mine = parsed.txs[k + 1]?.inputs ?? [];
      expect(mine.map((o) => `${o.txid}:${o.vout}`)).toEqual(tx.ins.map((i) => `${Buffer.from(i.hash).reverse().toString('hex')}:${i.index}`));
      inputs += mine.length;
    });
    expect(inputs).toBeGreaterThan(4000);
    // Outpoints serialise like plain objects.
    expect(JSON.parse(JSON.stringify(parsed.txs[1]?.inputs[0]))).toEqual({ txid: parsed.txs[1]?.inputs[0]?.txid, vout: parsed.txs[1]?.inputs[0]?.vout });
  });

  it('checks the txids against the merkle root in the header', () => {
    expect(merkleRoot(parsed.txs.map((t) => t.txid))).toBe(parsed.header.merkleRoot);
    // One flipped byte in an output script: the block still parses, the root no longer matches.
    const tampered = Buffer.from(RAW);
    const at = RAW.length - 10; // inside the last transaction's output script
    tampered[at] = (tampered[at] as number) ^ 0xff;
    expect(() => parseBlock(tampered, mainnet)).toThrow(/merkle root/);
  });

  it('rejects truncated bytes and trailing garbage with the offset and what was read', () => {
    const truncated = RAW.subarray(0, 500_000);
    const err = (() => {
      try {
        parseBlock(truncated, mainnet);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(MalformedBlock);
    expect((err as MalformedBlock).message).toMatch(new RegExp(`^block ${HASH}: malformed at byte \\d+: needs \\d+ more bytes`));
    expect(() => parseBlock(Buffer.concat([RAW, Buffer.from([0])]), mainnet)).toThrow(/1 bytes after the last transaction/);
    expect(() => parseHeader(RAW.subarray(0, 79))).toThrow(MalformedBlock);
  });
});

describe('segwit blocks (regtest, built with bitcoinjs-lib)', () => {
  const regtest = utxoNetwork('bitcoin', 'regtest');
  const { blocks } = buildScenario();

  it('hashes segwit transactions without their witness (txid, not wtxid), the coinbase included', () => {
    for (const raw of Object.values(blocks)) {
      const ref = bitcoin.Block.fromBuffer(raw);
      const mine = parseBlock(raw, regtest);
      expect(mine.header.hash).toBe(ref.getId());
      expect(mine.txs.map((t) => t.txid)).toEqual((ref.transactions ?? []).map((t) => t.getId()));
      const witnessed = (ref.transactions ?? []).filter((t) => t.hasWitnesses()).length;
      if (raw === blocks.b1) expect(witnessed).toBe(3); // coinbase (reserved value) and both spends
    }
  });

  it('reads a lone raw transaction (as getrawtransaction returns it), coinbase or not', () => {
    const ref = bitcoin.Block.fromBuffer(blocks.b1);
    for (const tx of ref.transactions ?? []) {
      const mine = parseTransaction(Buffer.from(tx.toBuffer()), regtest);
      expect(mine.txid).toBe(tx.getId());
      expect(mine.outputs.map((o) => o.value)).toEqual(tx.outs.map((o) => o.value));
      expect(mine.inputs).toHaveLength(tx.isCoinbase() ? 0 : tx.ins.length);
    }
    expect(() => parseTransaction(Buffer.concat([Buffer.from((ref.transactions?.[1] as bitcoin.Transaction).toBuffer()), Buffer.from([1])]), regtest)).toThrow(/after the transaction/);
  });
});
