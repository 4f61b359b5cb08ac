import type { Migration } from '../migrations.js';

/**
 * Blocks the follower handed on, per chain, until every stage is through with them: the store,
 * not Redis, is the record of which blocks are fully screened and acted on. The follower writes
 * a row before it queues the block's extract job (so before the cursor moves past it); the
 * extract stage (no transfer touches the exchange), the screen stage (no match) or the last of
 * the block's act jobs sets `done_at`. `acts_pending` holds the keys of the act jobs still to
 * complete (NULL until the screen stage has run). A block without `done_at` is queued again
 * when Cordon starts or finds Redis emptied. Rows of done blocks are pruned once final.
 * Frozen once released.
 */
export const migration010: Migration = {
  version: 10,
  name: 'handed-blocks',
  sql: /* sql */ `
CREATE TABLE handed_blocks (
  chain        TEXT        NOT NULL CHECK (chain <> ''),
  block_hash   TEXT        NOT NULL CHECK (block_hash <> ''),
  block_number BIGINT      NOT NULL CHECK (block_number >= 0),
  parent_hash  TEXT        NOT NULL,
  block_time   BIGINT      NOT NULL,
  handed_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  acts_pending TEXT[],
  done_at      TIMESTAMPTZ,
  PRIMARY KEY (chain, block_hash)
);
CREATE INDEX handed_blocks_pending ON handed_blocks (chain, block_number) WHERE done_at IS NULL;
`,
};
