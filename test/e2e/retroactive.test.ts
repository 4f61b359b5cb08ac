/**
 * Retroactive screening end to end: a deposit screened clean is held when a later version of a
 * list adds its sender, once, however often that version is applied again; a deposit older
 * than the list's lookback, and one that moves no value, raise no hold.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRequestFor } from '../../src/cli/list-requests.js';
import { normaliseForFamily } from '../../src/domain/address.js';
import { freePort } from '../../src/demo/anvil-node.js';
import { listId } from '../../src/domain/sanction-entry.js';
import type { Alert } from '../../src/domain/alert.js';
import { addAlertJob } from '../../src/pipeline/alert-jobs.js';
import { EFFECTS_SETTLE_MS, ListVersionEffects } from '../../src/pipeline/list-version-effects.js';
import { rescreenAddedEntries, rescreenAfterRefresh, retroDepsOf } from '../../src/pipeline/retro-screen.js';
import { refreshList } from '../../src/sanctions/refresh-list.js';
import { DEV_ACCOUNTS } from '../helpers/anvil.js';
import { RedisServer } from '../helpers/redis-server.js';
import { eventually, sendEth, setUpE2e, type E2e } from './harness.js';

const DEPOSIT = normaliseForFamily(DEV_ACCOUNTS[1], 'evm');
const UNRELATED = normaliseForFamily(DEV_ACCOUNTS[9], 'evm');
/** Deposits 30 days ago: outside the list's 7-day lookback. */
const OLD_SENDER = '0x00000000000000000000000000000000000a11ce';
const LATER_SENDER = '0x0000000000000000000000000000000000000b0b';
const ZERO_SENDER = '0x000000000000000000000000000000000000ca11';
/** Added by a version whose activating process "crashed" before re-screening. */
const CRASH_SENDER = '0x0000000000000000000000000000000000c0ffee';
const ETHER = 10n ** 18n;
const LIST = 'retro-test';
const log = pino({ level: 'silent' });

function writeList(file: string, addresses: readonly string[]): void {
  const entries = addresses.map((address) => ({ id: `R-${address.slice(-6)}`, address, ticker: 'ETH', name: `PARTY ${address.slice(-6)}`, programs: ['TEST-RETRO'] }));
  writeFileSync(file, JSON.stringify({ entries }));
}

