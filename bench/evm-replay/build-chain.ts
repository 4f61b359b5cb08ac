/**
 * Builds a chain with mainnet-like load on anvil: blocks of `txsPerBlock` transactions, half
 * plain ETH transfers and half ERC-20 `transfer` calls on a token written in bytecode (see
 * test/chains/evm/contracts.ts), from anvil's unlocked dev accounts to fresh addresses. Each
 * block's transactions go in as one JSON-RPC batch of eth_sendTransaction, then evm_mine.
 */
import type { Anvil } from '../../test/helpers/anvil.js';
import { TOKEN_CODE, transferCalldata, word } from '../../test/chains/evm/contracts.js';

export const BENCH_TOKEN = '0x000000000000000000000000000000000000b0b0';

const hex = (n: bigint | number): string => `0x${n.toString(16)}`;

/** A deterministic pseudo-random recipient for (block, tx). */
function recipient(block: number, i: number): string {
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
      const from = senders[i % senders.length] as string;
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
