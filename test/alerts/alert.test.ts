import { describe, expect, it } from 'vitest';
import {
  alertForMatch,
  failedJobsAlert,
  followerLaggingAlert,
  holdOrphanedAlert,
  holdRaisedAlert,
  hookDeliveryFailingAlert,
  listRefreshRefusedAlert,
  MAX_SUMMARY_LENGTH,
} from '../../src/domain/alert.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import type { BlockHash } from '../../src/domain/block.js';
import { holdKey, type Match } from '../../src/domain/match.js';
import { listId } from '../../src/domain/sanction-entry.js';
import { holdFacts, TORNADO } from './fixtures.js';

const at = new Date('2025-03-01T12:34:56Z');
const addr = (s: string) => s as NormalisedAddress;

function match(overrides: Partial<Match> = {}): Match {
  return {
    transfer: {
      chain: 'ethereum',
      blockNumber: 21_000_000n,
      blockHash: `0x${'ab'.repeat(32)}` as BlockHash,
      txHash: `0x${'cd'.repeat(32)}`,
      position: 'log:3',
      kind: 'erc20',
      asset: { kind: 'token', contract: addr('0xdAC17F958D2ee523a2206206994597C13D831ec7') },
      from: addr(TORNADO),
      to: addr('0x1111111111111111111111111111111111111111'),
      amount: 123_456_789_000_000_000_000_000n,
      txFrom: addr(TORNADO),
    },
    direction: 'deposit',
    accountId: 'acct-42',
    exchangeAddress: addr('0x1111111111111111111111111111111111111111'),
    counterparty: addr(TORNADO),
    entry: {
      entryUid: `sdn:30518:ETH:${TORNADO}`,
      address: addr(TORNADO),
      family: 'evm',
      ticker: 'ETH',
      entityName: 'TORNADO CASH',
      programs: ['CYBER2', 'DPRK3'],
      source: { file: 'lists/sdn.xml' },
      listId: listId('ofac-sdn'),
      listVersion: 7,
    },
    policy: 'hold',
    authority: 'OFAC',
    units: null,
    ...overrides,
  };
}

