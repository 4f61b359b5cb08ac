/**
 * `cordon lists` on OFAC's real Tornado Cash delisting (sdn_advanced.xml of 2025-03-04, then
 * 2025-03-21), as a user runs it against PostgreSQL: the refused version waits as pending with
 * its diff, approval needs a name and a reason and is audited, and the hold raised on a Tornado
 * Cash entry under 03-04 shows its withdrawn basis and stays open.
 */
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listId } from '../../src/domain/sanction-entry.js';
import { raiseHold } from '../../src/holds/index.js';
import { openStore } from '../../src/store/index.js';
import { runCli, writeConfig } from '../helpers/cli.js';
import { dropSchema, freshSchema, PG_URL } from '../helpers/pg-schema.js';
import { depositMatch, freshTx } from '../holds/helpers.js';
import { xmlStream, type Publication } from '../sanctions/sdn-advanced-fixtures.js';

const schema = freshSchema('cordon_cli_approve');
const config = writeConfig(`store:\n  driver: postgres\n  url: ${PG_URL}\n  schema: ${schema}\nlists: []\nlog:\n  level: warn\n`);
const cordon = (...args: string[]) => runCli(['--config', config, ...args]);
const dir = mkdtempSync(join(tmpdir(), 'cordon-sdn-xml-'));
/** The loaders read plain XML: the fixture is decompressed once. */
const xml = (date: Publication) => join(dir, `sdn_advanced-${date}.xml`);
const BY = 'A. Analyst';
const WHY = 'OFAC delisted Tornado Cash on 2025-03-21';
let holdId = 0;

beforeAll(async () => {
  await Promise.all((['2025-03-04', '2025-03-21'] as const).map((d) => pipeline(xmlStream(d), createWriteStream(xml(d)))));
}, 60_000);

afterAll(() => dropSchema(schema));

