import type { Migration } from '../migrations.js';

/**
 * List entries may be BNB Beacon Chain addresses (`bnb1…`, family `bnb-beacon`): OFAC lists one
 * under the ticker BNB, and an entry must be stored in its own family to screen as listed.
 * 001 spelled the families out in an unnamed column CHECK, which Postgres names
 * `list_entries_family_check`; it is replaced by the same list plus the new family.
 * Frozen once released.
 */
export const migration009: Migration = {
  version: 9,
  name: 'bnb-beacon-family',
  sql: /* sql */ `
ALTER TABLE list_entries DROP CONSTRAINT list_entries_family_check;
ALTER TABLE list_entries ADD CONSTRAINT list_entries_family_check CHECK (family IN (
  'evm', 'tron', 'bitcoin', 'litecoin', 'bitcoin-cash', 'bitcoin-sv',
  'bitcoin-gold', 'dash', 'zcash', 'dogecoin', 'verge', 'bnb-beacon', 'unverified'));
`,
};
