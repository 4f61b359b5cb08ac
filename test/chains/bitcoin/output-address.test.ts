import { createHash } from 'node:crypto';

import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';

import { utxoNetwork, type UtxoNetworkName } from '../../../src/chains/bitcoin/networks.js';
import { outputAddress, outputScriptType } from '../../../src/chains/bitcoin/output-address.js';
import { normaliseForFamily } from '../../../src/domain/address.js';
import { encodeCashAddr } from '../../../src/domain/cashaddr.js';
import { installAddressEcc } from '../../helpers/bitcoin-core-server.js';

installAddressEcc();

const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const sha = (label: string): Buffer => createHash('sha256').update(label).digest();
const h20 = (label: string): Buffer => sha(label).subarray(0, 20);
/** A valid x-only key (the generator's x). */
const G_X = hex('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');

const JS_NETWORKS: Record<UtxoNetworkName, bitcoin.networks.Network> = {
  mainnet: bitcoin.networks.bitcoin,
  testnet: bitcoin.networks.testnet,
  signet: bitcoin.networks.testnet,
  regtest: bitcoin.networks.regtest,
};

function scriptsFor(n: bitcoin.networks.Network, seed: string): Record<string, Buffer> {
  const s = (p: bitcoin.payments.Payment): Buffer => Buffer.from(p.output as Uint8Array);
  return {
    p2pkh: s(bitcoin.payments.p2pkh({ hash: h20(`${seed}pkh`), network: n })),
    p2sh: s(bitcoin.payments.p2sh({ hash: h20(`${seed}sh`), network: n })),
    p2wpkh: s(bitcoin.payments.p2wpkh({ hash: h20(`${seed}wpkh`), network: n })),
    p2wsh: s(bitcoin.payments.p2wsh({ hash: sha(`${seed}wsh`), network: n })),
    p2tr: s(bitcoin.payments.p2tr({ pubkey: G_X, network: n })),
  };
}

