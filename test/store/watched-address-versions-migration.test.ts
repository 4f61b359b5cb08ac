import { afterAll, describe, expect, it } from 'vitest';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { accountsRepo } from '../../src/store/accounts-repo.js';
import { openDb } from '../../src/store/db.js';
import { migrate, MIGRATIONS } from '../../src/store/migrations.js';
import { dropSchema, freshSchema, PG_URL } from '../helpers/pg-schema.js';
import { addr } from './store-contract.js';

const A = addr('0x00000000000000000000000000000000000000a1');
const B = addr('0x00000000000000000000000000000000000000b2');
const C = addr('0x00000000000000000000000000000000000000c3');
const sorted = (list: readonly NormalisedAddress[]): NormalisedAddress[] => [...list].sort();
const schema = freshSchema('cordon_migration006');
/** A page larger than anything here. */
const ALL = { limit: 1_000 };

describe.each([
  ['pglite', () => openDb({ driver: 'pglite', dataDir: 'memory://' })],
  ['postgres', () => openDb({ driver: 'postgres', url: PG_URL, poolSize: 2, schema })],
] as const)('migration 006 (watched address versions) on %s', (backend, open) => {
  afterAll(async () => {
    if (backend === 'postgres') await dropSchema(schema);
  });

  it('gives watched addresses stored before it version 0, so a reader starting from nothing still gets them', async () => {
    const db = await open();
    try {
      const before = MIGRATIONS.filter((m) => m.version < 6);
      await migrate(db, before);
      await db.query(
        `INSERT INTO watched_addresses (chain, address, account_id, kind)
         VALUES ('ethereum', $1, 'acct-1', 'deposit'), ('ethereum', $2, 'hot', 'hot_wallet'), ('base', $1, 'acct-1', 'deposit')`,
        [A, B],
      );
      expect((await migrate(db, MIGRATIONS.filter((m) => m.version <= 6))).applied).toEqual([6]);

      const accounts = accountsRepo(db);
      const first = await accounts.watchedAddressesSince('ethereum', null, ALL);
      expect(first.version).toBe(0n);
      expect(sorted(first.addresses)).toEqual([A, B]);
      expect(await accounts.watchedAddressesSince('ethereum', 0n, ALL)).toStrictEqual({ version: 0n, addresses: [] });

      // The counter starts with the chain's first write after the migration; an old row left
      // unchanged keeps version 0, and one re-assigned is stamped like any other change.
      expect(
        await accounts.upsertWatchedAddresses([
          { chain: 'ethereum', address: C, accountId: 'acct-3', kind: 'deposit' },
          { chain: 'ethereum', address: A, accountId: 'acct-1', kind: 'deposit' },
        ]),
      ).toStrictEqual({ added: 1, changed: 0 });
      expect(await accounts.watchedAddressesSince('ethereum', 0n, ALL)).toStrictEqual({ version: 1n, addresses: [C], after: C });
      await accounts.upsertWatchedAddress({ chain: 'ethereum', address: B, accountId: 'hot', kind: 'deposit' });
      expect(await accounts.watchedAddressesSince('ethereum', 1n, ALL)).toStrictEqual({ version: 2n, addresses: [B], after: B });
      expect(await accounts.watchedAddressesSince('base', null, ALL)).toStrictEqual({ version: 0n, addresses: [A], after: A });

      // Migration 007 indexes them for reading in pages, in version order: A (0), C (1), B (2).
      expect((await migrate(db)).applied[0]).toBe(7);
      const firstPage = await accounts.watchedAddressesSince('ethereum', null, { limit: 2 });
      expect(firstPage).toMatchObject({ version: 1n, after: C });
      expect([...firstPage.addresses].sort()).toEqual([A, C].sort());
      expect(await accounts.watchedAddressesSince('ethereum', 1n, { limit: 2, after: C })).toStrictEqual({ version: 2n, addresses: [B], after: B });
    } finally {
      await db.close();
    }
  });
});
