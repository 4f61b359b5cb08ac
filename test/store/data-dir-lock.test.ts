/**
 * One PGlite directory, one process (the issue: `cordon accounts withdrawal` from a second
 * process wrote into the directory `cordon run` had open, and the running pipeline never saw
 * the row). The directory's `cordon.lock` names the holder; a dead holder's lock is taken over.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
import { announceApi, openStore, readDataDirLock, StoreLocked } from '../../src/store/index.js';

const root = mkdtempSync(join(tmpdir(), 'cordon-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CHILD = join(PROJECT_ROOT, 'test/store/open-store-child.ts');

/** Opens `dataDir` in another process (see open-store-child.ts); its one line of JSON. */
function openInChild(dataDir: string, then: 'close' | 'exit' = 'close'): Promise<{ ok?: boolean; error?: string; message?: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', CHILD, dataDir, then], { cwd: PROJECT_ROOT, timeout: 90_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as { ok?: boolean; error?: string; message?: string });
      } catch {
        reject(new Error(`child printed no result (${err?.message ?? 'exit 0'}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  if (child.pid === undefined) throw new Error('could not start a process to get a dead pid');
  return child.pid;
}

function lockFile(dataDir: string): string {
  return join(dataDir, 'cordon.lock');
}

describe('one process at a time on a PGlite data directory', () => {
  it('refuses a second process while the first holds it, naming the holder; opens once it is closed', async () => {
    const dataDir = join(root, 'two-processes');
    const first = await openStore({ driver: 'pglite', dataDir }, { command: 'cordon run' });
    try {
      const second = await openInChild(dataDir);
      expect(second.error).toBe('StoreLocked');
      expect(second.message).toContain(`the embedded store ${dataDir} is in use by \`cordon run\` (pid ${process.pid}, since `);
      expect(second.message).toContain('stop that one first');
      expect(second.message).toContain('PostgreSQL');
      // Nothing of the refused process is left in the lock.
      expect(await readDataDirLock(dataDir)).toMatchObject({ pid: process.pid, command: 'cordon run', hostname: hostname() });
    } finally {
      await first.close();
    }
    expect(existsSync(lockFile(dataDir))).toBe(false);
    expect(await openInChild(dataDir)).toEqual({ ok: true });
  }, 120_000);

  it('refuses a second open in the same process', async () => {
    const dataDir = join(root, 'same-process');
    const first = await openStore({ driver: 'pglite', dataDir }, { command: 'cordon holds list' });
    try {
      const err = await openStore({ driver: 'pglite', dataDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreLocked);
      expect((err as StoreLocked).holder).toMatchObject({ pid: process.pid, command: 'cordon holds list' });
    } finally {
      await first.close();
    }
  }, 60_000);

  it('takes over a lock left by a process that is gone, with a warning naming it', async () => {
    const dataDir = join(root, 'stale');
    const first = await openStore({ driver: 'pglite', dataDir });
    await first.close();
    const pid = deadPid();
    const stale = { pid, hostname: hostname(), command: 'cordon run', startedAt: '2025-11-20T10:00:00.000Z', api: 'http://127.0.0.1:1', id: 'old' };
    writeFileSync(lockFile(dataDir), JSON.stringify(stale));

    const warnings: { obj: object; msg: string }[] = [];
    const store = await openStore({ driver: 'pglite', dataDir }, { command: 'cordon run', log: { warn: (obj, msg) => warnings.push({ obj, msg }) } });
    try {
      expect(warnings).toEqual([
        {
          msg: 'embedded store lock left by a process that is gone; taking it over',
          obj: expect.objectContaining({ stale: expect.objectContaining({ pid, command: 'cordon run' }) }) as object,
        },
      ]);
      const now = await readDataDirLock(dataDir);
      expect(now).toMatchObject({ pid: process.pid, command: 'cordon run' });
      expect(now?.api).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 60_000);

  it('takes over a lock with its own pid left by an earlier process (a restarted container)', async () => {
    const dataDir = join(root, 'own-pid');
    const first = await openStore({ driver: 'pglite', dataDir });
    await first.close();
    writeFileSync(lockFile(dataDir), JSON.stringify({ pid: process.pid, hostname: hostname(), command: 'cordon run', startedAt: '2025-11-20T10:00:00.000Z', id: 'before-restart' }));
    const store = await openStore({ driver: 'pglite', dataDir }, { log: { warn: () => undefined } });
    await store.close();
  }, 60_000);

  it('refuses a lock held on another host, saying to delete it if that process is gone', async () => {
    const dataDir = join(root, 'other-host');
    const first = await openStore({ driver: 'pglite', dataDir });
    await first.close();
    writeFileSync(lockFile(dataDir), JSON.stringify({ pid: 1, hostname: 'cordon-elsewhere', command: 'cordon run', startedAt: '2025-11-20T10:00:00.000Z', id: 'x' }));
    const err = await openStore({ driver: 'pglite', dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLocked);
    expect((err as Error).message).toContain('in use by `cordon run` (pid 1 on host cordon-elsewhere, since 2025-11-20T10:00:00.000Z)');
    expect((err as Error).message).toContain(`delete ${lockFile(dataDir)}`);
    expect(readFileSync(lockFile(dataDir), 'utf8')).toContain('cordon-elsewhere');
  }, 60_000);

  it('removes its lock when the process exits without closing the store', async () => {
    const dataDir = join(root, 'exit');
    expect(await openInChild(dataDir, 'exit')).toEqual({ ok: true });
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(lockFile(dataDir))).toBe(false);
  }, 120_000);

  it('records the API URL the holder serves, for other commands to find', async () => {
    const dataDir = join(root, 'api');
    const config = { driver: 'pglite', dataDir } as const;
    const store = await openStore(config, { command: 'cordon run' });
    try {
      await announceApi(config, 'http://127.0.0.1:8080');
      expect(await readDataDirLock(dataDir)).toMatchObject({ pid: process.pid, command: 'cordon run', api: 'http://127.0.0.1:8080' });
    } finally {
      await store.close();
    }
    expect(await readDataDirLock(dataDir)).toBeNull();
  }, 60_000);
});
