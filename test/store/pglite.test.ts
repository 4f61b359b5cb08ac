import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listId } from '../../src/domain/sanction-entry.js';
import { appliedMigrations, MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { describeStoreContract, tornadoEntry } from './store-contract.js';

describeStoreContract('pglite (memory)', () => openStore({ driver: 'pglite', dataDir: 'memory://' }));

describe('pglite on disk', () => {
  it('reopens a data dir (creating its parent folders) and finds the data and migrations already applied', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cordon-store-'));
    const dataDir = join(root, 'nested', 'deeper', 'pgdata');
    try {
      const first = await openStore({ driver: 'pglite', dataDir });
      const version = await first.lists.insertSnapshot({
        listId: listId('ofac-sdn'),
        contentHash: 'sha256:1',
        source: 'lists/sdn.csv',
        entries: [tornadoEntry],
        addedCount: 1,
        removedCount: 0,
      });
      await first.cursors.setCursor('ethereum', { number: 21_000_000n, hash: '0xabc' });
      const migrated = await appliedMigrations(first.db);
      await first.close();

      const second = await openStore({ driver: 'pglite', dataDir });
      try {
        expect(await appliedMigrations(second.db)).toEqual(migrated);
        expect(migrated.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
        expect((await second.lists.latestSnapshot(listId('ofac-sdn')))?.version).toBe(version);
        expect(await second.lists.snapshotEntries(listId('ofac-sdn'), version)).toHaveLength(1);
        expect((await second.cursors.getCursor('ethereum'))?.number).toBe(21_000_000n);
      } finally {
        await second.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('pglite for a short-lived command', () => {
  it('opens with small shared buffers without writing them into the data dir', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cordon-store-'));
    const dataDir = join(root, 'pgdata');
    const sharedBuffers = async (brief: boolean) => {
      const store = await openStore({ driver: 'pglite', dataDir }, { brief });
      try {
        return (await store.db.query<{ shared_buffers: string }>('SHOW shared_buffers'))[0]?.shared_buffers;
      } finally {
        await store.close();
      }
    };
    try {
      expect(await sharedBuffers(true)).toBe('8MB');
      // `cordon run` opening the same directory later keeps PostgreSQL's default.
      expect(await sharedBuffers(false)).toBe('128MB');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
