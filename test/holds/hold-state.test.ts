import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  HOLD_STATES,
  HOLD_TRANSITIONS,
  holdFromMatch,
  HoldReasonRequired,
  HoldTransitionRefused,
  nextState,
  NotAHoldMatch,
  requireTransition,
  stateBeforeOrphan,
} from '../../src/domain/hold.js';
import { holdKey } from '../../src/domain/match.js';
import { listId, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import { depositMatch, hash, tornadoEntry, USDT } from './helpers.js';

const entry: SanctionEntry = { ...tornadoEntry, listId: listId('ofac-sdn'), listVersion: 4 };
const TX = `0x${'ab'.repeat(32)}`;

describe('hold state machine', () => {
  it('lets an analyst release or confirm only an open hold', () => {
    expect(nextState('open', 'release')).toBe('released');
    expect(nextState('open', 'confirm')).toBe('confirmed');
    for (const from of ['released', 'confirmed', 'orphaned'] as const) {
      expect(nextState(from, 'release')).toBeNull();
      expect(nextState(from, 'confirm')).toBeNull();
    }
  });

  it('orphans a hold in any state but orphaned, and a reopen restores the state it had before', () => {
    for (const from of ['open', 'released', 'confirmed'] as const) {
      expect(nextState(from, 'orphan')).toBe('orphaned');
      expect(nextState('orphaned', 'reopen', from)).toBe(from);
    }
    expect(nextState('orphaned', 'orphan')).toBeNull();
    expect(nextState('open', 'reopen')).toBeNull();
    expect(nextState('orphaned', 'reopen')).toBe('open');
  });

  it('reads the state before orphaning from the audit trail, the latest orphaning winning', () => {
    expect(
      stateBeforeOrphan([
        { fromState: null, toState: 'open' },
        { fromState: 'open', toState: 'orphaned' },
        { fromState: 'orphaned', toState: 'open' },
        { fromState: 'open', toState: 'released' },
        { fromState: 'released', toState: 'orphaned' },
      ]),
    ).toBe('released');
    expect(stateBeforeOrphan([])).toBe('open');
  });

  it('keeps the transition table and allowedActions consistent for every state', () => {
    for (const state of HOLD_STATES) {
      for (const action of allowedActions(state)) expect(HOLD_TRANSITIONS[action].from).toContain(state);
      expect(allowedActions(state).length).toBeGreaterThan(0);
    }
  });

  it('refuses a forbidden move naming the hold, its state, the action and what is possible', () => {
    expect(() => requireTransition(42, 'released', 'confirm', { actor: 'analyst:k.lee', reason: null })).toThrow(
      new HoldTransitionRefused(42, 'released', 'confirm'),
    );
    const err = new HoldTransitionRefused(42, 'released', 'confirm');
    expect(err.message).toBe(
      'hold 42 is released: cannot confirm it (only orphan is possible from released); see `cordon holds show 42` for its audit trail',
    );
    expect(err).toMatchObject({ holdId: 42, from: 'released', action: 'confirm' });
  });

  it('requires a reason to release and an actor for every move', () => {
    expect(() => requireTransition(7, 'open', 'release', { actor: 'analyst:j.doe', reason: '  ' })).toThrow(HoldReasonRequired);
    expect(() => requireTransition(7, 'open', 'confirm', { actor: ' ', reason: null })).toThrow(/needs an actor/);
    expect(requireTransition(7, 'open', 'confirm', { actor: 'analyst:j.doe', reason: null })).toBe('confirmed');
  });
});

describe('holdFromMatch', () => {
  it('builds the hold a deposit from a listed address raises, with the entry as its legal basis', () => {
    const match = depositMatch({ entry, txHash: TX, block: { number: 21_000_000n, hash: hash(9) } });
    expect(holdFromMatch(match, 3)).toStrictEqual({
      holdKey: holdKey('acct-7731', `ethereum:${TX}:tx`, entry.entryUid),
      accountId: 'acct-7731',
      chain: 'ethereum',
      txid: TX,
      transferId: `ethereum:${TX}:tx`,
      direction: 'deposit',
      counterparty: entry.address,
      listId: 'ofac-sdn',
      listVersion: 4,
      entryUid: entry.entryUid,
      entityName: 'TORNADO CASH',
      programs: ['CYBER2', 'DPRK3'],
      authority: 'OFAC',
      amount: 100_000_000_000_000_000_000n,
      asset: 'native',
      units: null,
      blockNumber: 21_000_000n,
      blockHash: hash(9),
      confirmations: 3,
    });
  });

  it('names a token by its contract address', () => {
    const match = depositMatch({ entry, txHash: TX, asset: { kind: 'token', contract: USDT }, amount: 5_000_000n });
    expect(holdFromMatch(match, 0)).toMatchObject({ asset: USDT, amount: 5_000_000n });
  });

  it('refuses an alert-list match and a transfer with no account: those only alert', () => {
    expect(() => holdFromMatch(depositMatch({ entry, txHash: TX, policy: 'alert' }), 1)).toThrow(NotAHoldMatch);
    expect(() => holdFromMatch(depositMatch({ entry, txHash: TX, accountId: null }), 1)).toThrow(/no exchange account owns it/);
  });
});
