/**
 * Bitcoin mainnet block 574,200, tx 41f366c2… (index 1611): two inputs spending P2SH-P2WPKH
 * outputs of 3N4aC7… and 3FWi6q… pay 38,796,959 sat to 1NpHuti9NSM9fVTXLkvSDU4AnhqGQ5N53d
 * (OFAC SDN 39585, ILLICIT-DRUGS-EO14059) as its only output. Read as a withdrawal of the
 * exchange, it is one payment: one hold per list entry, for the amount paid, whether the
 * paying addresses were imported as hot wallets or the withdrawal was only registered by txid.
 *
 * The block is parsed by Cordon's own parser and goes through the extract stage's Bitcoin path
 * (exchangeTransfers with the store as the exchange's view), the account rules and the hold
 * store. Only the prevouts come from the test: they are not in the block, so the input
 * addresses are read from the scriptSigs (as the fixture's README does) and the input values,
 * which no rule here reads, are unknown (0).
 */
import { readFileSync } from 'node:fs';
import * as bitcoin from 'bitcoinjs-lib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { attributeTransfers, loadLookup } from '../../src/accounts/index.js';
import { exchangeTransfers, parseBlock, utxoNetwork, type BitcoinChainSource, type ResolvedInput } from '../../src/chains/bitcoin/index.js';
import { normaliseForFamily, type NormalisedAddress } from '../../src/domain/address.js';
import type { BlockHash, BlockRef } from '../../src/domain/block.js';
import type { Match } from '../../src/domain/match.js';
import { listId, type EntryDraft, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { raiseHold } from '../../src/holds/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SHARED_FIXTURES } from '../helpers/fixtures.js';

const RAW = readFileSync(`${SHARED_FIXTURES}bitcoin/block574200.raw`);
const NETWORK = utxoNetwork('bitcoin', 'mainnet');
const TXID = '41f366c2afcc222fe45398b6dc13dcca8874ca6ed288420700575495d03f8dad';
const LISTED = '1NpHuti9NSM9fVTXLkvSDU4AnhqGQ5N53d';
const INPUT_ADDRESSES = ['3N4aC7aLgUBPjaMsxBsDcSZy14wWGarPng', '3FWi6q7qBQTwTWFKLZBW41wU41qHcQbPfj'];
const CHAIN = 'btc';
const REF: BlockRef = {
  number: 574_200n,
  hash: '0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2' as BlockHash,
  parentHash: '' as BlockHash,
  timestamp: 0,
};

const addr = (a: string): NormalisedAddress => normaliseForFamily(a, 'bitcoin');

/** As OFAC lists it (fixtures README: SDN 39585, ILLICIT-DRUGS-EO14059). */
const DRAFT: EntryDraft = {
  entryUid: `sdn:39585:XBT:${LISTED}`,
  address: addr(LISTED),
  family: 'bitcoin',
  ticker: 'XBT',
  entityName: 'SDN 39585',
  programs: ['ILLICIT-DRUGS-EO14059'],
  source: { file: 'sdn_advanced.xml', element: 'DistinctParty[FixedRef=39585]' },
};
let ENTRY: SanctionEntry;

/** The P2SH address an input spends, from the redeem script its scriptSig pushes last. */
function p2shInputAddress(scriptSig: Uint8Array): string {
  const chunks = bitcoin.script.decompile(scriptSig) ?? [];
  const redeem = chunks.at(-1);
  if (!(redeem instanceof Uint8Array)) throw new Error('scriptSig pushes no redeem script');
  const address = bitcoin.payments.p2sh({ redeem: { output: redeem }, network: bitcoin.networks.bitcoin }).address;
  if (address === undefined) throw new Error('no p2sh address');
  return address;
}

/** The block from the fixture, with the inputs of the one transaction resolved from its scriptSigs. */
function fixtureSource(): Pick<BitcoinChainSource, 'readBlock' | 'resolveInputs'> {
  const tx = bitcoin.Block.fromBuffer(RAW).transactions?.find((t) => t.getId() === TXID);
  if (tx === undefined) throw new Error(`${TXID} not in the block`);
  const resolved: ResolvedInput[] = tx.ins.map((input) => ({
    outpoint: { txid: Buffer.from(input.hash).reverse().toString('hex'), vout: input.index },
    value: 0n,
    address: addr(p2shInputAddress(input.script)),
  }));
  return {
    readBlock: async () => ({ ref: REF, txs: parseBlock(RAW, NETWORK).txs }),
    resolveInputs: async (_block, txids) => {
      const wanted = txids === 'all' ? [TXID] : [...txids];
      if (wanted.some((t) => t !== TXID)) throw new Error(`only ${TXID}'s inputs are known, asked for ${wanted.join(', ')}`);
      return new Map([[TXID, resolved]]);
    },
  };
}

/** The extract stage's Bitcoin path, the account rules, and a hold raised per match on ENTRY. */
async function holdsFromBlock(store: Store): Promise<number> {
  const source = { chain: CHAIN, ...fixtureSource() } as BitcoinChainSource;
  const { transfers } = await exchangeTransfers(source, REF, {
    watchedAmong: async (a) => (await store.accounts.findWatchedAddresses(CHAIN, a)).map((w) => w.address),
    registeredAmong: async (t) => (await store.accounts.findWithdrawalsByTxids(CHAIN, t)).flatMap((w) => (w.txid === null ? [] : [w.txid])),
    ownedAmong: (outpoints) => store.utxos.ownedAmong(CHAIN, outpoints, REF.hash),
  });
  const attributed = attributeTransfers(transfers, await loadLookup(store, CHAIN, transfers));
  let raised = 0;
  for (const { transfer, attribution } of attributed) {
    for (const counterparty of attribution.counterparties) {
      if (counterparty !== ENTRY.address) continue;
      const match: Match = {
        transfer,
        direction: attribution.direction,
        accountId: attribution.accountId,
        exchangeAddress: attribution.exchangeAddress,
        counterparty,
        entry: ENTRY,
        policy: 'hold',
        authority: 'US Treasury OFAC, SDN List',
        units: { symbol: 'BTC', decimals: 8 },
      };
      if ((await raiseHold(store.holds, match, 1)).created) raised++;
    }
  }
  return raised;
}

describe('mainnet block 574,200: one Bitcoin payment to a listed address from two exchange inputs', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    const id = listId('ofac-sdn');
    const version = await store.lists.insertSnapshot({ listId: id, contentHash: 'sha256:574200', source: 'sdn_advanced.xml', entries: [DRAFT], addedCount: 1, removedCount: 0 });
    ENTRY = { ...DRAFT, listId: id, listVersion: version };
  });
  afterEach(async () => {
    await store.close();
  });

  it('the fixture is the transaction the issue names: two P2SH inputs, one output to the listed address', () => {
    const tx = parseBlock(RAW, NETWORK).txs.find((t) => t.txid === TXID);
    expect(tx?.index).toBe(1611);
    expect(tx?.outputs).toEqual([{ vout: 0, value: 38_796_959n, address: LISTED }]);
    const bjs = bitcoin.Block.fromBuffer(RAW).transactions?.[1611];
    expect(bjs?.ins.map((i) => p2shInputAddress(i.script))).toEqual(INPUT_ADDRESSES);
  });

  it('with both inputs imported hot wallets and the withdrawal registered by txid: one hold, for the amount paid', async () => {
    for (const a of INPUT_ADDRESSES) await store.accounts.upsertWatchedAddress({ chain: CHAIN, address: addr(a), accountId: 'exchange', kind: 'hot_wallet' });
    await store.accounts.addWithdrawal({ id: 'wd-1', chain: CHAIN, accountId: 'acct-w', txid: TXID });
    expect(await holdsFromBlock(store)).toBe(1);
    const holds = await store.holds.listHolds({ limit: 10 });
    expect(holds).toHaveLength(1);
    expect(holds[0]).toMatchObject({
      accountId: 'acct-w',
      direction: 'withdrawal',
      txid: TXID,
      transferId: `${CHAIN}:${TXID}:out:0`,
      counterparty: LISTED,
      amount: 38_796_959n,
      entryUid: ENTRY.entryUid,
      programs: ['ILLICIT-DRUGS-EO14059'],
    });
    // Seeing the block again raises nothing more.
    expect(await holdsFromBlock(store)).toBe(0);
  });

  it('with the inputs imported but no registration, the destination registration attributes it: still one hold, on the output', async () => {
    for (const a of INPUT_ADDRESSES) await store.accounts.upsertWatchedAddress({ chain: CHAIN, address: addr(a), accountId: 'exchange', kind: 'hot_wallet' });
    await store.accounts.addWithdrawal({ id: 'wd-2', chain: CHAIN, accountId: 'acct-d', destination: addr(LISTED) });
    // Nothing pays a watched address and nothing is registered by txid: only the exchange's own
    // recorded outputs would select the transaction, so record the two it spends.
    const block = await fixtureSource().readBlock(REF);
    const tx = block.txs.find((t) => t.txid === TXID);
    await store.utxos.recordOutputs(
      CHAIN,
      { number: 574_000n, hash: `${'00'.repeat(31)}01` },
      (tx?.inputs ?? []).map((o, i) => ({ txid: o.txid, vout: o.vout, address: addr(INPUT_ADDRESSES[i] ?? ''), value: 1n })),
    );
    expect(await holdsFromBlock(store)).toBe(1);
    const [hold, ...more] = await store.holds.listHolds({ limit: 10 });
    expect(more).toHaveLength(0);
    expect(hold).toMatchObject({ accountId: 'acct-d', transferId: `${CHAIN}:${TXID}:out:0`, amount: 38_796_959n });
  });

  it('registered by txid while the paying addresses were never imported: held all the same, once', async () => {
    await store.accounts.addWithdrawal({ id: 'wd-3', chain: CHAIN, accountId: 'acct-r', txid: TXID });
    expect(await holdsFromBlock(store)).toBe(1);
    const [hold] = await store.holds.listHolds({ limit: 10 });
    expect(hold).toMatchObject({ accountId: 'acct-r', direction: 'withdrawal', counterparty: LISTED, amount: 38_796_959n, transferId: `${CHAIN}:${TXID}:out:0` });
  });
});