describe('output script → address, Bitcoin', () => {
  for (const name of ['mainnet', 'testnet', 'signet', 'regtest'] as const) {
    it(`spells p2pkh, p2sh, p2wpkh, p2wsh and p2tr on ${name} as bitcoinjs-lib does, in normalised form`, () => {
      const net = utxoNetwork('bitcoin', name);
      for (const [type, script] of Object.entries(scriptsFor(JS_NETWORKS[name], name))) {
        const mine = outputAddress(script, net);
        expect(mine, type).toBe(bitcoin.address.fromOutputScript(script, JS_NETWORKS[name]));
        expect(normaliseForFamily(mine as string, 'bitcoin')).toBe(mine);
        expect(outputScriptType(script)).toBe(type);
      }
    });
  }

  it('matches the BIP-173 / BIP-350 test vectors, witness v0, v1 and future versions', () => {
    const vectors: [string, string][] = [
      ['0014751e76e8199196d454941c45d1b3a323f1433bd6', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'],
      ['512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0'],
      ['5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6', 'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y'],
      ['6002751e', 'bc1sw50qgdz25j'],
      ['5210751e76e8199196d454941c45d1b3a323', 'bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs'],
    ];
    for (const [script, address] of vectors) expect(outputAddress(hex(script), utxoNetwork('bitcoin', 'mainnet'))).toBe(address);
    const testnet: [string, string][] = [
      ['00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262', 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7'],
      ['0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433', 'tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy'],
      ['5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433', 'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c'],
    ];
    for (const [script, address] of testnet) expect(outputAddress(hex(script), utxoNetwork('bitcoin', 'testnet'))).toBe(address);
  });

  it('spells base58check like bitcoinjs-lib for hashes with leading zero bytes (leading 1s)', () => {
    const net = utxoNetwork('bitcoin', 'mainnet');
    const hashes: Buffer[] = [Buffer.alloc(20), Buffer.concat([Buffer.alloc(1), h20('a').subarray(1)]), Buffer.concat([Buffer.alloc(3), h20('b').subarray(3)]), Buffer.alloc(20, 0xff)];
    for (let i = 0; i < 300; i++) hashes.push(h20(`random-${i}`));
    for (const hash of hashes) {
      for (const payment of [bitcoin.payments.p2pkh({ hash }), bitcoin.payments.p2sh({ hash })]) {
        const script = payment.output as Uint8Array;
        expect(outputAddress(script, net)).toBe(payment.address);
      }
    }
    expect(outputAddress(bitcoin.payments.p2pkh({ hash: Buffer.alloc(20) }).output as Uint8Array, net)).toBe('1111111111111111111114oLvT2');
  });

  it('gives no address for p2pk, bare multisig, OP_RETURN, empty and non-standard scripts, and says which they are', () => {
    const net = utxoNetwork('bitcoin', 'mainnet');
    const pub33 = Buffer.concat([Buffer.from([2]), sha('k')]);
    const pub65 = Buffer.concat([Buffer.from([4]), sha('k'), sha('k2')]);
    const cases: [string, Buffer][] = [
      ['p2pk', Buffer.from(bitcoin.script.compile([pub33, bitcoin.opcodes.OP_CHECKSIG]))],
      ['p2pk', Buffer.from(bitcoin.script.compile([pub65, bitcoin.opcodes.OP_CHECKSIG]))],
      ['multisig', Buffer.from(bitcoin.payments.p2ms({ m: 1, pubkeys: [pub33, Buffer.concat([Buffer.from([3]), sha('j')])] }).output as Uint8Array)],
      ['multisig', Buffer.from(bitcoin.script.compile([bitcoin.opcodes.OP_2, pub33, pub65, pub33, bitcoin.opcodes.OP_3, bitcoin.opcodes.OP_CHECKMULTISIG]))],
      ['op-return', Buffer.from(bitcoin.script.compile([bitcoin.opcodes.OP_RETURN, Buffer.from('hello')]))],
      ['op-return', Buffer.from([0x6a])],
      ['nonstandard', Buffer.from(bitcoin.script.compile([bitcoin.opcodes.OP_TRUE]))],
      ['nonstandard', Buffer.concat([Buffer.from([0x00, 25]), Buffer.alloc(25, 1)])], // witness v0 of 25 bytes
    ];
    for (const [type, script] of cases) {
      expect(outputScriptType(script), script.toString('hex')).toBe(type);
      expect(outputAddress(script, net), script.toString('hex')).toBeNull();
    }
    expect(outputAddress(Buffer.alloc(0), net)).toBeNull();
  });

  it('spells an unknown witness program (v1 that is not 32 bytes) the way Bitcoin Core does', () => {
    const script = Buffer.concat([Buffer.from([0x51, 20]), h20('v1-short')]);
    expect(outputScriptType(script)).toBe('witness-unknown');
    const address = outputAddress(script, utxoNetwork('bitcoin', 'mainnet'));
    expect(address).toMatch(/^bc1p/);
    expect(normaliseForFamily(address as string, 'bitcoin')).toBe(address);
  });

  it('reads only the script range it is given inside a larger buffer', () => {
    const script = scriptsFor(bitcoin.networks.bitcoin, 'range')['p2wpkh'] as Buffer;
    const padded = Buffer.concat([Buffer.alloc(7, 0xaa), script, Buffer.alloc(9, 0xbb)]);
    expect(outputAddress(padded, utxoNetwork('bitcoin', 'mainnet'), 7, 7 + script.length)).toBe(outputAddress(script, utxoNetwork('bitcoin', 'mainnet')));
  });
});

describe('output script → address, Litecoin and Bitcoin Cash (same code, other parameters)', () => {
  const ltcMain: bitcoin.networks.Network = { ...bitcoin.networks.bitcoin, pubKeyHash: 0x30, scriptHash: 0x32, bech32: 'ltc' };
  const ltcTest: bitcoin.networks.Network = { ...bitcoin.networks.testnet, pubKeyHash: 0x6f, scriptHash: 0x3a, bech32: 'tltc' };
  const ltcReg: bitcoin.networks.Network = { ...bitcoin.networks.regtest, pubKeyHash: 0x6f, scriptHash: 0x3a, bech32: 'rltc' };

  for (const [name, jsNet] of [['mainnet', ltcMain], ['testnet', ltcTest], ['regtest', ltcReg]] as const) {
    it(`spells Litecoin ${name} addresses (L…/M…, ltc1…) and they normalise as litecoin`, () => {
      const net = utxoNetwork('litecoin', name);
      for (const [type, script] of Object.entries(scriptsFor(jsNet, `ltc-${name}`))) {
        const mine = outputAddress(script, net);
        expect(mine, type).toBe(bitcoin.address.fromOutputScript(script, jsNet));
        expect(normaliseForFamily(mine as string, 'litecoin')).toBe(mine);
      }
    });
  }

  it('spells Litecoin mainnet p2pkh with L and p2sh with M', () => {
    const net = utxoNetwork('litecoin', 'mainnet');
    expect(outputAddress(bitcoin.payments.p2pkh({ hash: h20('x') }).output as Uint8Array, net)).toMatch(/^L/);
    expect(outputAddress(bitcoin.payments.p2sh({ hash: h20('x') }).output as Uint8Array, net)).toMatch(/^M/);
  });

  it('spells Bitcoin Cash as cashaddr: the spec vector, testnet and regtest prefixes, p2sh32', () => {
    const hash = hex('F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9');
    const p2pkh = Buffer.from(bitcoin.payments.p2pkh({ hash }).output as Uint8Array);
    expect(outputAddress(p2pkh, utxoNetwork('bitcoin-cash', 'mainnet'))).toBe('bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2');
    expect(outputAddress(p2pkh, utxoNetwork('bitcoin-cash', 'testnet'))).toBe(encodeCashAddr('bchtest', 'p2pkh', hash));
    expect(outputAddress(p2pkh, utxoNetwork('bitcoin-cash', 'regtest'))).toBe(encodeCashAddr('bchreg', 'p2pkh', hash));
    const p2sh = Buffer.from(bitcoin.payments.p2sh({ hash }).output as Uint8Array);
    const bch = outputAddress(p2sh, utxoNetwork('bitcoin-cash', 'mainnet'));
    expect(bch).toBe(encodeCashAddr('bitcoincash', 'p2sh', hash));
    expect(normaliseForFamily(bch as string, 'bitcoin-cash')).toBe(bch);
    const h32 = sha('p2sh32');
    const p2sh32 = Buffer.concat([Buffer.from([0xaa, 0x20]), h32, Buffer.from([0x87])]);
    expect(outputScriptType(p2sh32)).toBe('p2sh32');
    expect(outputAddress(p2sh32, utxoNetwork('bitcoin-cash', 'mainnet'))).toBe(encodeCashAddr('bitcoincash', 'p2sh', h32));
  });

  it('gives no address for segwit-looking scripts on Bitcoin Cash, and sees through CashTokens prefixes', () => {
    const net = utxoNetwork('bitcoin-cash', 'mainnet');
    expect(outputAddress(bitcoin.payments.p2wpkh({ hash: h20('w') }).output as Uint8Array, net)).toBeNull();
    const hash = h20('token-holder');
    const p2pkh = Buffer.from(bitcoin.payments.p2pkh({ hash }).output as Uint8Array);
    // PREFIX_TOKEN, category, bitfield "has amount", amount 1000 (CompactSize 0xfd e8 03), then the locking script.
    const tokenOutput = Buffer.concat([Buffer.from([0xef]), sha('category'), Buffer.from([0x10, 0xfd, 0xe8, 0x03]), p2pkh]);
    expect(outputAddress(tokenOutput, net)).toBe(outputAddress(p2pkh, net));
    expect(outputScriptType(tokenOutput, 0, tokenOutput.length, true)).toBe('p2pkh');
    // NFT with a 2-byte commitment (bitfield 0x60: has NFT, has commitment, capability none).
    const nft = Buffer.concat([Buffer.from([0xef]), sha('category'), Buffer.from([0x60, 0x02, 0xab, 0xcd]), p2pkh]);
    expect(outputAddress(nft, net)).toBe(outputAddress(p2pkh, net));
    // A commitment without an NFT is malformed: no address.
    const bad = Buffer.concat([Buffer.from([0xef]), sha('category'), Buffer.from([0x40, 0x01, 0xab]), p2pkh]);
    expect(outputAddress(bad, net)).toBeNull();
  });

  it('has no Litecoin signet', () => {
    expect(() => utxoNetwork('litecoin', 'signet')).toThrow(/litecoin has no signet network; known: mainnet, testnet, regtest/);
  });
});
