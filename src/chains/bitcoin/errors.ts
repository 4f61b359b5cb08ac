import type { BlockHash } from '../../domain/block.js';
import { RpcError, type RpcFailureKind } from '../rpc/errors.js';

/** Bytes that are not a block (or transaction) of the family: names where and why. */
export class MalformedBlock extends Error {
  override readonly name = 'MalformedBlock';
  constructor(
    /** What was being read, e.g. `block 0000…4069` or `transaction a1b2…`. */
    readonly what: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${what}: malformed at byte ${offset}: ${reason}`);
  }
}

export { BlockUnavailable } from '../chain-errors.js';

/**
 * The node can tell neither the prevouts of a block (`getblock <hash> 3`, Bitcoin Core ≥ 25,
 * needs the block's undo data) nor the transactions they come from (`getrawtransaction`, needs
 * `txindex=1`), so the senders of a deposit cannot be known. Not retried: it is configuration.
 */
export class InputsUnresolvable extends Error {
  override readonly name = 'InputsUnresolvable';
  /** Configuration must fix it: retrying the block changes nothing (pipeline/permanent-errors.ts). */
  readonly permanent = true;
  readonly fix = 'start bitcoind with -txindex=1, or use Bitcoin Core ≥ 25 (getblock verbosity 3 gives prevouts) without pruning below this block';
  constructor(
    readonly chain: string,
    readonly blockHash: string,
    /** Transactions whose inputs were asked for. */
    readonly txids: readonly string[],
    readonly detail: string,
  ) {
    const shown = txids.slice(0, 3).join(', ') + (txids.length > 3 ? ` and ${txids.length - 3} more` : '');
    super(
      `${chain}: cannot resolve the input addresses of ${shown} in block ${blockHash}: ${detail}. ` +
        'Run Bitcoin Core ≥ 25 with the block undo data (not pruned below this block) so that `getblock <hash> 3` returns prevouts, ' +
        'or set txindex=1 so that `getrawtransaction` finds any transaction.',
    );
  }
}

/** HTTP 401 (wrong or missing rpcuser/rpcpassword or cookie) or 403 (rpcallowip) from the node. Not retried. */
export class CoreAuthFailed extends RpcError {
  override readonly name = 'CoreAuthFailed';
  readonly kind: RpcFailureKind = 'node-error';
  readonly retryable = false;
  constructor(
    endpoint: string,
    method: string,
    readonly httpStatus: number,
    hint: string,
  ) {
    super(endpoint, method, `HTTP ${httpStatus}: the node refused ${httpStatus === 403 ? 'this client' : 'the credentials'} (${hint})`);
  }
}
