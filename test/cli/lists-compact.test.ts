import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PROJECT_ROOT, SHARED_FIXTURES } from '../helpers/fixtures.js';

const XML_GZ = `${SHARED_FIXTURES}ofac/sdn-advanced-2025-11-19/sdn_advanced.xml.gz`;

describe('cordon lists compact', () => {
  it('regenerates the shipped default list from OFAC\'s sdn_advanced.xml of 2025-11-19, byte for byte', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cordon-compact-')), 'ofac.json');
    const r = await runCli(['lists', 'compact', XML_GZ, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}: 760 entries (XBT 518, USDT 93, ETH 77, TRX 29, LTC 11, XMR 8, BCH 7, DASH 3, ZEC 3, USDC 2, ARB 1, BNB 1,`);
    expect(r.stdout).toContain(
      'from sdn_advanced.xml, date of issue 2025-11-19, SHA-256 36c517bd264d8d97eff353eadd8d84427d5eb293505a8ce07271a5bc258c3117, 120977559 bytes',
    );
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(PROJECT_ROOT, 'lists/ofac-sdn-digital-currency.json'), 'utf8'));
  }, 60_000);

  it('says which file it cannot read, exit 2', async () => {
    const r = await runCli(['lists', 'compact', '/nonexistent/sdn_advanced.xml', '--out', '/tmp/x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cordon: /nonexistent/sdn_advanced.xml: cannot read: ENOENT');
  });
});