describe('cordon lists: the Tornado Cash delisting waits for a person', () => {
  it('imports 03-04, and a hold is raised on a Tornado Cash entry under it', async () => {
    const v1 = await cordon('lists', 'import', 'ofac-sdn', xml('2025-03-04'), '--format', 'ofac-advanced-xml');
    expect(v1.code).toBe(0);
    expect(v1.stdout).toContain('ofac-sdn: stored v1: 716 entries');
    const store = await openStore({ driver: 'postgres', url: PG_URL, schema });
    try {
      const entry = (await store.lists.snapshotEntries(listId('ofac-sdn'), 1)).find((e) => e.entryUid.startsWith('sdn:39796:ETH:'));
      if (entry === undefined) throw new Error('no Tornado Cash entry in 03-04');
      holdId = (await raiseHold(store.holds, depositMatch({ entry, txHash: freshTx() }), 3)).hold.id;
    } finally {
      await store.close();
    }
  }, 60_000);

  it('refuses 03-21 by the drop check and keeps it as pending, shown by `lists show` and `lists diff --pending`', async () => {
    const refused = await cordon('lists', 'import', 'ofac-sdn', xml('2025-03-21'), '--format', 'ofac-advanced-xml');
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain('ofac-sdn: REFUSED, v1 stays active: would remove 90 of 716 entries (12.6% > 10.0% allowed)');
    expect(refused.stdout).toMatch(/ofac-sdn: kept as pending #\d+: \+0 -90 ~8\nremoves: TORNADO CASH, SDN 39796: 90\n/);

    const shown = await cordon('lists', 'show');
    expect(shown.stdout).toMatch(/ofac-sdn .*v1, 716 entries/);
    expect(shown.stdout).toMatch(/PENDING APPROVAL #\d+ \S+ \(OFAC advanced sanctions XML, date of issue 2025-03-21\): 626 entries, removes 90 \(TORNADO CASH, SDN 39796: 90\), changes 8, adds 0/);

    const diff = await cordon('lists', 'diff', 'ofac-sdn', '--pending');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/^ofac-sdn: v1 → pending #\d+/);
    expect(diff.stdout).toContain('0 added, 90 removed, 8 changed');
    expect(diff.stdout).toContain('removes: TORNADO CASH, SDN 39796: 90');
    expect(diff.stdout).toMatch(/^ {2}~ ETH \S+ .*\[DPRK3\] {2}sdn:44718:[\s\S]*was: .* \[CYBER2, DPRK3\]/m);
    const json = JSON.parse((await cordon('lists', 'diff', 'ofac-sdn', '--pending', '--json')).stdout) as { removed: unknown[]; changed: unknown[] };
    expect([json.removed.length, json.changed.length]).toEqual([90, 8]);
  }, 60_000);

  it('refuses an approval or --allow-drop without a name and a reason (exit 2), changing nothing', async () => {
    for (const args of [
      ['lists', 'approve', 'ofac-sdn'],
      ['lists', 'approve', 'ofac-sdn', '--by', BY],
      ['lists', 'approve', 'ofac-sdn', '--reason', WHY],
      ['lists', 'approve', 'ofac-sdn', '--by', ' ', '--reason', WHY],
      ['lists', 'import', 'ofac-sdn', xml('2025-03-21'), '--format', 'ofac-advanced-xml', '--allow-drop'],
      ['lists', 'import', 'ofac-sdn', xml('2025-03-21'), '--format', 'ofac-advanced-xml', '--allow-drop', '--by', BY],
    ]) {
      const r = await cordon(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
    }
    expect((await cordon('lists', 'show')).stdout).toMatch(/ofac-sdn .*v1, 716 entries[\s\S]*PENDING APPROVAL/);
  }, 60_000);

  it('approves it with --by and --reason: v2 active, the approval audited, the hold open with its basis withdrawn', async () => {
    const approved = await cordon('lists', 'approve', 'ofac-sdn', '--by', BY, '--reason', WHY);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^ofac-sdn: pending #\d+ approved by A\. Analyst: v2 active \(626 entries, \+0 -90 ~8; was v1\)/);
    expect(approved.stdout).toContain(`hold #${holdId} (open, account acct-7731): basis withdrawn by v2; it stays open`);

    const shown = await cordon('lists', 'show', 'ofac-sdn');
    expect(shown.stdout).toMatch(/v2 .* 626 entries \(\+0 -90\)/);
    expect(shown.stdout).toMatch(new RegExp(`approvals:\\n {4}\\S+ {2}v2 \\(pending #\\d+\\) by ${BY}: ${WHY} {2}\\(626 entries, \\+0 -90 ~8, from v1\\)`));
    expect(shown.stdout).not.toContain('PENDING APPROVAL');
    // The refused download reads as refused, with the version that stayed active; not as "rejected v1".
    expect(shown.stdout).toMatch(/recent refreshes:[\s\S]*REFUSED \(v1 kept active\) {2}626 entries read, 0 lines rejected {2}would remove 90 of 716/);
    expect(shown.stdout).not.toMatch(/rejected v\d/);

    const hold = await cordon('holds', 'show', String(holdId));
    expect(hold.stdout).toMatch(/^hold #\d+ \(open\)/);
    expect(hold.stdout).toContain('basis:        WITHDRAWN by ofac-sdn v2; the hold stays open until a person decides');
    expect(hold.stdout).toMatch(/basis withdrawn \(open, unchanged\) {2}by ofac-sdn v2: basis withdrawn: list ofac-sdn v2 no longer lists entry sdn:39796:ETH:/);
    const json = JSON.parse((await cordon('holds', 'show', String(holdId), '--json')).stdout) as { hold: { basis: string; basisVersion: number; state: string } };
    expect(json.hold).toMatchObject({ basis: 'withdrawn', basisVersion: 2, state: 'open' });
    expect((await cordon('holds', 'list')).stdout).toContain('BASIS WITHDRAWN by ofac-sdn v2');

    const again = await cordon('lists', 'approve', 'ofac-sdn', '--by', BY, '--reason', WHY);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('ofac-sdn has no version awaiting approval');
  }, 60_000);
});
