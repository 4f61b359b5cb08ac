/**
 * Builds a chain with mainnet-like load on anvil: blocks of `txsPerBlock` transactions, half
 * plain ETH transfers (even positions) and half ERC-20 `transfer` calls (odd positions) on a
 * token written in bytecode (see test/chains/evm/contracts.ts), from anvil's unlocked dev
 * accounts to fresh addresses. Each block's transactions go in as one JSON-RPC batch of
 * eth_sendTransaction, then evm_mine.
 *
 * A large exchange's traffic is in it (`benchExchange`): its hot wallet (the first dev
 * account) sends the transactions at HOT_WALLET_SLOTS (2 ETH and 2 token withdrawals a block),
 * and the recipients at DEPOSIT_SLOTS are its deposit addresses (2 ETH and 2 token deposits):
 * 8 of 150 transactions, about 5%, the share of the busiest exchanges on Ethereum.
 */
import type { Anvil } from '../../test/helpers/anvil.js';
import { TOKEN_CODE, transferCalldata, word } from '../../test/chains/evm/contracts.js';

export const BENCH_TOKEN = '0x000000000000000000000000000000000000b0b0';

const HOT_WALLET_SLOTS = new Set([10, 11, 80, 81]);
const DEPOSIT_SLOTS = [20, 21, 90, 91];

const hex = (n: bigint | number): string => `0x${n.toString(16)}`;

/** A deterministic pseudo-random recipient for (block, tx). */
export function recipient(block: number, i: number): string {
  let x = BigInt(block) * 1_000_003n + BigInt(i) * 7_919n + 1n;
  x = (x * 0x9e3779b97f4a7c15n) & ((1n << 160n) - 1n);
  return `0x${x.toString(16).padStart(40, '0')}`;
}

export async function buildChain(
  node: Anvil,
  opts: { blocks: number; txsPerBlock: number; onProgress?: (done: number) => void },
): Promise<{ first: bigint; last: bigint }> {
  const senders = await node.rpc<string[]>('eth_accounts', []);
  await node.rpc('anvil_setCode', [BENCH_TOKEN, TOKEN_CODE]);
  for (const s of senders) await node.rpc('anvil_setStorageAt', [BENCH_TOKEN, `0x${word(s)}`, `0x${word(10n ** 30n)}`]);
  await node.rpc('evm_mine', []);
  // Batched calls run concurrently in anvil: nonces are assigned here, not by the node.
  const nonces = new Map<string, number>();
  for (const s of senders) nonces.set(s, parseInt(await node.rpc<string>('eth_getTransactionCount', [s, 'pending']), 16));
  const first = BigInt(await node.rpc<string>('eth_blockNumber', [])) + 1n;
  for (let b = 0; b < opts.blocks; b++) {
    const calls = [];
    for (let i = 0; i < opts.txsPerBlock; i++) {
      // The hot wallet (senders[0]) sends only at its slots; the other accounts take turns.
      const from = (HOT_WALLET_SLOTS.has(i) ? senders[0] : senders[1 + (i % (senders.length - 1))]) as string;
      const to = recipient(b, i);
      const nonce = nonces.get(from) ?? 0;
      nonces.set(from, nonce + 1);
      const tx =
        i % 2 === 0
          ? { from, to, nonce: hex(nonce), value: hex(1_000_000_000_000n + BigInt(b * 1000 + i)), gas: hex(21_000) }
          : { from, to: BENCH_TOKEN, nonce: hex(nonce), data: transferCalldata(to, BigInt(b * 1000 + i + 1)), gas: hex(60_000) };
      calls.push({ method: 'eth_sendTransaction', params: [tx] });
    }
    await node.rpcBatch(calls);
    await node.rpc('evm_mine', []);
    opts.onProgress?.(b + 1);
  }
  const last = BigInt(await node.rpc<string>('eth_blockNumber', []));
  return { first, last };
}

/**
 * The exchange the benchmark screens for, over a chain built by `buildChain`: the hot wallet
 * and the deposit addresses at DEPOSIT_SLOTS of every block, among `idle` more deposit
 * addresses that never receive anything, as an exchange's table mostly holds. Transactions
 * needing a receipt (ETH in or out of the exchange): 4 a block.
 */
export function benchExchange(hotWallet: string, blocks: number, txsPerBlock: number, idle = 100_000): string[] {
  const out = [hotWallet.toLowerCase()];
  for (let b = 0; b < blocks; b++) for (const i of DEPOSIT_SLOTS) if (i < txsPerBlock) out.push(recipient(b, i));
  for (let k = 0; k < idle; k++) out.push(recipient(1_000_000 + k, 0));
  return out;
}
