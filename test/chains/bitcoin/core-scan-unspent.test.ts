/**
 * Answers of `scantxoutset` that must not be recorded as the exchange's outputs: each is
 * refused with an error that says what is wrong, and a scan another client aborted is asked
 * again. The endpoint here answers from a table: no real or stand-in Core produces these.
 */
import { describe, expect, it } from 'vitest';

import { scanUnspent } from '../../../src/chains/bitcoin/core-scan-unspent.js';
import { utxoNetwork } from '../../../src/chains/bitcoin/networks.js';
import type { Endpoint } from '../../../src/chains/rpc/endpoint-pool.js';
import { RpcBadAnswer, RpcInconsistent, RpcNodeError } from '../../../src/chains/rpc/errors.js';
import type { RpcCall, RpcOutcome } from '../../../src/chains/rpc/json-rpc.js';
import { normaliseForFamily } from '../../../src/domain/address.js';
import { ALICE, HOT } from './regtest-chain.js';

const NETWORK = utxoNetwork('bitcoin', 'regtest');
const HASH_AT_7 = '7'.repeat(64);
const hot = normaliseForFamily(HOT.address, 'bitcoin');

/** An endpoint answering scantxoutset with `scan`, and getblockhash 7 with HASH_AT_7. */
function endpoint(scan: unknown): Endpoint {
  const answer = (c: RpcCall): RpcOutcome => ({ ok: true, result: c.method === 'scantxoutset' ? scan : c.params[0] === 7 ? HASH_AT_7 : null });
  return {
    index: 0,
    label: 'table',
    unsupported: new Set(),
    call: async (calls) => calls.map(answer),
    results: async (calls) => calls.map((c) => (answer(c) as { result: unknown }).result),
  };
}

const unspent = (over: Record<string, unknown> = {}) => ({
  txid: 'ab'.repeat(32),
  vout: 1,
  scriptPubKey: HOT.script.toString('hex'),
  amount: 0.5,
  height: 7,
  ...over,
});
const answer = (...unspents: unknown[]) => ({ success: true, height: 9, bestblock: '9'.repeat(64), unspents });

describe('scantxoutset answers', () => {
  it('a good answer gives the outputs in satoshis with their blocks', async () => {
    expect(await scanUnspent(endpoint(answer(unspent({ blockhash: HASH_AT_7 }))), NETWORK, [hot], 1000)).toEqual([
      { outpoint: { txid: 'ab'.repeat(32), vout: 1 }, address: hot, value: 50_000_000n, block: { hash: HASH_AT_7, number: 7n } },
    ]);
  });

  const refused: [string, unknown, new (...a: never[]) => Error, RegExp][] = [
    ['an output paying an address not asked about', answer(unspent({ scriptPubKey: ALICE.script.toString('hex') })), RpcBadAnswer, /not an address asked about/],
    ['an amount that is not whole satoshis', answer(unspent({ amount: 0.123456789 })), RpcBadAnswer, /not whole satoshis/],
    ['a block hash other than the chain’s at that height', answer(unspent({ blockhash: '8'.repeat(64) })), RpcInconsistent, /names block 8{64}/],
    ['a height with no block (the chain got shorter)', answer(unspent({ height: 8 })), RpcNodeError, /no block at height 8/],
    ['no list of outputs', { success: true }, RpcBadAnswer, /no list of unspent outputs/],
    ['a txid that is not a hash', answer(unspent({ txid: 'xyz' })), RpcBadAnswer, /txid is not 64 lower-case hex digits/],
  ];
  for (const [what, scan, error, message] of refused) {
    it(`refuses ${what}`, async () => {
      const err = await scanUnspent(endpoint(scan), NETWORK, [hot], 1000).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(error);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('a scan that did not complete (aborted by another client) is worth asking again', async () => {
    const err = await scanUnspent(endpoint({ ...answer(), success: false }), NETWORK, [hot], 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcNodeError);
    expect((err as RpcNodeError).retryable).toBe(true);
  });
});
