import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { BlockUnavailable } from '../../src/chains/chain-errors.js';
import { InputsUnresolvable } from '../../src/chains/bitcoin/errors.js';
import { ExpiringSet } from '../../src/chains/rpc/expiring-set.js';
import { failFastOnPermanent, fixOf, permanentCause } from '../../src/pipeline/permanent-errors.js';

describe('errors configuration must fix are not retried as if transient', () => {
  it('a node without txindex or prevouts fails the job at once, with the fix in the reason', async () => {
    const err = new InputsUnresolvable('btc', '00ab', ['tx1'], 'node-0 has no txindex');
    const thrown = await failFastOnPermanent(() => Promise.reject(new Error('wrapped', { cause: err }))).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect((thrown as Error).message).toContain('not retried: configuration must fix this');
    expect(fixOf((thrown as Error).message)).toMatch(/-txindex=1.*Core ≥ 25/);
  });

  it('a pruned block is permanent; a block reorged away or not yet known stays transient', async () => {
    expect(permanentCause(new BlockUnavailable('btc', { number: 5n }, 'pruned', { permanent: true, fix: 'keep more blocks' }))).toMatchObject({ fix: 'keep more blocks' });
    const reorged = new BlockUnavailable('btc', { number: 5n }, 'reorged away');
    expect(permanentCause(reorged)).toBeNull();
    expect(await failFastOnPermanent(() => Promise.reject(reorged)).catch((e: unknown) => e)).toBe(reorged);
  });
});

describe('a node capability found missing is probed again later', () => {
  it('is remembered for the recheck time, then forgotten until found missing again', () => {
    let now = 0;
    const missing = new ExpiringSet(600_000, () => now);
    missing.add('txindex');
    now = 599_999;
    expect(missing.has('txindex')).toBe(true);
    now = 600_000;
    expect(missing.has('txindex')).toBe(false);
    missing.add('txindex');
    expect(missing.has('txindex')).toBe(true);
  });
});
