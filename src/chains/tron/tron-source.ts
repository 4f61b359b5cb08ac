/**
 * Tron (TRX and TRC-20 tokens) as a ChainSource, over java-tron's Ethereum-compatible
 * JSON-RPC (`https://<node>/jsonrpc`) through the shared endpoint pool: failover, backoff,
 * rate limits, and the chain identity check (`eth_chainId`, e.g. 0x2b6653dc = 728126428 on
 * mainnet, the last four bytes of the genesis block hash).
 *
 * Calls per block: ONE batched request of `eth_getBlockByHash(hash, true)` and the block's
 * Transfer logs (`eth_getLogs` by `blockHash`); both checked against the block asked for
 * (hash, parent, each transaction's and log's place). Then, only when a TRC-20 transfer or a
 * TRX-carrying contract call touches the scope, the receipt status of those transactions
 * (eth_getTransactionReceipt each, or eth_getBlockReceipts when many; nodes before java-tron
 * 4.8 have no eth_getBlockReceipts and get the former). How the answers are read:
 * tron-block.ts; which movements count: tron-transfers.ts.
 */
import type { ChainSource, TransferScope } from '../chain-source.js';
import type { NormalisedAddress } from '../../domain/address.js';
import { tronToHex } from '../../domain/address.js';
import type { BlockRef } from '../../domain/block.js';
import type { Transfer } from '../../domain/transfer.js';
import type { Logger } from '../../log/logger.js';
import { evmChainProbe } from '../evm/check-chain-id.js';
import { checkLogs, checkParent } from '../evm/consistency.js';
import { jsonRpcBlockReads } from '../evm/block-reads.js';
import { blockByHashCall } from '../evm/fetch-block.js';
import { readLogs, transferLogsByHashCall } from '../evm/fetch-logs.js';
import { DEFAULT_PER_TX_RECEIPT_SHARE, fetchStatuses } from '../evm/fetch-receipts.js';
import { evmTransport } from '../evm/provider.js';
import type { EvmTx } from '../evm/rpc-shapes.js';
import { fetchTokenUnits } from '../evm/token-units.js';
import { createEndpointPool, endpointLabel, type Endpoint, type EndpointStats } from '../rpc/endpoint-pool.js';
import type { RpcCall, RpcOutcome } from '../rpc/json-rpc.js';
import { readTronBlock, tronRef } from './tron-block.js';
import { tronCandidates, tronTransfers } from './tron-transfers.js';

export interface TronEndpointConfig {
  /** The node's JSON-RPC URL, e.g. `https://api.trongrid.io/jsonrpc` or `http://fullnode:8545/jsonrpc`. */
  readonly url: string;
  readonly maxRps?: number;
}

export interface TronChainSourceOptions {
  readonly chain: string;
  /** The configured chain id (`network`): 728126428 on mainnet, 3448148188 on Nile, 2494104990 on Shasta. */
  readonly chainId: number;
  readonly endpoints: readonly TronEndpointConfig[];
  readonly log: Logger;
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  readonly recheckRefusedMs?: number;
  readonly reidentifyMs?: number;
  /** As on EVM chains: per-transaction receipts while at most 1 in this many of a block's transactions need one. */
  readonly perTxReceiptShare?: number;
}

export interface TronChainSource extends ChainSource {
  readonly family: 'tron';
  identifyEndpoints(): Promise<void>;
  endpointStats(): EndpointStats[];
}

export function createTronChainSource(opts: TronChainSourceOptions): TronChainSource {
  const { chain, log } = opts;
  const timeoutMs = opts.requestTimeoutMs ?? 15_000;
  const pool = createEndpointPool({
    name: chain,
    log,
    timeoutMs,
    maxAttempts: opts.maxAttempts,
    backoffBaseMs: opts.backoffBaseMs,
    endpoints: opts.endpoints.map((e, i) => ({ url: e.url, maxRps: e.maxRps, transport: evmTransport(e.url, endpointLabel(e.url, i), timeoutMs) })),
    identify: evmChainProbe(chain, opts.chainId),
    recheckRefusedMs: opts.recheckRefusedMs,
    reidentifyMs: opts.reidentifyMs,
  });

  /** One block's transfers in scope (all without a scope), or null if this endpoint does not know the hash. */
  async function transfersOn(ep: Endpoint, ref: BlockRef, scope: TransferScope | undefined): Promise<Transfer[] | null> {
    const calls: RpcCall[] = [blockByHashCall(ref.hash, true), transferLogsByHashCall(ref.hash)];
    const [blockOut, logsOut] = (await ep.call(calls)) as [RpcOutcome, RpcOutcome];
    if (!blockOut.ok) throw blockOut.error;
    const read = readTronBlock(ep, calls[0] as RpcCall, blockOut.result, { hash: ref.hash, number: ref.number });
    // A hash the node does not know (reorged away): java-tron answers its logs with an error
    // ("invalid blockHash"), the block with null; the null decides.
    if (read === null) return null;
    if (!logsOut.ok) throw logsOut.error;
    checkParent(ep, 'eth_getBlockByHash', read.block, { hash: ref.parentHash });
    const logs = readLogs(ep, logsOut.result);
    checkLogs(ep, 'eth_getLogs', new Map([[read.block.number, read.block]]), logs, { from: read.block.number, to: read.block.number });

    let candidates = tronCandidates(read, logs);
    if (scope !== undefined && candidates.length > 0) {
      const inScope = await scope.among(candidates.flatMap((c) => [c.from, c.to]));
      candidates = candidates.filter((c) => inScope.has(c.from) || inScope.has(c.to));
    }
    const needing = new Map<string, EvmTx>();
    for (const c of candidates) if (c.needsStatus) needing.set(c.tx.hash, c.tx);
    const [status] = await fetchStatuses(ep, [{ block: read.block, txs: [...needing.values()] }], Math.max(1, opts.perTxReceiptShare ?? DEFAULT_PER_TX_RECEIPT_SHARE));
    return tronTransfers(chain, read, candidates, status ?? new Map());
  }

  return {
    chain,
    family: 'tron',
    ...jsonRpcBlockReads(chain, pool, tronRef, transfersOn),
    identifyEndpoints: () => pool.identifyAll(),
    // TRC-20 contracts answer ERC-20's symbol() and decimals() over eth_call, addressed in hex.
    tokenUnits: (contract: NormalisedAddress) => pool.run(`token units ${contract}`, (ep) => fetchTokenUnits(ep, tronToHex(contract))),
    endpointStats: () => pool.stats(),
    close: () => pool.close(),
  };
}
