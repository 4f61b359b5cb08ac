import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// `cordon screen` on an embedded store answers from the store's copy of its active lists
// (cordon-active-lists/ in the data directory) without starting PGlite. These tests show that
// it sees every list change at once and answers exactly as the store itself does.
const dir = mkdtempSync(join(tmpdir(), 'cordon-screen-copy-'));
const dataDir = join(dir, 'store');
const copyDir = join(dataDir, 'cordon-active-lists');
const manifest = join(copyDir, 'manifest.json');
const config = join(dir, 'cordon.yaml');
writeFileSync(config, `store:\n  driver: pglite\n  dataDir: ${JSON.stringify(dataDir)}\nlists: []\nlog:\n  level: warn\n`);
const cordon = (...args: string[]) => runCli(['--config', config, ...args]);

const A = '0x1111111111111111111111111111111111111111';
const B = '0x2222222222222222222222222222222222222222';
const others = Array.from({ length: 8 }, (_, i) => `0x${String(i + 3).repeat(40).slice(0, 40)}`);

function listFile(name: string, addresses: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${addresses.join('\n')}\n`);
  return file;
}

async function importVersion(name: string, addresses: readonly string[], ...extra: string[]): Promise<void> {
  const r = await cordon('lists', 'import', 'watch', listFile(name, addresses), '--format', 'plain', '--ticker', 'ETH', ...extra);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cordon screen from the copy of the active lists', () => {
  it('sees each new version of a list at the next screen', async () => {
    await importVersion('v1.txt', [A, ...others]);
    expect(existsSync(manifest)).toBe(true);
    expect((await cordon('screen', A)).stdout).toContain('list watch v1');
    expect((await cordon('screen', B)).code).toBe(0);

    await importVersion('v2.txt', [A, B, ...others]);
    const b = await cordon('screen', B);
    expect(b.code).toBe(1);
    expect(b.stdout).toContain('list watch v2');

    // v3 drops A (half the list would be refused without an approval).
    await importVersion('v3.txt', [B, ...others], '--allow-drop', '--by', 'test', '--reason', 'delisted');
    const a = await cordon('screen', A);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^clean\s+0x1111/);
    expect(readdirSync(copyDir).sort()).toEqual(['manifest.json', 'watch@3.image']);
  });

  it('answers exactly as the store does, and a missing manifest (a crash after a commit) is written again', async () => {
    const args = ['screen', '--json', A, B, others[0] as string, '0x000000000000000000000000000000000000dEaD', 'not-an-address'];
    const fromCopy = await cordon(...args);
    rmSync(manifest);
    const fromStore = await cordon(...args);
    expect(fromStore.code).toBe(fromCopy.code);
    expect(fromStore.stdout).toBe(fromCopy.stdout);
    expect(JSON.parse(fromCopy.stdout)).toHaveLength(5);
    // The screen that opened the store wrote the copy again.
    expect(existsSync(manifest)).toBe(true);
  });

  it('a manifest that names an older version is replaced when a command opens the store', async () => {
    const current = readFileSync(manifest, 'utf8');
    const old = current.replace(/"version": 3/, '"version": 2').replace('watch@3.image', 'watch@2.image');
    copyFileSync(join(copyDir, 'watch@3.image'), join(copyDir, 'watch@2.image'));
    writeFileSync(manifest, old);
    expect((await cordon('accounts', 'list')).code).toBe(0);
    expect(readFileSync(manifest, 'utf8')).toBe(current);
    expect(existsSync(join(copyDir, 'watch@2.image'))).toBe(false);
  });

  it('a damaged image is not used: screen reads the store and the copy is repaired', async () => {
    const image = join(copyDir, 'watch@3.image');
    writeFileSync(image, readFileSync(image, 'utf8').replace(B.slice(2), A.slice(2)));
    const a = await cordon('screen', A);
    expect(a.code).toBe(0);
    const b = await cordon('screen', B);
    expect(b.code).toBe(1);
    expect(b.stdout).toContain('list watch v3');
    expect(existsSync(manifest)).toBe(true);
    expect(readFileSync(image, 'utf8')).toContain(B.slice(2));
  });
});
