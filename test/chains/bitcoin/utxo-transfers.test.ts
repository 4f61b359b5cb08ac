/**
 * Bitcoin transfers go through the account rules written for account-based chains
 * (src/accounts/attribute.ts) unchanged: deposits are screened against every sender, withdrawals
 * against every output except change. And the selection helpers find the transactions whose
 * inputs need resolving.
 */
import { describe, expect, it } from 'vitest';

import { utxoNetwork } from '../../../src/chains/bitcoin/networks.js';
import { parseBlock } from '../../../src/chains/bitcoin/parse-block.js';
import type { ResolvedInput, UtxoBlock } from '../../../src/chains/bitcoin/utxo-block.js';
import { outputAddresses, outputsPaying, selectTxids, spentOutpointKeys, utxoTransfers } from '../../../src/chains/bitcoin/utxo-transfers.js';
import { attributeTransfers, type AccountsLookup, type WatchedInfo } from '../../../src/accounts/attribute.js';
import type { NormalisedAddress } from '../../../src/domain/address.js';
import { ALICE, btc, buildScenario, CAROL, coinbaseTx, DAVE, DEPOSIT_1, DEPOSIT_2, HOT, mineBlock, MINER, SANCTIONED, spendTx, type Party } from './regtest-chain.js';

const regtest = utxoNetwork('bitcoin', 'regtest');
const scenario = buildScenario();
const T = scenario.txids;
const a = (p: Party): NormalisedAddress => p.address as NormalisedAddress;

function utxoOf(raw: Buffer, number: bigint): UtxoBlock {
  const p = parseBlock(raw, regtest);
  return { ref: { number, hash: p.header.hash, parentHash: p.header.parentHash, timestamp: p.header.timestamp }, txs: p.txs };
}
const B1 = utxoOf(scenario.blocks.b1, 1n);
const B2 = utxoOf(scenario.blocks.b2, 2n);
const B3 = utxoOf(scenario.blocks.b3, 3n);

/** Prevouts as the node would give them (the scenario's spends). */
const spent = (txid: string, vout: number, from: Party, value: bigint): ResolvedInput => ({ outpoint: { txid, vout }, value, address: a(from) });
const PREVOUTS = new Map<string, readonly ResolvedInput[]>([
  [T.tx1, [spent(T.cb0, 0, ALICE, btc(50)), spent(T.cb0, 1, SANCTIONED, btc(25))]],
  [T.tx2, [spent(T.tx1, 1, ALICE, btc(64.9999))]],
  [T.tx3, [spent(T.tx2, 0, HOT, btc(30))]],
  [T.tx4, [spent(T.tx2, 1, ALICE, btc(34.9998))]],
  [T.tx5, [spent(T.tx3, 2, HOT, btc(21.9999))]],
]);

const WATCHED = new Map<NormalisedAddress, WatchedInfo>([
  [a(DEPOSIT_1), { accountId: 'acct-1', kind: 'deposit' }],
  [a(DEPOSIT_2), { accountId: 'acct-2', kind: 'deposit' }],
  [a(HOT), { accountId: 'exchange', kind: 'hot_wallet' }],
]);
const lookup = (withdrawalsByTxid: AccountsLookup['withdrawalsByTxid'] = new Map()): AccountsLookup => ({
  chain: 'btc',
  watched: WATCHED,
  withdrawalsByTxid,
  withdrawalsByDestination: new Map(),
});

const summary = (block: UtxoBlock, l = lookup()) =>
  attributeTransfers(utxoTransfers('btc', block, PREVOUTS), l).map(({ transfer, attribution }) => ({
    tx: transfer.txHash,
    position: transfer.position,
    direction: attribution.direction,
    account: attribution.accountId,
    basis: attribution.basis,
    counterparties: attribution.counterparties,
    amount: transfer.amount,
  }));