describe('alerts as data', () => {
  it('a hold alert is critical, keyed by the hold key, and its summary names entity, programs, list and authority', () => {
    const alert = alertForMatch(match(), at);
    expect(alert.kind).toBe('hold_raised');
    expect(alert.severity).toBe('critical');
    expect(alert.dedupKey).toBe(holdKey('acct-42', `ethereum:0x${'cd'.repeat(32)}:log:3`, `sdn:30518:ETH:${TORNADO}`));
    for (const s of ['acct-42', 'TORNADO CASH', 'CYBER2, DPRK3', 'ofac-sdn v7', 'OFAC', TORNADO, `0x${'cd'.repeat(32)}`]) {
      expect(alert.summary).toContain(s);
    }
    // JSON-safe: a queue job can carry it.
    expect(JSON.parse(JSON.stringify(alert))).toEqual(alert);
    expect(alert.details.amount).toBe('123456789000000000000000');
    expect(alert.details.asset).toBe('0xdAC17F958D2ee523a2206206994597C13D831ec7');
  });

  it('an alert-policy list or an unattributed withdrawal gives a match alert with no hold, naming the hot wallet', () => {
    const advisory = alertForMatch(match({ policy: 'alert' }), at);
    expect(advisory).toMatchObject({ kind: 'match_alert', severity: 'error', details: { reason: 'alert_policy' } });
    const unattributed = alertForMatch(match({ accountId: null, direction: 'withdrawal' }), at);
    expect(unattributed).toMatchObject({ kind: 'match_alert', severity: 'critical', details: { reason: 'unattributed_withdrawal', accountId: null } });
    expect(unattributed.summary).toContain('hot wallet 0x1111111111111111111111111111111111111111');
    expect(unattributed.dedupKey).toMatch(/^match_alert:unattributed\|/);
    expect(advisory.dedupKey).not.toBe(unattributed.dedupKey);
  });

  it("a match below the asset's hold threshold, or a value-less call, pages as a match alert saying why; the amount reads in units", () => {
    const units = { symbol: 'USDT', decimals: 6 };
    const dust = alertForMatch(match({ units, transfer: { ...match().transfer, amount: 1_000_000n } }), at, { action: 'alert', why: 'below-threshold' });
    expect(dust.kind).toBe('match_alert');
    expect(dust.details).toMatchObject({ reason: 'below_hold_threshold', amountInUnits: '1', symbol: 'USDT' });
    expect(dust.summary).toContain("below the asset's hold threshold, no hold");
    expect(dust.summary).toContain('of 1 USDT (1000000 base units, token 0x');
    const call = alertForMatch(match({ transfer: { ...match().transfer, kind: 'call', amount: 0n } }), at);
    expect(call.details).toMatchObject({ reason: 'value_less_call' });
    expect(() => alertForMatch(match({ transfer: { ...match().transfer, amount: 0n } }), at)).toThrow(/moves no value/);
  });

  it('an orphaned hold pages under its own key, not folded into the hold it retracts', () => {
    const facts = holdFacts(1);
    const orphan = holdOrphanedAlert({ ...facts, reason: 'block 0xabab… reorganised away' }, at);
    expect(orphan.dedupKey).toBe(`hold_orphaned:${facts.holdKey}:${facts.blockHash}`);
    expect(orphan.dedupKey).not.toBe(holdRaisedAlert(facts, at).dedupKey);
    expect(orphan.summary).toContain('no longer canonical');
    expect(orphan.summary).toContain('TORNADO CASH');
  });

  it('operational alerts dedupe per hour, or per refused content when its hash is known', () => {
    const later = new Date('2025-03-01T12:59:00Z');
    const nextHour = new Date('2025-03-01T13:00:00Z');
    expect(failedJobsAlert({ queue: 'screen', count: 12 }, at).dedupKey).toBe(failedJobsAlert({ queue: 'screen', count: 40 }, later).dedupKey);
    expect(failedJobsAlert({ queue: 'screen', count: 12 }, at).dedupKey).not.toBe(failedJobsAlert({ queue: 'screen', count: 12 }, nextHour).dedupKey);
    const lag = followerLaggingAlert({ chain: 'ethereum', head: '100', processed: '50', lag: 50, maxLag: 20 }, at);
    expect(lag).toMatchObject({ severity: 'warning', dedupKey: 'follower_lagging:ethereum:2025-03-01T12' });
    const refused = listRefreshRefusedAlert({ listId: 'ofac-sdn', keptVersion: 6, reason: 'drops 40% of entries', contentHash: 'sha256:ff' }, at);
    expect(refused).toMatchObject({ severity: 'error', dedupKey: 'list_refresh_refused:ofac-sdn:sha256:ff' });
    expect(refused.summary).toContain('version 6 stays active');
    const unreachable = listRefreshRefusedAlert({ listId: 'ofac-sdn', keptVersion: null, reason: 'HTTP 503', contentHash: null }, at);
    expect(unreachable.dedupKey).toBe('list_refresh_refused:ofac-sdn:2025-03-01T12');
    expect(unreachable.summary).toContain('screens NOTHING');
  });

  it('a summary stays one line of at most 1024 characters, keeping the legal basis when a name is huge', () => {
    const facts = { ...holdFacts(2), entityName: `A VERY LONG NAME\n${'X'.repeat(5000)}`, accountId: 'a'.repeat(3000) };
    const alert = holdRaisedAlert(facts, at);
    expect(alert.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_LENGTH);
    expect(alert.summary).not.toMatch(/[\r\n]/);
    expect(alert.summary).toContain('CYBER2, DPRK3');
    expect(alert.summary).toContain('ofac-sdn v7');
  });

  it('a hold the exchange hook refuses pages at once, naming the hold, account and answer, at most hourly per hold', () => {
    const facts = holdFacts(3);
    const failing = {
      holdId: 42,
      holdKey: facts.holdKey,
      accountId: facts.accountId,
      chain: facts.chain,
      txid: facts.txid,
      reason: 'refused' as const,
      statusCode: 401,
      error: 'HTTP 401: bad signature',
      failedAttempts: 2,
      target: 'https://exchange.example',
      nextAttemptAt: '2025-03-01T13:10:00.000Z',
    };
    const refused = hookDeliveryFailingAlert(failing, at);
    expect(refused).toMatchObject({ kind: 'hook_delivery_failing', severity: 'critical', dedupKey: `hook_delivery_failing:${facts.holdKey}:2025-03-01T12` });
    expect(refused.summary).toContain('EXCHANGE REFUSED HOLD 42');
    expect(refused.summary).toContain(facts.accountId);
    expect(refused.summary).toContain('HTTP 401: bad signature');
    expect(refused.summary).toContain('2 failed attempts');
    expect(refused.summary).toContain('hook secret');
    expect(refused.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_LENGTH);
    expect(hookDeliveryFailingAlert({ ...failing, failedAttempts: 3 }, new Date('2025-03-01T12:59:00Z')).dedupKey).toBe(refused.dedupKey);
    expect(hookDeliveryFailingAlert(failing, new Date('2025-03-01T13:00:00Z')).dedupKey).not.toBe(refused.dedupKey);
    const down = hookDeliveryFailingAlert({ ...failing, reason: 'failing', statusCode: null, error: 'no answer within 10000 ms', failedAttempts: 8 }, at);
    expect(down.severity).toBe('error');
    expect(down.summary).toContain('no answer within 10000 ms; 8 failed attempts');
  });
});
