import { describe, expect, it } from 'vitest';
import type { NormalisedAddress } from '../../src/domain/address.js';
import type { BlockHash } from '../../src/domain/block.js';
import { decideMatch, type Match } from '../../src/domain/match.js';
import type { Transfer } from '../../src/domain/transfer.js';

const a = (s: string) => s as NormalisedAddress;
const USDT = a('0xdac17f958d2ee523a2206206994597c13d831ec7');

/** A USDT transfer like those of mainnet block 18,000,000 (amount in base units). */
function usdt(amount: bigint, kind: Transfer['kind'] = 'erc20'): Pick<Match, 'transfer' | 'policy' | 'accountId'> {
  return {
    transfer: {
      chain: 'ethereum',
      blockNumber: 18_000_000n,
      blockHash: '0x95b198e154acbfc64109dfd22d8224fe927fd8dfdedfae01587674482ba4baf3' as BlockHash,
      txHash: '0xc1e64199d60a6420e360ba326f4026eb61a085481baaec99f2f49224f1b1e96a',
      position: 'log:199',
      kind,
      asset: kind === 'erc20' ? { kind: 'token', contract: USDT } : { kind: 'native' },
      from: a('0x07888c3c5d25fa74ae04a9ead1fb1cf0e7743689'),
      to: a('0xf7336edf45d9c50a0ce3a5584cc12ef2b2e1c7c5'),
      amount,
      txFrom: a('0x07888c3c5d25fa74ae04a9ead1fb1cf0e7743689'),
    },
    policy: 'hold',
    accountId: 'acct-paid',
  };
}

describe('what a match leads to', () => {
  it('a zero-value token transfer (a spoofed transferFrom log) raises neither hold nor alert', () => {
    expect(decideMatch(usdt(0n))).toEqual({ action: 'ignore', why: 'no-value' });
    expect(decideMatch({ ...usdt(0n), policy: 'alert' })).toEqual({ action: 'ignore', why: 'no-value' });
  });

  it('a value-less contract call of a listed contract alerts, never holds', () => {
    expect(decideMatch(usdt(0n, 'call'))).toEqual({ action: 'alert', why: 'value-less-call' });
  });

  it('any non-zero value holds by default: the genuine 1,285 USDT payment', () => {
    expect(decideMatch(usdt(1_285_000_000n))).toEqual({ action: 'hold' });
    expect(decideMatch(usdt(1n))).toEqual({ action: 'hold' });
  });

  it("below the exchange's threshold for the asset a match alerts instead of holding; at it, it holds", () => {
    expect(decideMatch(usdt(1_285_000_000n), 2_000_000_000n)).toEqual({ action: 'alert', why: 'below-threshold' });
    expect(decideMatch(usdt(2_000_000_000n), 2_000_000_000n)).toEqual({ action: 'hold' });
    expect(decideMatch(usdt(0n), 0n)).toEqual({ action: 'ignore', why: 'no-value' });
  });

  it('an alert-only list or a transfer nobody owns alerts', () => {
    expect(decideMatch({ ...usdt(5n), policy: 'alert' })).toEqual({ action: 'alert', why: 'alert-policy' });
    expect(decideMatch({ ...usdt(5n), accountId: null })).toEqual({ action: 'alert', why: 'no-account' });
  });
});
