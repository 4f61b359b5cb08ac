import type { Migration } from '../migrations.js';

/**
 * The first schema. Frozen once released: change the schema with a new numbered file, never by
 * editing this one (its checksum is recorded and checked on every start).
 */
export const migration001: Migration = {
  version: 1,
  name: 'initial',
  sql: /* sql */ `
-- Where each chain follower has got to: it only moves once a block's transfers are durable.
CREATE TABLE chain_cursors (
  chain         TEXT        PRIMARY KEY CHECK (chain <> ''),
  block_number  BIGINT      NOT NULL CHECK (block_number >= 0),
  block_hash    TEXT        NOT NULL CHECK (block_hash <> ''),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Exchange-owned addresses (normalised) and the account each belongs to.
CREATE TABLE watched_addresses (
  chain       TEXT        NOT NULL CHECK (chain <> ''),
  address     TEXT        NOT NULL CHECK (address <> ''),
  account_id  TEXT        NOT NULL CHECK (account_id <> ''),
  kind        TEXT        NOT NULL CHECK (kind IN ('deposit', 'hot_wallet')),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, address)
);
CREATE INDEX watched_addresses_account_idx ON watched_addresses (account_id);

-- Withdrawals announced by the exchange; id is the exchange's own reference. The txid is
-- often learned after the destination, so either may come first.
CREATE TABLE withdrawals (
  id           TEXT        PRIMARY KEY CHECK (id <> ''),
  chain        TEXT        NOT NULL CHECK (chain <> ''),
  txid         TEXT        CHECK (txid <> ''),
  destination  TEXT        CHECK (destination <> ''),
  account_id   TEXT        NOT NULL CHECK (account_id <> ''),
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT withdrawals_txid_or_destination CHECK (txid IS NOT NULL OR destination IS NOT NULL)
);
CREATE UNIQUE INDEX withdrawals_chain_txid_key ON withdrawals (chain, txid) WHERE txid IS NOT NULL;
CREATE INDEX withdrawals_chain_destination_idx ON withdrawals (chain, destination)
  WHERE destination IS NOT NULL;
CREATE INDEX withdrawals_account_idx ON withdrawals (account_id);

-- Every accepted version of every list. The highest version of a list is its active snapshot.
CREATE TABLE list_snapshots (
  list_id        TEXT        NOT NULL CHECK (list_id <> ''),
  version        INTEGER     NOT NULL CHECK (version >= 1),
  content_hash   TEXT        NOT NULL CHECK (content_hash <> ''),
  source         TEXT        NOT NULL CHECK (source <> ''),
  entry_count    INTEGER     NOT NULL CHECK (entry_count >= 0),
  added_count    INTEGER     NOT NULL CHECK (added_count >= 0),
  removed_count  INTEGER     NOT NULL CHECK (removed_count >= 0),
  fetched_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (list_id, version)
);

CREATE TABLE list_entries (
  list_id         TEXT    NOT NULL,
  version         INTEGER NOT NULL,
  entry_uid       TEXT    NOT NULL CHECK (entry_uid <> ''),
  family          TEXT    NOT NULL CHECK (family IN (
                    'evm', 'tron', 'bitcoin', 'litecoin', 'bitcoin-cash', 'bitcoin-sv',
                    'bitcoin-gold', 'dash', 'zcash', 'dogecoin', 'verge', 'unverified')),
  address         TEXT    NOT NULL CHECK (address <> ''),
  ticker          TEXT    NOT NULL CHECK (ticker <> ''),
  entity_name     TEXT,
  programs        JSONB   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(programs) = 'array'),
  source_file     TEXT    NOT NULL CHECK (source_file <> ''),
  source_line     INTEGER CHECK (source_line >= 1),
  source_element  TEXT,
  PRIMARY KEY (list_id, version, entry_uid),
  FOREIGN KEY (list_id, version) REFERENCES list_snapshots (list_id, version) ON DELETE CASCADE
);
CREATE INDEX list_entries_family_address_idx ON list_entries (family, address);

-- Every refresh, good or bad: a refused download is recorded here, loudly, not dropped.
CREATE TABLE list_refresh_attempts (
  id              BIGSERIAL   PRIMARY KEY,
  list_id         TEXT        NOT NULL CHECK (list_id <> ''),
  attempted_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  outcome         TEXT        NOT NULL CHECK (outcome IN ('accepted', 'unchanged', 'rejected')),
  reason          TEXT,
  content_hash    TEXT,
  version         INTEGER,
  entries_seen    INTEGER     NOT NULL DEFAULT 0 CHECK (entries_seen >= 0),
  rejected_lines  INTEGER     NOT NULL DEFAULT 0 CHECK (rejected_lines >= 0),
  CONSTRAINT list_refresh_attempts_rejected_has_reason
    CHECK (outcome <> 'rejected' OR reason IS NOT NULL),
  CONSTRAINT list_refresh_attempts_accepted_has_version
    CHECK (outcome <> 'accepted' OR version IS NOT NULL),
  FOREIGN KEY (list_id, version) REFERENCES list_snapshots (list_id, version)
);
CREATE INDEX list_refresh_attempts_list_idx ON list_refresh_attempts (list_id, attempted_at DESC, id DESC);

-- Transfers already extracted and screened, so replays and retries do the work once.
CREATE TABLE transfers_seen (
  chain         TEXT        NOT NULL CHECK (chain <> ''),
  transfer_id   TEXT        NOT NULL CHECK (transfer_id <> ''),
  block_number  BIGINT      NOT NULL CHECK (block_number >= 0),
  block_hash    TEXT        NOT NULL CHECK (block_hash <> ''),
  txid          TEXT        NOT NULL CHECK (txid <> ''),
  seen_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, transfer_id)
);
CREATE INDEX transfers_seen_block_idx ON transfers_seen (chain, block_hash);

-- One hold per (account, transfer, list entry): hold_key encodes that and is unique.
-- A hold names the list entry that requires it; that entry can never be deleted under it.
CREATE TABLE holds (
  id             BIGSERIAL     PRIMARY KEY,
  hold_key       TEXT          NOT NULL UNIQUE CHECK (hold_key <> ''),
  account_id     TEXT          NOT NULL CHECK (account_id <> ''),
  chain          TEXT          NOT NULL CHECK (chain <> ''),
  txid           TEXT          NOT NULL CHECK (txid <> ''),
  transfer_id    TEXT          NOT NULL CHECK (transfer_id <> ''),
  direction      TEXT          NOT NULL CHECK (direction IN ('deposit', 'withdrawal')),
  counterparty   TEXT          NOT NULL CHECK (counterparty <> ''),
  list_id        TEXT          NOT NULL,
  list_version   INTEGER       NOT NULL,
  entry_uid      TEXT          NOT NULL,
  entity_name    TEXT,
  programs       JSONB         NOT NULL CHECK (jsonb_typeof(programs) = 'array'),
  amount         NUMERIC(78,0) NOT NULL CHECK (amount >= 0),
  asset          TEXT          NOT NULL CHECK (asset <> ''),
  block_number   BIGINT        NOT NULL CHECK (block_number >= 0),
  block_hash     TEXT          NOT NULL CHECK (block_hash <> ''),
  confirmations  INTEGER       NOT NULL DEFAULT 0 CHECK (confirmations >= 0),
  state          TEXT          NOT NULL DEFAULT 'open'
                   CHECK (state IN ('open', 'released', 'confirmed', 'orphaned')),
  created_at     TIMESTAMPTZ   NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ   NOT NULL DEFAULT now(),
  FOREIGN KEY (list_id, list_version, entry_uid)
    REFERENCES list_entries (list_id, version, entry_uid) ON DELETE RESTRICT
);
CREATE INDEX holds_state_idx ON holds (state, id);
CREATE INDEX holds_account_idx ON holds (account_id, id);
CREATE INDEX holds_block_idx ON holds (chain, block_hash);
CREATE INDEX holds_txid_idx ON holds (chain, txid);

-- The audit trail of every hold: append-only, enforced by the database itself.
CREATE TABLE hold_events (
  id          BIGSERIAL   PRIMARY KEY,
  hold_id     BIGINT      NOT NULL REFERENCES holds (id) ON DELETE RESTRICT,
  at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  from_state  TEXT        CHECK (from_state IN ('open', 'released', 'confirmed', 'orphaned')),
  to_state    TEXT        NOT NULL CHECK (to_state IN ('open', 'released', 'confirmed', 'orphaned')),
  actor       TEXT        NOT NULL CHECK (actor <> ''),
  reason      TEXT
);
CREATE INDEX hold_events_hold_idx ON hold_events (hold_id, id);

CREATE FUNCTION hold_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'hold_events is append-only: % refused', TG_OP
    USING HINT = 'record a correction as a new hold event instead';
END
$fn$;

CREATE TRIGGER hold_events_append_only
  BEFORE UPDATE OR DELETE ON hold_events
  FOR EACH ROW EXECUTE FUNCTION hold_events_refuse_change();

CREATE TRIGGER hold_events_no_truncate
  BEFORE TRUNCATE ON hold_events
  FOR EACH STATEMENT EXECUTE FUNCTION hold_events_refuse_change();

-- Alerts already delivered per channel, so a retried job pages once.
CREATE TABLE alerts_sent (
  channel    TEXT        NOT NULL CHECK (channel <> ''),
  dedup_key  TEXT        NOT NULL CHECK (dedup_key <> ''),
  kind       TEXT        NOT NULL CHECK (kind <> ''),
  sent_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  status     TEXT        NOT NULL CHECK (status IN ('sent', 'failed', 'suppressed')),
  PRIMARY KEY (channel, dedup_key)
);
`,
};
