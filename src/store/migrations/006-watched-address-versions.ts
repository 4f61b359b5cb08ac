import type { Migration } from '../migrations.js';

/**
 * A per-chain change counter for watched addresses, so an in-memory index of a chain's watched
 * addresses can stay current by asking only for the rows changed since it last asked
 * (`AccountsRepo.watchedAddressesSince`). Frozen once released, like every migration.
 *
 * Why a counter row rather than a sequence: every write of watched addresses bumps its chain's
 * row in `watched_address_versions` in the same statement and stamps the rows it inserts or
 * changes with the new value. That row lock is held until commit, so the writers of one chain
 * take their versions and commit one after the other, in version order. A reader that has seen
 * every row up to version v can therefore ask for `version > v` and never miss a row that
 * commits later with a smaller version. A sequence does not give that: its numbers are taken
 * before commit, so a smaller number committed after a reader moved past it would be skipped.
 *
 * Rows written before this migration keep version 0 and are returned to a reader starting from
 * nothing; the counter starts at 1 with the chain's first write after it.
 */
export const migration006: Migration = {
  version: 6,
  name: 'watched-address-versions',
  sql: /* sql */ `
CREATE TABLE watched_address_versions (
  chain    TEXT   PRIMARY KEY CHECK (chain <> ''),
  version  BIGINT NOT NULL CHECK (version > 0)
);

ALTER TABLE watched_addresses ADD COLUMN version BIGINT NOT NULL DEFAULT 0 CHECK (version >= 0);
CREATE INDEX watched_addresses_chain_version_idx ON watched_addresses (chain, version);
`,
};
