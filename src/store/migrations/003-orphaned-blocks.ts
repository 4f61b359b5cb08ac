import type { Migration } from '../migrations.js';

/**
 * Blocks a reorg removed, per chain. The follower records them before it hands the reorg on,
 * so a hold raised late for a block already orphaned is caught (see holds/raise-hold.ts), and a
 * block that becomes canonical again is removed from here.
 */
export const migration003: Migration = {
  version: 3,
  name: 'orphaned-blocks',
  sql: /* sql */ `
CREATE TABLE orphaned_blocks (
  chain        TEXT        NOT NULL CHECK (chain <> ''),
  block_hash   TEXT        NOT NULL CHECK (block_hash <> ''),
  block_number BIGINT      NOT NULL CHECK (block_number >= 0),
  orphaned_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, block_hash)
);
`,
};