describe('retroactive screening on anvil, Redis and PGlite', () => {
  let e2e: E2e;
  let redis: RedisServer;
  const listFile = join(mkdtempSync(join(tmpdir(), 'cordon-retro-list-')), `${LIST}.json`);

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    writeList(listFile, [UNRELATED]);
    e2e = await setUpE2e('pglite', 0, '', {
      redisUrl: redis.url(0),
      extraLists: `
  - id: ${LIST}
    format: custom-json
    source: ${listFile}
    policy: hold
    authority: Exchange compliance (retro test list)
    retroLookback: 7d`,
    });
    await e2e.store.accounts.upsertWatchedAddress({ chain: 'anvil', address: DEPOSIT, accountId: 'acct-retro', kind: 'deposit' });
    const now = Math.floor(Date.now() / 1000);
    await e2e.anvil.rpc('anvil_setTime', [now - 30 * 86_400]);
    await sendEth(e2e.anvil, OLD_SENDER, DEPOSIT, ETHER);
    await e2e.anvil.rpc('anvil_setTime', [now]);
    await sendEth(e2e.anvil, LATER_SENDER, DEPOSIT, 2n * ETHER);
    await sendEth(e2e.anvil, ZERO_SENDER, DEPOSIT, 0n);
    await sendEth(e2e.anvil, CRASH_SENDER, DEPOSIT, 3n * ETHER);
    await e2e.start();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
    await redis?.close();
  });

  it('deposits from addresses on no list are screened, recorded, and held by nothing', async () => {
    const head = BigInt(await e2e.anvil.rpc<string>('eth_blockNumber'));
    await eventually('the follower at the head and its blocks recorded', async () => {
      const cursor = await e2e.store.cursors.getCursor('anvil');
      if (!cursor || cursor.number < head) return undefined;
      const rows = await e2e.store.transfers.attributedWith({ counterparties: [OLD_SENDER, LATER_SENDER, CRASH_SENDER], chains: ['anvil'], since: new Date(0) });
      return rows.length >= 3 ? rows : undefined;
    });
    expect(await e2e.store.holds.listHolds({ limit: 10 })).toEqual([]);
  });

  it('a version that adds the sender raises exactly one retroactive hold citing it, and pages on-call', async () => {
    writeList(listFile, [UNRELATED, OLD_SENDER, LATER_SENDER, ZERO_SENDER]);
    const list = e2e.config.lists.find((l) => l.id === LIST);
    if (!list || !e2e.pipeline) throw new Error('set-up incomplete');
    const result = await refreshList(e2e.store.lists, log, refreshRequestFor(list));
    expect(result).toMatchObject({ outcome: 'accepted', version: 2 });
    // What `cordon run` does with an accepted refresh.
    const retro = await rescreenAfterRefresh(retroDepsOf(e2e.pipeline.ctx), result);
    expect(retro).toMatchObject({ addedEntries: 3, holdsCreated: 1, holdsExisting: 0 });

    const holds = await e2e.store.holds.listHolds({ limit: 10 });
    expect(holds).toHaveLength(1);
    expect(holds[0]).toMatchObject({
      accountId: 'acct-retro',
      direction: 'deposit',
      counterparty: LATER_SENDER,
      listId: LIST,
      listVersion: 2,
      amount: 2n * ETHER,
      retroactive: true,
      state: 'open',
    });
    const events = await e2e.store.holds.holdEvents(holds[0]?.id ?? 0);
    expect(events[0]?.reason).toContain('retroactively');

    const page = await eventually('the retroactive hold paged', async () =>
      e2e.receivers.on('/pd').find((r) => (JSON.parse(r.body) as { dedup_key: string }).dedup_key === holds[0]?.holdKey),
    );
    const summary = (JSON.parse(page.body) as { payload: { summary: string } }).payload.summary;
    expect(summary).toContain('RETROACTIVE');
    expect(summary).toContain('v2');
    expect(summary).toContain('TEST-RETRO');
  });

  it('applying the same version again (a refresh, an import, the approval path) raises nothing more', async () => {
    if (!e2e.pipeline) throw new Error('set-up incomplete');
    await eventually('every channel told', async () => (['/pd', '/slack', '/webhook'].every((p) => e2e.receivers.on(p).length >= 1) ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_000));
    const pagesBefore = e2e.receivers.received.filter((r) => r.path !== '/hook').length;

    const list = e2e.config.lists.find((l) => l.id === LIST);
    if (!list) throw new Error('set-up incomplete');
    const again = await refreshList(e2e.store.lists, log, refreshRequestFor(list));
    expect(again).toMatchObject({ outcome: 'unchanged', version: 2 });
    expect(await rescreenAfterRefresh(retroDepsOf(e2e.pipeline.ctx), again)).toBeNull();
    // The approval path calls the re-screen itself, with the version's added entries.
    const v1 = await e2e.store.lists.snapshotEntries(listId(LIST), 1);
    const added = (await e2e.store.lists.snapshotEntries(listId(LIST), 2)).filter((e) => !v1.some((o) => o.entryUid === e.entryUid));
    const replayed = await rescreenAddedEntries(retroDepsOf(e2e.pipeline.ctx), listId(LIST), 2, added);
    expect(replayed).toMatchObject({ holdsCreated: 0, holdsExisting: 1 });

    await new Promise((r) => setTimeout(r, 1_500));
    expect(await e2e.store.holds.listHolds({ limit: 10 })).toHaveLength(1);
    expect(e2e.receivers.received.filter((r) => r.path !== '/hook').length).toBe(pagesBefore);
  });

  it('a deposit older than the lookback, and one that moves no value, raise no hold', async () => {
    const holds = await e2e.store.holds.listHolds({ limit: 10 });
    expect(holds.map((h) => h.counterparty)).toEqual([LATER_SENDER]);
    expect(e2e.receivers.received.some((r) => r.body.includes(OLD_SENDER))).toBe(false);
  });

  it('a version whose re-screen a crash cut short is re-screened by the service once it settles, and recorded', async () => {
    if (!e2e.pipeline) throw new Error('set-up incomplete');
    // v3 adds CRASH_SENDER and drops LATER_SENDER; nobody re-screens or tells the holds (the process died).
    writeList(listFile, [UNRELATED, OLD_SENDER, ZERO_SENDER, CRASH_SENDER]);
    const list = e2e.config.lists.find((l) => l.id === LIST);
    if (!list) throw new Error('set-up incomplete');
    const result = await refreshList(e2e.store.lists, log, { ...refreshRequestFor(list), maxDropShare: 1 });
    expect(result).toMatchObject({ outcome: 'accepted', version: 3 });
    expect((await e2e.store.holds.listHolds({ limit: 10 })).map((h) => h.counterparty)).toEqual([LATER_SENDER]);

    const queueAlert = (alert: Alert) => (e2e.pipeline ? addAlertJob(e2e.pipeline.ctx.queues.alerts, alert) : Promise.resolve());
    const effects = new ListVersionEffects({
      store: e2e.store,
      retro: retroDepsOf(e2e.pipeline.ctx),
      tellHolds: queueAlert,
      log,
      now: () => new Date(Date.now() + EFFECTS_SETTLE_MS),
    });
    const pass = await effects.catchUp();
    expect(pass.failed).toBe(0);
    expect(pass.finished).toContainEqual({ listId: LIST, version: 3 });

    const holds = await e2e.store.holds.listHolds({ limit: 10 });
    const crash = holds.find((h) => h.counterparty === CRASH_SENDER);
    expect(crash).toMatchObject({ accountId: 'acct-retro', listVersion: 3, retroactive: true, amount: 3n * ETHER, state: 'open' });
    expect(holds.find((h) => h.counterparty === LATER_SENDER)).toMatchObject({ basis: 'withdrawn', basisVersion: 3, state: 'open' });
    const hook = await eventually('the retroactive hold delivered to the exchange', async () =>
      e2e.receivers.on('/hook').find((r) => (JSON.parse(r.body) as { key: string }).key === crash?.holdKey),
    );
    expect(JSON.parse(hook.body)).toMatchObject({ retroactive: true, list: { version: 3 } });
    await eventually('the basis page and the retroactive page', async () => {
      const keys = e2e.receivers.on('/pd').map((r) => (JSON.parse(r.body) as { dedup_key: string }).dedup_key);
      return keys.includes(crash?.holdKey ?? '') && keys.some((k) => k.startsWith('hold_basis_changed:')) ? true : undefined;
    });
    expect(await e2e.store.lists.versionsAwaitingEffects()).toEqual([]);
    expect((await effects.catchUp()).finished).toEqual([]);
  });
});
