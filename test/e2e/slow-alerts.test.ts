/**
 * A slow on-call channel holds up alerts, never the next hold: alert jobs have a queue and
 * workers of their own. With one act slot and one alert slot, the first hold's alert waits on
 * a webhook receiver that takes 8 s to answer, and a second listed deposit is held before that
 * answer. (When alerts shared the act queue, the second hold waited behind the alert job: for
 * a receiver that does not answer at all, the channel's timeouts and retries, minutes.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { normaliseForFamily } from '../../src/domain/address.js';
import { DEV_ACCOUNTS } from '../helpers/anvil.js';
import { eventually, LISTED_ETH, LISTED_ETH_2, sendEth, setUpE2e, type E2e } from './harness.js';

const DEPOSIT = DEV_ACCOUNTS[1];
const ETHER = 10n ** 18n;

describe('a hanging on-call channel', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await setUpE2e('postgres', 9, '', { pipeline: 'concurrency: { act: 1, alerts: 1 }' });
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: normaliseForFamily(DEPOSIT, 'evm'), accountId: 'acct-deposit', kind: 'deposit' });
    e2e.receivers.delayMs['/webhook'] = 8_000;
    await e2e.start();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('leaves the next hold unaffected while its alerts wait', { timeout: 60_000 }, async () => {
    const first = await sendEth(e2e.anvil, LISTED_ETH, DEPOSIT, ETHER);
    const heldTxids = async (): Promise<string[]> => (await e2e.store.holds.listHolds({ accountId: 'acct-deposit', limit: 10 })).map((h) => h.txid);
    await eventually('the first hold', async () => ((await heldTxids()).includes(first) ? true : undefined));
    // Its alert went out on the channels that answer, and waits on the webhook.
    await eventually('the first alert on PagerDuty', async () => (e2e.receivers.on('/pd').length === 1 ? true : undefined));

    const second = await sendEth(e2e.anvil, LISTED_ETH_2, DEPOSIT, ETHER);
    await eventually('the second hold', async () => ((await heldTxids()).includes(second) ? true : undefined));
    // Held while the first alert still waits for the webhook's answer.
    expect(e2e.receivers.on('/webhook')).toHaveLength(0);
    expect(await e2e.pipeline?.ctx.queues.alerts.getActiveCount()).toBe(1);
    // Both alerts reach every channel in the end.
    await eventually('both alerts on the webhook', async () => (e2e.receivers.on('/webhook').length === 2 ? true : undefined));
    expect(e2e.receivers.on('/pd')).toHaveLength(2);
  });
});
