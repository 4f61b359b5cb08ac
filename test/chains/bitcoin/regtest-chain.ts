/**
 * Regtest blocks built with bitcoinjs-lib (independently of Cordon's parser): coinbase with a
 * BIP-34 height and, when the block has segwit spends, the BIP-141 witness commitment; spends
 * with placeholder signatures (nobody verifies scripts here) in legacy or segwit form; headers
 * mined to regtest's target. The scenario below is the exchange story the source tests read.
 */
import { createHash } from 'node:crypto';

import * as bitcoin from 'bitcoinjs-lib';

import { installAddressEcc } from '../../helpers/bitcoin-core-server.js';

installAddressEcc();
const regtest = bitcoin.networks.regtest;

const sha = (label: string): Buffer => createHash('sha256').update(label).digest();
const h20 = (label: string): Buffer => sha(label).subarray(0, 20);

/** An x-only key that is on the curve (bitcoinjs-lib checks it for p2tr), found from a label. */
function xOnly(label: string): Buffer {
  for (let i = 0; ; i++) {
    const x = sha(`${label}/${i}`);
    try {
      bitcoin.payments.p2tr({ pubkey: x, network: regtest });
      return x;
    } catch {
      // not a point; next
    }
  }
}

export interface Party {
  readonly name: string;
  readonly script: Buffer;
  /** As bitcoinjs-lib spells it on regtest. */
  readonly address: string;
  /** Spends from it carry a witness. */
  readonly segwit: boolean;
}

function party(name: string, payment: bitcoin.payments.Payment, segwit: boolean): Party {
  const script = Buffer.from(payment.output as Uint8Array);
  return { name, script, address: bitcoin.address.fromOutputScript(script, regtest), segwit };
}

export const MINER = party('miner', bitcoin.payments.p2wpkh({ hash: h20('miner'), network: regtest }), true);
export const ALICE = party('alice', bitcoin.payments.p2wpkh({ hash: h20('alice'), network: regtest }), true);
export const SANCTIONED = party('sanctioned', bitcoin.payments.p2pkh({ hash: h20('sanctioned'), network: regtest }), false);
export const DEPOSIT_1 = party('deposit-1', bitcoin.payments.p2wpkh({ hash: h20('deposit-1'), network: regtest }), true);
export const DEPOSIT_2 = party('deposit-2', bitcoin.payments.p2tr({ pubkey: xOnly('deposit-2'), network: regtest }), true);
export const HOT = party('hot', bitcoin.payments.p2wsh({ hash: sha('hot'), network: regtest }), true);
export const CAROL = party('carol', bitcoin.payments.p2sh({ hash: h20('carol'), network: regtest }), false);
export const DAVE = party('dave', bitcoin.payments.p2pkh({ hash: h20('dave'), network: regtest }), false);

/** Outputs that pay no address. */
export const P2PK_SCRIPT = Buffer.from(bitcoin.script.compile([Buffer.concat([Buffer.from([2]), sha('p2pk')]), bitcoin.opcodes.OP_CHECKSIG]));
export const MULTISIG_SCRIPT = Buffer.from(
  bitcoin.script.compile([
  bitcoin.opcodes.OP_1,
  Buffer.concat([Buffer.from([2]), sha('ms-a')]),
  Buffer.concat([Buffer.from([3]), sha('ms-b')]),
  bitcoin.opcodes.OP_2,
  bitcoin.opcodes.OP_CHECKMULTISIG,
  ]),
);
export const OP_RETURN_SCRIPT = Buffer.from(bitcoin.script.compile([bitcoin.opcodes.OP_RETURN, Buffer.from('cordon test')]));

const COIN = 100_000_000n;
export const btc = (n: number): bigint => BigInt(Math.round(n * 1e4)) * (COIN / 10_000n);

export type Out = readonly [script: Buffer, sats: bigint];
export interface Spend {
  readonly txid: string;
  readonly vout: number;
  /** Whose output it is: decides legacy scriptSig or a witness. */
  readonly from: Party;
}

const FAKE_SIG = Buffer.concat([Buffer.from([0x30, 0x44]), sha('sig'), sha('sig2'), Buffer.from([0x01])]).subarray(0, 71);
const FAKE_PUB = Buffer.concat([Buffer.from([0x02]), sha('pub')]);

export function coinbaseTx(height: number, outs: readonly Out[], tag = ''): bitcoin.Transaction {
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  const heightPush = bitcoin.script.number.encode(height);
  tx.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, bitcoin.script.compile([Buffer.from(heightPush), Buffer.from(`cordon${tag}`)]));
  for (const [script, value] of outs) tx.addOutput(script, value);
  return tx;
}

export function spendTx(inputs: readonly Spend[], outs: readonly Out[]): bitcoin.Transaction {
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  inputs.forEach((s, i) => {
    tx.addInput(Buffer.from(s.txid, 'hex').reverse(), s.vout, 0xfffffffd, s.from.segwit ? Buffer.alloc(0) : bitcoin.script.compile([FAKE_SIG, FAKE_PUB]));
    if (s.from.segwit) tx.setWitness(i, [FAKE_SIG, FAKE_PUB]);
  });
  for (const [script, value] of outs) tx.addOutput(script, value);
  return tx;
}

/**
 * A mined block: for segwit spends the coinbase gets the witness reserved value and the
 * commitment output (so the coinbase itself is serialised with a witness).
 */
