import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../helpers/cli.js';
import { SDN_CSV_2021 } from '../helpers/fixtures.js';

// `cordon screen` never says "clean" for input it could not read as an address. A PGlite store
// of this file's own, holding OFAC's 2021 SDN CSV (entities, programs, and one Monero entry).
const dir = mkdtempSync(join(tmpdir(), 'cordon-screen-unreadable-'));
const config = writeConfig(`store:\n  driver: pglite\n  dataDir: ${join(dir, 'data')}\nlists: []\nlog:\n  level: warn\n`);
const cordon = (args: readonly string[], input?: string) => runCli(['--config', config, ...args], input === undefined ? {} : { input });

/** ANDREYEV, Anton Nikolaeyvich (sdn.csv, entry 29703): CYBER2, ELECTION-EO13848. Its EIP-55 form. */
const LISTED_ETH = '0x8576aCC5C05D6Ce88f4e49bf65BdF0C62F91353C';
/** The same with one letter's case changed ("aCC5" → "acC5"): the EIP-55 checksum fails. */
const LISTED_ETH_BAD_CASE = '0x8576acC5C05D6Ce88f4e49bf65BdF0C62F91353C';
/** LI, Jiadong (CYBER2, DPRK3), and the same with its last character changed. */
const LISTED_XBT = '1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE';
const LISTED_XBT_BAD_CHECKSUM = '1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyF';
/** The list's Monero ("XMR") entry: a format Cordon cannot verify, matched as written. */
const LISTED_XMR = '5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320';
const UNLISTED_XMR = '5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c321';

interface JsonResult {
  input: string;
  status: string;
  from: string;
  line?: number;
  error?: string;
  matches: { entityName: string | null }[];
  lowerCase?: { listed: boolean };
}

describe('cordon screen with input it cannot read as an address', () => {
  beforeAll(async () => {
    const imported = await cordon(['lists', 'import', 'sdn', SDN_CSV_2021, '--format', 'ofac-sdn-csv']);
    expect(imported.code, imported.stderr).toBe(0);
  });

  it('reports a string that is no address as invalid, exit 2, never clean', async () => {
    const r = await cordon(['screen', 'hello']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('invalid  hello: not an address of any known format, and on no list as written\n');
  });

  it('reports a Bitcoin address with a bad checksum as invalid, exit 2', async () => {
    const r = await cordon(['screen', LISTED_XBT_BAD_CHECKSUM]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`invalid  ${LISTED_XBT_BAD_CHECKSUM}: bad base58check checksum`);
    expect(r.stdout).not.toMatch(/clean/);
  });

  it('reports a bad EIP-55 checksum as invalid and says whether the lower-case reading is listed', async () => {
    const listed = await cordon(['screen', LISTED_ETH_BAD_CASE]);
    expect(listed.code).toBe(2);
    expect(listed.stdout).toContain(
      `invalid  ${LISTED_ETH_BAD_CASE}: bad EIP-55 checksum; read in lower case it IS listed: ANDREYEV, Anton Nikolaeyvich [CYBER2, ELECTION-EO13848]`,
    );
    const unlisted = await cordon(['screen', '0x000000000000000000000000000000000000DEaD', '--json']);
    expect(unlisted.code).toBe(2);
    const [result] = JSON.parse(unlisted.stdout) as JsonResult[];
    expect(result).toMatchObject({ status: 'invalid', error: 'bad EIP-55 checksum; read in lower case it is not listed', lowerCase: { listed: false } });
  });

  it('still finds an entry of an unverifiable format written exactly, and refuses an unlisted one', async () => {
    const listed = await cordon(['screen', LISTED_XMR]);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain(`LISTED   ${LISTED_XMR}`);
    const unlisted = await cordon(['screen', UNLISTED_XMR]);
    expect(unlisted.code).toBe(2);
    expect(unlisted.stdout).toContain(`invalid  ${UNLISTED_XMR}: not an address of any known format, and on no list as written`);
  });

  it('in a file, reports invalid lines by number, screens the rest, and exits 1 when one is listed', async () => {
    const file = join(dir, 'batch.txt');
    writeFileSync(file, `# withdrawals to check\n${LISTED_ETH}\nhello\n0x000000000000000000000000000000000000dEaD\n\n${LISTED_XBT_BAD_CHECKSUM}\n`);
    const r = await cordon(['screen', '--file', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`LISTED   ${LISTED_ETH} (line 2 of ${file})`);
    expect(r.stdout).toContain(`invalid  hello (line 3 of ${file}): not an address of any known format`);
    expect(r.stdout).toMatch(/clean {4}0x000000000000000000000000000000000000dEaD \(line 4 of .*\) \(checked as evm, tron, as written\)/);
    expect(r.stdout).toContain(`invalid  ${LISTED_XBT_BAD_CHECKSUM} (line 6 of ${file}): bad base58check checksum`);
    expect(r.stdout).toContain('4 screened: 1 listed, 1 clean, 2 invalid');

    const json = await cordon(['screen', '--file', file, '--json']);
    expect(json.code).toBe(1);
    const results = JSON.parse(json.stdout) as JsonResult[];
    expect(results.map((x) => [x.line, x.status])).toEqual([
      [2, 'listed'],
      [3, 'invalid'],
      [4, 'clean'],
      [6, 'invalid'],
    ]);
    expect(results[1]?.error).toBe('not an address of any known format, and on no list as written');
  });

  it('exits 2 for a batch with an invalid input and nothing listed, naming the argument', async () => {
    const r = await cordon(['screen', '0x000000000000000000000000000000000000dEaD', 'hello']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('invalid  hello (argument 2): not an address of any known format');
    expect(r.stdout).toContain('2 screened: 0 listed, 1 clean, 1 invalid');
  });

  it('reads addresses from standard input for a lone "-", as for --file -', async () => {
    const input = `${LISTED_XBT}\nhello\n`;
    const dash = await cordon(['screen', '-'], input);
    expect(dash.code).toBe(1);
    expect(dash.stdout).toContain(`LISTED   ${LISTED_XBT} (line 1 of standard input)`);
    expect(dash.stdout).toContain('entity:    LI, Jiadong');
    expect(dash.stdout).toContain('invalid  hello (line 2 of standard input): not an address of any known format');
    const file = await cordon(['screen', '--file', '-'], input);
    expect(file.code).toBe(1);
    expect(file.stdout).toBe(dash.stdout);
  });
});
