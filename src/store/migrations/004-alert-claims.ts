import type { Migration } from '../migrations.js';

/**
 * An alert being sent is claimed (`sending`, with a lease) before the send, so two processes
 * dispatching the same alert at once page once; a claim whose process died expires with its
 * lease and the alert can be sent again.
 */
export const migration004: Migration = {
  version: 4,
  name: 'alert-claims',
  sql: /* sql */ `
ALTER TABLE alerts_sent DROP CONSTRAINT alerts_sent_status_check;
ALTER TABLE alerts_sent ADD CONSTRAINT alerts_sent_status_check
  CHECK (status IN ('sending', 'sent', 'failed', 'suppressed'));
ALTER TABLE alerts_sent ADD COLUMN lease_until TIMESTAMPTZ;
`,
};
