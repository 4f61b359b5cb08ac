import type { Migration } from '../migrations.js';

/**
 * The exchange hook's delivery state on each hold, and every delivery attempt. Frozen once
 * released, like every migration.
 */
export const migration002: Migration = {
  version: 2,
  name: 'hold-delivery',
  sql: /* sql */ `
-- pending: not delivered yet (retrying); failed: the exchange refused it with a 4xx that is
-- not 408/429 (still retried, on a long backoff, and on-call is told); delivered: the exchange
-- answered 2xx; not_configured: no exchange hook was configured when the hold was handled.
ALTER TABLE holds
  ADD COLUMN hook_status           TEXT        NOT NULL DEFAULT 'pending'
    CHECK (hook_status IN ('pending', 'delivered', 'failed', 'not_configured')),
  ADD COLUMN hook_delivered_at     TIMESTAMPTZ,
  -- When the delivery worker should try next; NULL means as soon as possible.
  ADD COLUMN hook_next_attempt_at  TIMESTAMPTZ,
  ADD CONSTRAINT holds_hook_delivered_has_time
    CHECK ((hook_status = 'delivered') = (hook_delivered_at IS NOT NULL));

CREATE INDEX holds_hook_due_idx ON holds (hook_next_attempt_at NULLS FIRST, id)
  WHERE hook_status IN ('pending', 'failed');

-- One row per HTTP attempt at delivering a hold to the exchange, successful or not.
CREATE TABLE hold_deliveries (
  id           BIGSERIAL   PRIMARY KEY,
  hold_id      BIGINT      NOT NULL REFERENCES holds (id) ON DELETE RESTRICT,
  attempt      INTEGER     NOT NULL CHECK (attempt >= 1),
  at           TIMESTAMPTZ NOT NULL DEFAULT now(),
  status_code  INTEGER     CHECK (status_code BETWEEN 100 AND 599),
  error        TEXT,
  outcome      TEXT        NOT NULL CHECK (outcome IN ('delivered', 'failed')),
  UNIQUE (hold_id, attempt),
  CONSTRAINT hold_deliveries_failed_says_why
    CHECK (outcome <> 'failed' OR status_code IS NOT NULL OR error IS NOT NULL)
);
`,
};
