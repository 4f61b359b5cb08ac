/**
 * Which chain an endpoint serves, for any chain family. A node answers for its own chain and
 * nothing in a block says which chain it is on, so a config saying Polygon pointed at an
 * Ethereum node would be read, screened and acted on as Polygon. Each family brings a probe
 * (EVM: eth_chainId; Bitcoin family: chain name and genesis hash) that throws ChainMismatch;
 * the endpoint pool runs it when an endpoint joins the pool and again whenever it rejoins
 * after a failure, and refuses the endpoints on the wrong chain.
 */
import type { Endpoint } from './endpoint-pool.js';
import { RpcError } from './errors.js';

/**
 * Checks the endpoint serves the configured chain: resolves if it does, throws ChainMismatch if
 * it serves another, or another RpcError if it could not be asked.
 */
export type IdentifyEndpoint = (ep: Endpoint) => Promise<void>;

/** What a family's comparison found wrong: both sides as a person reads them. */
export interface ChainMismatchDetail {
  /** e.g. `network 137 (Polygon PoS)`, `network regtest (bitcoin)`. */
  readonly configured: string;
  /** e.g. `chain id 1 (Ethereum mainnet)`, `genesis 530827f3… (litecoin regtest)`. */
  readonly actual: string;
}

/**
 * The endpoint serves another chain than the configured one. Retryable in the pool's sense
 * (another endpoint may be right); the endpoint itself is refused until a recheck passes.
 */
export class ChainMismatch extends RpcError {
  override readonly name = 'ChainMismatch';
  readonly kind = 'wrong-chain';
  readonly retryable = true;
  readonly configured: string;
  readonly actual: string;
  constructor(
    /** Configured chain id (`polygon`). */
    readonly chain: string,
    /** The endpoint's label (host and index), safe to log. */
    endpoint: string,
    /** The call that told (`eth_chainId`, `getblockchaininfo+getblockhash`). */
    method: string,
    detail: ChainMismatchDetail,
  ) {
    super(endpoint, method, `${detail.actual}, but chain \`${chain}\` is configured with ${detail.configured}`);
    this.configured = detail.configured;
    this.actual = detail.actual;
    // Said from the endpoint's side: which endpoint, what it serves, what was configured.
    this.message = `endpoint ${endpoint}: ${detail.actual}, but chain \`${chain}\` is configured with ${detail.configured}`;
  }
}

/** Every endpoint of a chain serves another chain: nothing can be read. Not retried. */
export class NoEndpointOnChain extends Error {
  override readonly name = 'NoEndpointOnChain';
  constructor(
    readonly chain: string,
    readonly refused: readonly ChainMismatch[],
  ) {
    const first = refused[0];
    super(
      `${chain}: no endpoint serves the configured chain (${first?.configured ?? 'unknown'}): ` +
        refused.map((r) => r.message).join('; ') +
        `. Point chain \`${chain}\`'s endpoints at nodes of that chain, or correct its \`network\`.`,
    );
  }
}
