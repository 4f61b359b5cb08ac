import type { Migration } from '../migrations.js';

/**
 * List versions, made durable in two more ways.
 *
 * What a version's activation must still do once it has committed: tell the holds whose entry
 * it removed or changed (`hold-basis`) and re-screen the past against what it added
 * (`rescreen`). A row says that effect finished; a version without one (a crash after the
 * activation, a command that could not finish) is done again by the service, which is safe:
 * both effects are idempotent.
 *
 * `attributed_transfers.attributed_at` says when the extract stage recorded a transfer: the
 * re-screen finished once every screen worker surely uses the new index (see
 * pipeline/list-version-effects.ts) need only look at rows recorded before that moment.
 *
 * Versions stored before this migration had their effects run by the process that stored them
 * (or, before attributed transfers were kept, had no past to re-screen): they count as done.
 *
 * `list_index_images`: each version's in-memory index as one value, written with the version.
 */
export const migration014: Migration = {
  version: 14,
  name: 'list-version-effects',
  sql: /* sql */ `
CREATE TABLE list_version_effects (
  list_id     TEXT        NOT NULL,
  version     INTEGER     NOT NULL,
  effect      TEXT        NOT NULL CHECK (effect IN ('hold-basis', 'rescreen')),
  finished_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- What it did (counts), for the operator reading the table.
  summary     JSONB       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(summary) = 'object'),
  PRIMARY KEY (list_id, version, effect),
  FOREIGN KEY (list_id, version) REFERENCES list_snapshots (list_id, version)
);
INSERT INTO list_version_effects (list_id, version, effect)
  SELECT s.list_id, s.version, e.effect
  FROM list_snapshots s CROSS JOIN (VALUES ('hold-basis'), ('rescreen')) AS e(effect);

ALTER TABLE attributed_transfers ADD COLUMN attributed_at TIMESTAMPTZ NOT NULL DEFAULT now();

-- A version's in-memory index as one text (sanctions/index-image.ts), so that a list of
-- millions loads without reading its rows one by one. Kept in parts of a few megabytes: the
-- embedded store grows its memory to the largest value it returns, and keeps it. Derived data:
-- a missing or unreadable image is rebuilt from list_entries. Stored uncompressed (read whole).
CREATE TABLE list_index_images (
  list_id TEXT    NOT NULL,
  version INTEGER NOT NULL,
  part    INTEGER NOT NULL CHECK (part >= 0),
  image   TEXT    NOT NULL,
  PRIMARY KEY (list_id, version, part),
  FOREIGN KEY (list_id, version) REFERENCES list_snapshots (list_id, version)
);
ALTER TABLE list_index_images ALTER COLUMN image SET STORAGE EXTERNAL;
`,
};
