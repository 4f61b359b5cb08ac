import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appliedMigrations, MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

// `npm run build` makes dist/pglite-template/; the built CLI starts new embedded stores from it.
const TEMPLATE = join(PROJECT_ROOT, 'dist/pglite-template');
const root = mkdtempSync(join(tmpdir(), 'cordon-template-'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function holdsListIn(dataDir: string) {
  const config = join(root, `${readdirSync(root).length}.yaml`);
  writeFileSync(config, `store:\n  driver: pglite\n  dataDir: ${JSON.stringify(dataDir)}\nlists: []\nlog:\n  level: warn\n`);
  return runCli(['--config', config, 'holds', 'list']);
}

async function migrationsIn(dataDir: string): Promise<number[]> {
  const store = await openStore({ driver: 'pglite', dataDir });
  try {
    return (await appliedMigrations(store.db)).map((m) => m.version);
  } finally {
    await store.close();
  }
}

describe('the PGlite template made by the build', () => {
  it('exists after npm run build and holds every migration', async () => {
    expect(existsSync(join(TEMPLATE, 'PG_VERSION'))).toBe(true);
    const dataDir = join(root, 'new');
    const r = await holdsListIn(dataDir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('no holds\n');
    expect(await migrationsIn(dataDir)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('a copy cut short (no PG_VERSION yet) is made again at the next open', async () => {
    const dataDir = join(root, 'cut-short');
    cpSync(join(TEMPLATE, 'base'), join(dataDir, 'base'), { recursive: true });
    writeFileSync(join(dataDir, 'postgresql.conf'), 'garbage = = =\n');
    const r = await holdsListIn(dataDir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await migrationsIn(dataDir)).toEqual(MIGRATIONS.map((m) => m.version));
  });
});
