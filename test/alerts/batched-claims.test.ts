/**
 * Alerts sent together are claimed and recorded together: the claims made in one turn of the
 * event loop are one store statement, with the same answers as one claim at a time (claimed,
 * busy while another sender holds it, sent once delivered).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { batchedClaims } from '../../src/alerts/index.js';
import { openStore, type AlertsRepo, type Store } from '../../src/store/index.js';

describe('batched alert claims', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
  });
  afterAll(async () => {
    await store.close();
  });

  it('claims concurrent alerts in one statement and answers each as a single claim would', async () => {
    const calls: number[] = [];
    const counted: AlertsRepo = {
      ...store.alerts,
      claimAlerts: (claims, leaseMs) => {
        calls.push(claims.length);
        return store.alerts.claimAlerts(claims, leaseMs);
      },
    };
    const claims = batchedClaims(counted);
    await store.alerts.claimAlert('pd', 'taken-elsewhere', 'hold_raised', 60_000);
    await store.alerts.claimAlert('pd', 'sent-before', 'hold_raised', 60_000);
    await store.alerts.finishAlert('pd', 'sent-before', 'sent');

    const answers = await Promise.all(['k1', 'k2', 'taken-elsewhere', 'sent-before', 'k3'].map((key) => claims.claimAlert('pd', key, 'hold_raised', 15_000)));
    expect(answers).toEqual(['claimed', 'claimed', 'busy', 'sent', 'claimed']);
    expect(calls).toEqual([5]);

    await Promise.all(['k1', 'k2'].map((key) => claims.finishAlert('pd', key, 'sent')));
    await claims.finishAlert('pd', 'k3', 'failed');
    // A failed attempt is free to claim again; delivered ones are not sent again.
    expect(await Promise.all(['k1', 'k2', 'k3'].map((key) => claims.claimAlert('pd', key, 'hold_raised', 15_000)))).toEqual(['sent', 'sent', 'claimed']);
  });

  it('gathers outcomes that come within outcomeGatherMs into one statement', async () => {
    const calls: number[] = [];
    const counted: AlertsRepo = {
      ...store.alerts,
      finishAlerts: (outcomes) => {
        calls.push(outcomes.length);
        return store.alerts.finishAlerts(outcomes);
      },
    };
    // A window far longer than the answers' spread: a busy test machine does not split the batch.
    const claims = batchedClaims(counted, { outcomeGatherMs: 1_500 });
    const keys = ['g1', 'g2', 'g3'];
    await Promise.all(keys.map((key) => claims.claimAlert('hook', key, 'hold_raised', 15_000)));

    // Answers arriving 50 ms apart, as a receiver's do.
    const written: Promise<void>[] = [];
    for (const key of keys) {
      written.push(claims.finishAlert('hook', key, 'sent'));
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(written);
    expect(calls).toEqual([3]);
    expect(await Promise.all(keys.map((key) => claims.claimAlert('hook', key, 'hold_raised', 15_000)))).toEqual(['sent', 'sent', 'sent']);
  });

  it('puts the same alert twice in one batch into two statements, so the second sees the first', async () => {
    const claims = batchedClaims(store.alerts);
    const [a, b] = await Promise.all([claims.claimAlert('slack', 'twice', 'hold_raised', 15_000), claims.claimAlert('slack', 'twice', 'hold_raised', 15_000)]);
    expect([a, b]).toEqual(['claimed', 'busy']);
  });
});
