/**
 * The exchange and the list a whole-pipeline replay of the recorded chain screens with:
 * - watched addresses: the hot wallet, the deposit addresses the chain pays, and `idle` more
 *   (benchExchange: 104,001 for 1,000 blocks with the default 100,000 idle ones);
 * - every hot-wallet withdrawal registered, half by txid and half by destination (so both
 *   lookups of the extract stage have rows to find);
 * - a hold list (custom-json) naming one dev account that pays a deposit address every block
 *   (slot 20: 1,000 deposit holds over 1,000 blocks) and the ETH withdrawal recipient of every
 *   other block (slot 10: 500 withdrawal holds): 1,500 holds a run, 1% of the chain's transfers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { importAccounts } from '../../src/accounts/index.js';
import { normaliseForFamily } from '../../src/domain/address.js';
import type { NewWatchedAddress, NewWithdrawal, Store } from '../../src/store/index.js';
import { benchExchange, recipient } from './build-chain.js';

export const BENCH_CHAIN = 'bench';
/**
 * The same recording under other chain ids, each with an exchange of its own: replayed whole
 * before the timed run, so that the daemon's per-job and per-hold code runs compiled, as it does
 * some way into a long replay, without the timed chain's holds existing already.
 */
export const benchWarmChain = (i: number): string => `bench-warm-${i}`;

interface RecordedTx {
  readonly hash: string;
  readonly from: string;
  readonly to: string | null;
  readonly input: string;
}

/**
 * Imports the exchange's addresses and withdrawals; returns how many of each. `blocks`: the
 * chain's blocks as eth_getBlockByNumber(n, true) answers (JSON texts), in order.
 */
export async function importExchange(
  store: Store,
  blocks: readonly string[],
  txsPerBlock: number,
  hotWallet: string,
  idle: number,
  chain: string = BENCH_CHAIN,
): Promise<{ addresses: number; withdrawals: number }> {
  const all = [...new Set(benchExchange(hotWallet, blocks.length, txsPerBlock, idle).map((a) => normaliseForFamily(a, 'evm')))];
  const hot = normaliseForFamily(hotWallet, 'evm');
  // As `cordon accounts import` writes them (statistics refreshed at the end).
  const rows: NewWatchedAddress[] = all.map((address, i) => ({
    chain,
    address,
    accountId: address === hot ? 'hot-wallet' : `acct-${i}`,
    kind: address === hot ? 'hot_wallet' : 'deposit',
  }));
  await importAccounts(store.accounts, rows, { batchSize: 10_000 });
  let withdrawals = 0;
  for (const text of blocks) {
    const block = JSON.parse(text) as { number: string; transactions: RecordedTx[] };
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== hot || tx.to === null) continue;
      // ETH: the destination is `to`; the token's transfer(to, value): the first argument.
      const destination = tx.input === '0x' ? tx.to : `0x${tx.input.slice(34, 74)}`;
      const byTxid = withdrawals % 2 === 0;
      const w: NewWithdrawal = {
        id: `w-${chain}-${tx.hash}`,
        chain,
        accountId: `cust-${withdrawals % 997}`,
        ...(byTxid ? { txid: tx.hash.toLowerCase() } : { destination: normaliseForFamily(destination, 'evm') }),
      };
      await store.accounts.addWithdrawal(w);
      withdrawals++;
    }
  }
  return { addresses: all.length, withdrawals };
}

/** The bench's listed addresses (see the file comment): `depositPayer` pays slot 20 of every block. */
export function benchListed(blocks: number, depositPayer: string): string[] {
  const addresses = [depositPayer.toLowerCase()];
  for (let b = 0; b < blocks; b += 2) addresses.push(recipient(b, 10));
  return addresses;
}

/** A custom-json list file naming `addresses` (ETH), each its own entry; returns its path. */
export function writeCustomList(name: string, addresses: readonly string[]): string {
  const entries = addresses.map((address, i) => ({ id: `${name}-${i + 1}`, address, ticker: 'ETH', name: `${name.toUpperCase()} PARTY ${i + 1}`, programs: ['BENCH-HOLD'] }));
  const file = join(mkdtempSync(join(tmpdir(), 'cordon-bench-list-')), `${name}.json`);
  writeFileSync(file, JSON.stringify({ entries }));
  return file;
}
