import type { Migration } from '../migrations.js';

/**
 * Watched addresses read in pages of (version, address) (`AccountsRepo.watchedAddressesAfter`):
 * an in-memory index loads a chain's addresses a page at a time instead of in one answer, which
 * for millions of addresses would hold every row at once. Rows of one version can be many (a
 * bulk import stamps them all alike, and rows from before migration 006 all have 0), so the
 * index orders by address within a version: a page is then one index range, never a sort.
 * It replaces 006's (chain, version) index, which it covers. Frozen once released.
 */
export const migration007: Migration = {
  version: 7,
  name: 'watched-address-pages',
  sql: /* sql */ `
CREATE INDEX watched_addresses_chain_version_address_idx ON watched_addresses (chain, version, address);
DROP INDEX watched_addresses_chain_version_idx;
`,
};
