import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

// A newcomer's first run: embedded defaults, PGlite on disk, the OFAC list copy kept in the repo.
const dataDir = mkdtempSync(join(tmpdir(), 'cordon-pglite-'));
const env = { CORDON_STORE__DATA_DIR: dataDir, CORDON_HTTP__PORT: '0' };

describe('cordon on the embedded defaults (PGlite)', () => {
  it('screens an address with entity, programs, SDN id and authority printed, loading the default list on first use', async () => {
    // Lazarus Group's, in OFAC's sdn_advanced.xml of 2025-11-19 (lists/ofac-sdn-digital-currency.json).
    const r = await runCli(['screen', '0x098B716B8Aaf21512996dC57EB0615e2383E2f96'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('LISTED   0x098B716B8Aaf21512996dC57EB0615e2383E2f96');
    expect(r.stdout).toContain('list ofac-sdn v1 (policy hold)');
    expect(r.stdout).toContain('entity:    Lazarus Group\n');
    expect(r.stdout).toContain('programs:  DPRK3\n');
    expect(r.stdout).toContain('listed by: US Treasury OFAC, Specially Designated Nationals and Blocked Persons List');
    expect(r.stdout).toMatch(
      /entry: {5}sdn:27307:ETH:0x098b716b8aaf21512996dc57eb0615e2383e2f96 {2}\(.*lists\/ofac-sdn-digital-currency\.json entries\[\d+\] \(sdn_advanced\.xml of 2025-11-19: DistinctParty\[FixedRef=27307\]\/Feature\[ID=50215\]\)\)/,
    );
    expect(r.stderr).toContain('list has no snapshot yet; loading it');
    const again = await runCli(['screen', 'bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6'], { env });
    expect(again.stderr).not.toContain('loading it');
  });

  it('runs as a service until SIGTERM, then shuts down cleanly with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'run'], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`service did not start:\n${stderr}`)), 60_000);
      child.stderr.on('data', () => {
        if (stderr.includes('cordon running')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toContain('shutting down');
    expect(stderr).toContain('"msg":"stopped"');
  });
});
