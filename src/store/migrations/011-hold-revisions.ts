import type { Migration } from '../migrations.js';

/**
 * Every change of a hold's state (released, confirmed, orphaned by a reorg, reopened when its
 * transaction is mined again) is a new revision the exchange must hear of: the hook delivers
 * the hold again, under the idempotency key `<hold key>#<revision>` (revision 0 keeps the bare
 * hold key). A delivery marks the hold delivered only for the revision it sent.
 */
export const migration011: Migration = {
  version: 11,
  name: 'hold-revisions',
  sql: /* sql */ `
ALTER TABLE holds ADD COLUMN hook_revision INTEGER NOT NULL DEFAULT 0 CHECK (hook_revision >= 0);
ALTER TABLE hold_deliveries ADD COLUMN revision INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0);
`,
};
