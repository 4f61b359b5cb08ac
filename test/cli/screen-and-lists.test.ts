import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../helpers/cli.js';
import { dropSchema, PG_URL } from '../helpers/pg-schema.js';
import { listedAddresses, OFAC_LISTS_2024, SDN_CSV_2021, SDN_CSV_MIXED } from '../helpers/fixtures.js';

// The CLI as a user runs it, against PostgreSQL (one fresh schema for this file).
const schema = `cordon_cli_${process.pid}_${Date.now() % 100000}`;
const config = writeConfig(
  `store:\n  driver: postgres\n  url: ${PG_URL}\n  schema: ${schema}\nlists: []\nlog:\n  level: warn\n`,
);
const cordon = (...args: string[]) => runCli(['--config', config, ...args]);

afterAll(() => dropSchema(schema));

describe('cordon screen against OFAC lists-2024-09', () => {
  beforeAll(async () => {
    const imported = await cordon('lists', 'import', 'ofac-2024', OFAC_LISTS_2024, '--format', 'plain');
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('ofac-2024: stored v1: 640 entries');
  });

  it('flags every ETH, USDT and XBT address, and exits 1', async () => {
    const all = [...listedAddresses('ETH'), ...listedAddresses('USDT'), ...listedAddresses('XBT')];
    const file = join(mkdtempSync(join(tmpdir(), 'cordon-')), 'addresses.txt');
    writeFileSync(file, all.join('\n'));
    const r = await cordon('screen', '--file', file, '--json');
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout) as { input: string; status: string; matches: { listId: string }[] }[];
    expect(results).toHaveLength(613);
    const notListed = results.filter((x) => x.status !== 'listed').map((x) => x.input);
    expect(notListed).toEqual([]);
  });

  it('flags EVM addresses in any letter case, on the chain given', async () => {
    const eth = listedAddresses('ETH');
    const forms = eth.slice(0, 20).flatMap((a) => [a.toLowerCase(), `0x${a.slice(2).toUpperCase()}`, a]);
    const r = await cordon('screen', '--chain', 'ETH', ...forms);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${forms.length} screened: ${forms.length} listed, 0 clean, 0 invalid`);
  });

  it('says "clean" for an unlisted address and exits 0', async () => {
    const r = await cordon('screen', '0x000000000000000000000000000000000000dEaD');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^clean\s+0x000000000000000000000000000000000000dEaD/);
  });

  it('rejects an address that is not valid on the chain given, exit 2', async () => {
    const r = await cordon('screen', '--chain', 'XBT', '0x8589427373D6D84E98730D7795D8f6f8731FDA16');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/invalid\s+0x8589\S+: reads as evm, not as bitcoin/);
  });

  it('refuses a token as a chain', async () => {
    const r = await cordon('screen', '--chain', 'USDT', 'TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USDT is a token on several chains');
  });
});

describe('cordon lists with the two OFAC SDN CSV versions', () => {
  it('names entity and programs, diffs two versions, and refuses a bad refresh keeping the last good one', async () => {
    const v1 = await cordon('lists', 'import', 'sdn', SDN_CSV_2021, '--format', 'ofac-sdn-csv');
    expect(v1.code).toBe(0);
    // OFAC published one ETH address with 39 hex digits: kept as the exact string, with a note.
    expect(v1.stdout).toContain('sdn: stored v1: 97 entries (+97 -0 ~0)\n');
    expect(v1.stdout).toMatch(/note: .*sdn\.csv:8308: ETH address "0xa7e5d5a720f06526557c513402f2e6b5fa20b00" fails verification/);

    const screened = await cordon('screen', '1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE');
    expect(screened.code).toBe(1);
    expect(screened.stdout).toContain('entity:    LI, Jiadong');
    expect(screened.stdout).toContain('programs:  CYBER2, DPRK3');
    expect(screened.stdout).toContain('list sdn v1');

    // The 2019/2023 set drops most 2021 entries: refused unless an operator overrides.
    const refused = await cordon('lists', 'import', 'sdn', SDN_CSV_MIXED, '--format', 'ofac-sdn-csv');
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/sdn: REFUSED, v1 stays active: would remove \d+ of 97 entries/);
    const shown = await cordon('lists', 'show');
    expect(shown.stdout).toMatch(/sdn .*v1, 97 entries[\s\S]*LAST REFRESH REFUSED/);

    const v2 = await cordon('lists', 'import', 'sdn', SDN_CSV_MIXED, '--format', 'ofac-sdn-csv', '--allow-drop', '--by', 'A. Analyst', '--reason', 'a real new version');
    expect(v2.code).toBe(0);
    expect(v2.stdout).toContain('sdn: stored v2: 205 entries');

    const diff = await cordon('lists', 'diff', 'sdn');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('sdn: v1 → v2');
    expect(diff.stdout).toMatch(/^ {2}- XBT 1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE {2}LI, Jiadong {2}\[CYBER2, DPRK3\]/m);
    expect(diff.stdout).toMatch(/^ {2}\+ ETH 0x/m);
    const json = JSON.parse((await cordon('lists', 'diff', 'sdn', '--from', '1', '--to', '2', '--json')).stdout) as {
      added: unknown[];
      removed: unknown[];
    };
    expect(diff.stdout).toContain(`${json.added.length} added, ${json.removed.length} removed`);

    // A truncated file is refused; v2 stays active and screening still finds its addresses.
    const dir = mkdtempSync(join(tmpdir(), 'cordon-trunc-'));
    const text = readFileSync(join(SDN_CSV_MIXED, 'sdn.csv'), 'utf8');
    writeFileSync(join(dir, 'sdn.csv'), text.slice(0, Math.floor(text.length / 3)));
    copyFileSync(join(SDN_CSV_MIXED, 'sdn_comments.csv'), join(dir, 'sdn_comments.csv'));
    const truncated = await cordon('lists', 'import', 'sdn', dir, '--format', 'ofac-sdn-csv');
    expect(truncated.code).toBe(3);
    expect(truncated.stdout).toMatch(/REFUSED, v2 stays active: .*(truncated|never closed)/);
    const firstAdded = json.added[0] as { address: string };
    const after = await cordon('screen', '--json', firstAdded.address);
    const [result] = JSON.parse(after.stdout) as { matches: { listId: string; listVersion: number }[] }[];
    expect(result?.matches).toContainEqual(expect.objectContaining({ listId: 'sdn', listVersion: 2 }));
  });
});

describe('cordon usage and configuration errors', () => {
  it('shows help for every command and exits 0', async () => {
    for (const cmd of [[], ['run'], ['replay'], ['screen'], ['lists'], ['lists', 'diff'], ['holds'], ['accounts']]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: cordon/);
    }
  });

  it('exits 2 for an unknown command, and for a replay of a chain that is not configured', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const replay = await runCli(['replay', '--chain', 'ethereum', '--from', '1', '--to', '2']);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('--chain ethereum: not a configured chain');
  });

  it('exits 2 naming the file and key of a bad config', async () => {
    const bad = writeConfig('store:\n  driver: pglite\n  dataDir: ./d\n  poolsize: 3\n');
    const r = await runCli(['--config', bad, 'lists', 'show']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: store: unknown key(s) "poolsize"`);
  });
});
