import type { Migration } from '../migrations.js';

/**
 * The list lifecycle: a version the drop check refuses is kept as *pending* (with its entries)
 * until a person approves it or a newer download replaces it; every approval is in an
 * append-only audit (who, why, when, counts); and a hold whose list entry a newer active
 * version removes or changes gets an append-only basis event and a `basis` of its own, without
 * changing its state (release stays a person's decision). Frozen once released.
 */
export const migration012: Migration = {
  version: 12,
  name: 'list-approvals',
  sql: /* sql */ `
-- A version refused by the drop check. Never active: only list_snapshots are screened.
CREATE TABLE list_pending_versions (
  id                BIGSERIAL   PRIMARY KEY,
  list_id           TEXT        NOT NULL CHECK (list_id <> ''),
  content_hash      TEXT        NOT NULL CHECK (content_hash <> ''),
  source            TEXT        NOT NULL CHECK (source <> ''),
  about             TEXT,
  reason            TEXT        NOT NULL CHECK (reason <> ''),
  -- The active version when it was downloaded (the diff is recomputed against the active one).
  base_version      INTEGER,
  entry_count       INTEGER     NOT NULL CHECK (entry_count >= 0),
  entries           JSONB       NOT NULL CHECK (jsonb_typeof(entries) = 'array'),
  fetched_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  state             TEXT        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'superseded')),
  resolved_at       TIMESTAMPTZ,
  approved_version  INTEGER,
  CONSTRAINT list_pending_versions_approved_has_version CHECK (state <> 'approved' OR approved_version IS NOT NULL)
);
-- At most one version of a list waits for approval: a newer download replaces it.
CREATE UNIQUE INDEX list_pending_versions_one_pending ON list_pending_versions (list_id) WHERE state = 'pending';

-- Who approved which version, why and when: append-only, enforced by the database itself.
CREATE TABLE list_approvals (
  id             BIGSERIAL   PRIMARY KEY,
  list_id        TEXT        NOT NULL CHECK (list_id <> ''),
  at             TIMESTAMPTZ NOT NULL DEFAULT now(),
  approved_by    TEXT        NOT NULL CHECK (btrim(approved_by) <> ''),
  reason         TEXT        NOT NULL CHECK (btrim(reason) <> ''),
  -- 'approve': a pending version approved; 'allow-drop': a refresh or import overriding the drop check.
  via            TEXT        NOT NULL CHECK (via IN ('approve', 'allow-drop')),
  pending_id     BIGINT      REFERENCES list_pending_versions (id) ON DELETE RESTRICT,
  from_version   INTEGER,
  to_version     INTEGER     NOT NULL,
  content_hash   TEXT        NOT NULL CHECK (content_hash <> ''),
  entry_count    INTEGER     NOT NULL CHECK (entry_count >= 0),
  added_count    INTEGER     NOT NULL CHECK (added_count >= 0),
  removed_count  INTEGER     NOT NULL CHECK (removed_count >= 0),
  changed_count  INTEGER     NOT NULL CHECK (changed_count >= 0),
  FOREIGN KEY (list_id, to_version) REFERENCES list_snapshots (list_id, version) ON DELETE RESTRICT
);
CREATE INDEX list_approvals_list_idx ON list_approvals (list_id, id);

CREATE FUNCTION list_approvals_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'list_approvals is append-only: % refused', TG_OP
    USING HINT = 'record a correction as a new approval instead';
END
$fn$;

CREATE TRIGGER list_approvals_append_only
  BEFORE UPDATE OR DELETE ON list_approvals
  FOR EACH ROW EXECUTE FUNCTION list_approvals_refuse_change();

CREATE TRIGGER list_approvals_no_truncate
  BEFORE TRUNCATE ON list_approvals
  FOR EACH STATEMENT EXECUTE FUNCTION list_approvals_refuse_change();

-- Whether the list entry a hold cites is still in force in the active version of its list.
ALTER TABLE holds ADD COLUMN basis TEXT NOT NULL DEFAULT 'in_force'
  CHECK (basis IN ('in_force', 'withdrawn', 'changed'));
-- The list version that withdrew or changed it (NULL while in force as raised).
ALTER TABLE holds ADD COLUMN basis_version INTEGER;

-- A list version that removed or changed the entry a hold cites: one event per hold and version.
CREATE TABLE hold_basis_events (
  id               BIGSERIAL   PRIMARY KEY,
  hold_id          BIGINT      NOT NULL REFERENCES holds (id) ON DELETE RESTRICT,
  at               TIMESTAMPTZ NOT NULL DEFAULT now(),
  list_id          TEXT        NOT NULL CHECK (list_id <> ''),
  list_version     INTEGER     NOT NULL CHECK (list_version >= 1),
  entry_uid        TEXT        NOT NULL CHECK (entry_uid <> ''),
  basis            TEXT        NOT NULL CHECK (basis IN ('withdrawn', 'changed')),
  hold_state       TEXT        NOT NULL CHECK (hold_state IN ('open', 'released', 'confirmed', 'orphaned')),
  programs_before  JSONB       NOT NULL CHECK (jsonb_typeof(programs_before) = 'array'),
  programs_after   JSONB       CHECK (programs_after IS NULL OR jsonb_typeof(programs_after) = 'array'),
  reason           TEXT        NOT NULL CHECK (reason <> ''),
  UNIQUE (hold_id, list_id, list_version)
);

CREATE FUNCTION hold_basis_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'hold_basis_events is append-only: % refused', TG_OP
    USING HINT = 'record a correction as a new event instead';
END
$fn$;

CREATE TRIGGER hold_basis_events_append_only
  BEFORE UPDATE OR DELETE ON hold_basis_events
  FOR EACH ROW EXECUTE FUNCTION hold_basis_events_refuse_change();

CREATE TRIGGER hold_basis_events_no_truncate
  BEFORE TRUNCATE ON hold_basis_events
  FOR EACH STATEMENT EXECUTE FUNCTION hold_basis_events_refuse_change();
`,
};