describe('Bitcoin transfers through the account rules', () => {
  it('a deposit is screened against every input address of its transaction', () => {
    const deposits = summary(B1).filter((s) => s.tx === T.tx1);
    expect(deposits).toEqual([
      { tx: T.tx1, position: 'out:0:in:0', direction: 'deposit', account: 'acct-1', basis: 'deposit-address', counterparties: [a(ALICE)], amount: btc(10) },
      { tx: T.tx1, position: 'out:0:in:1', direction: 'deposit', account: 'acct-1', basis: 'deposit-address', counterparties: [a(SANCTIONED)], amount: btc(10) },
    ]);
  });

  it('money into the hot wallet from outside is an unattributed deposit', () => {
    expect(summary(B1).filter((s) => s.tx === T.tx2)).toEqual([
      { tx: T.tx2, position: 'out:0:in:0', direction: 'deposit', account: null, basis: 'hot-wallet-inbound', counterparties: [a(ALICE)], amount: btc(30) },
    ]);
  });

  it('a withdrawal is screened against every output except change back to the exchange, attributed by registered txid', () => {
    const l = lookup(new Map([[T.tx3, { id: 'w-1', accountId: 'acct-9' }]]));
    expect(summary(B2, l).filter((s) => s.tx === T.tx3)).toEqual([
      { tx: T.tx3, position: 'out:0:in:0', direction: 'withdrawal', account: 'acct-9', basis: 'withdrawal-txid', counterparties: [a(CAROL)], amount: btc(5) },
      { tx: T.tx3, position: 'out:1:in:0', direction: 'withdrawal', account: 'acct-9', basis: 'withdrawal-txid', counterparties: [a(DAVE)], amount: btc(3) },
    ]);
  });

  it('addressless outputs (OP_RETURN, bare multisig) and the coinbase yield no transfers', () => {
    const all = utxoTransfers('btc', B2, new Map([...PREVOUTS, [B2.txs[0]?.txid as string, []]]));
    expect(all.filter((t) => t.txHash === T.tx4).map((t) => t.position)).toEqual(['out:0:in:0', 'out:3:in:0']);
    expect(all.some((t) => t.txHash === T.cb2)).toBe(false);
  });

  it('names each sender once, at its first input, however many inputs it spends', () => {
    const twice = new Map([[T.tx1, [spent(T.cb0, 0, ALICE, btc(50)), spent(T.cb0, 1, ALICE, btc(25))]]]);
    expect(utxoTransfers('btc', B1, twice).map((t) => `${t.position} ${t.from}`)).toEqual([`out:0:in:0 ${ALICE.address}`, `out:1:in:0 ${ALICE.address}`]);
  });

  it('refuses resolved inputs that do not match the transaction', () => {
    expect(() => utxoTransfers('btc', B1, new Map([[T.tx1, [spent(T.cb0, 0, ALICE, btc(50))]]]))).toThrow(/1 resolved inputs for 2 inputs/);
  });
});

describe('choosing the transactions whose inputs to resolve', () => {
  const watched = new Set<string>([DEPOSIT_1.address, DEPOSIT_2.address, HOT.address]);

  it('picks transactions paying a watched address (deposits, and withdrawals with change), never the coinbase', () => {
    expect(selectTxids(B1, { watched })).toEqual([T.tx1, T.tx2]);
    expect(selectTxids(B2, { watched })).toEqual([T.tx3, T.tx4]);
    expect(selectTxids(B1, { watched: new Set([MINER.address]) })).toEqual([]);
  });

  it('finds a withdrawal without change only through the outpoints the exchange owns, or its registered txid', () => {
    expect(selectTxids(B3, { watched })).toEqual([]);
    const owned = new Set(outputsPaying(B2, new Set([HOT.address])).map((o) => `${o.outpoint.txid}:${o.outpoint.vout}`));
    expect(owned).toEqual(new Set([`${T.tx3}:2`]));
    expect(selectTxids(B3, { watched, ownedOutpoints: owned })).toEqual([T.tx5]);
    expect(selectTxids(B3, { watched, txids: new Set([T.tx5]) })).toEqual([T.tx5]);
  });

  it('counts an output paid and spent within the same block as owned', () => {
    // The hot wallet is funded and pays out in one block, without change.
    const cb = coinbaseTx(9, [[MINER.script, btc(50)]]);
    const fund = spendTx([{ txid: T.tx4, vout: 3, from: ALICE }], [[HOT.script, btc(3)]]);
    const pay = spendTx([{ txid: fund.getId(), vout: 0, from: HOT }], [[CAROL.script, btc(2.9999)]]);
    const block = utxoOf(mineBlock(null, [cb, fund, pay], 1_700_009_000), 9n);
    expect(selectTxids(block, { watched: new Set([HOT.address]) })).toEqual([fund.getId(), pay.getId()]);
    expect(selectTxids(block, { watched: new Set([DEPOSIT_1.address]) })).toEqual([]);
  });

  it('lists what the store lookups need: output addresses and spent outpoints', () => {
    expect(new Set(outputAddresses(B2))).toEqual(new Set([MINER.address, CAROL.address, DAVE.address, HOT.address, DEPOSIT_2.address, ALICE.address]));
    expect(spentOutpointKeys(B2)).toEqual([`${T.tx2}:0`, `${T.tx2}:1`]);
  });
});
