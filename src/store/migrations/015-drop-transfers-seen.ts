import type { Migration } from '../migrations.js';

/**
 * `transfers_seen` was written for every exchange transfer since 001 and never read: replays
 * and retries are kept to one effect by hold keys, alert keys and run keys, and retroactive
 * screening reads `attributed_transfers`. Its insert was a third of the extract stage's store
 * write (a row and two index entries per transfer).
 */
export const migration015: Migration = {
  version: 15,
  name: 'drop-transfers-seen',
  sql: /* sql */ `
DROP TABLE transfers_seen;
`,
};