export function mineBlock(prevHash: string | null, txs: bitcoin.Transaction[], time: number): Buffer {
  const [coinbase] = txs;
  if (coinbase === undefined) throw new Error('a block needs a coinbase');
  if (txs.some((t) => t.hasWitnesses())) {
    coinbase.setWitness(0, [Buffer.alloc(32)]);
    coinbase.addOutput(Buffer.alloc(38), 0n);
    const commitment = bitcoin.Block.calculateMerkleRoot(txs, true);
    const outs = coinbase.outs;
    (outs[outs.length - 1] as { script: Uint8Array }).script = Buffer.concat([Buffer.from([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed]), commitment]);
  }
  const b = new bitcoin.Block();
  b.version = 0x20000000;
  b.prevHash = prevHash === null ? Buffer.alloc(32) : Buffer.from(prevHash, 'hex').reverse();
  b.transactions = txs;
  b.merkleRoot = bitcoin.Block.calculateMerkleRoot(txs);
  b.timestamp = time;
  b.bits = 0x207fffff;
  b.nonce = 0;
  while (!b.checkProofOfWork()) b.nonce++;
  return Buffer.from(b.toBuffer());
}

export const idOf = (raw: Buffer): string => bitcoin.Block.fromBuffer(raw).getId();

/**
 * The exchange story, block by block (heights 0-3, then a competing 3'-4'):
 *
 *  #0  coinbase → ALICE 50, SANCTIONED 25, a p2pk output 1
 *  #1  tx1  ALICE (#0:0) + SANCTIONED (#0:1) → DEPOSIT_1 10, ALICE change     (deposit, 2 senders)
 *      tx2  ALICE (tx1:1, same block)      → HOT 30, ALICE change             (funds the hot wallet)
 *  #2  tx3  HOT (tx2:0)                    → CAROL 5, DAVE 3, HOT change      (withdrawal with change)
 *      tx4  ALICE (tx2:1)                  → DEPOSIT_2 1, OP_RETURN, bare multisig 0.5, ALICE change
 *  #3  tx5  HOT (tx3:2)                    → CAROL (all of it)                 (withdrawal, no change)
 *  #3' tx6  ALICE (tx4:3)                  → DEPOSIT_1 2, ALICE change        (the other branch)
 *  #4' coinbase only
 */
export function buildScenario() {
  const t0 = 1_700_000_000;
  const cb0 = coinbaseTx(0, [
    [ALICE.script, btc(50)],
    [SANCTIONED.script, btc(25)],
    [P2PK_SCRIPT, btc(1)],
  ]);
  const b0 = mineBlock(null, [cb0], t0);

  const cb1 = coinbaseTx(1, [[MINER.script, btc(50)]]);
  const tx1 = spendTx(
    [
      { txid: cb0.getId(), vout: 0, from: ALICE },
      { txid: cb0.getId(), vout: 1, from: SANCTIONED },
    ],
    [
      [DEPOSIT_1.script, btc(10)],
      [ALICE.script, btc(64.9999)],
    ],
  );
  const tx2 = spendTx([{ txid: tx1.getId(), vout: 1, from: ALICE }], [
    [HOT.script, btc(30)],
    [ALICE.script, btc(34.9998)],
  ]);
  const b1 = mineBlock(idOf(b0), [cb1, tx1, tx2], t0 + 600);

  const cb2 = coinbaseTx(2, [[MINER.script, btc(50)]]);
  const tx3 = spendTx([{ txid: tx2.getId(), vout: 0, from: HOT }], [
    [CAROL.script, btc(5)],
    [DAVE.script, btc(3)],
    [HOT.script, btc(21.9999)],
  ]);
  const tx4 = spendTx([{ txid: tx2.getId(), vout: 1, from: ALICE }], [
    [DEPOSIT_2.script, btc(1)],
    [OP_RETURN_SCRIPT, 0n],
    [MULTISIG_SCRIPT, btc(0.5)],
    [ALICE.script, btc(33.4997)],
  ]);
  const b2 = mineBlock(idOf(b1), [cb2, tx3, tx4], t0 + 1200);

  const cb3 = coinbaseTx(3, [[MINER.script, btc(50)]]);
  const tx5 = spendTx([{ txid: tx3.getId(), vout: 2, from: HOT }], [[CAROL.script, btc(21.9998)]]);
  const b3 = mineBlock(idOf(b2), [cb3, tx5], t0 + 1800);

  const cb3b = coinbaseTx(3, [[MINER.script, btc(50)]], '-branch-b');
  const tx6 = spendTx([{ txid: tx4.getId(), vout: 3, from: ALICE }], [
    [DEPOSIT_1.script, btc(2)],
    [ALICE.script, btc(31.4996)],
  ]);
  const b3b = mineBlock(idOf(b2), [cb3b, tx6], t0 + 1810);
  const cb4b = coinbaseTx(4, [[MINER.script, btc(50)]], '-branch-b');
  const b4b = mineBlock(idOf(b3b), [cb4b], t0 + 2400);

  const ids = { cb0, cb1, tx1, tx2, cb2, tx3, tx4, cb3, tx5, cb3b, tx6, cb4b };
  const txids = Object.fromEntries(Object.entries(ids).map(([k, tx]) => [k, tx.getId()])) as Record<keyof typeof ids, string>;
  return { blocks: { b0, b1, b2, b3, b3b, b4b }, txids };
}

export type Scenario = ReturnType<typeof buildScenario>;
