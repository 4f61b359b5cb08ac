import type { Migration } from '../migrations.js';

/**
 * Every deposit and withdrawal the extract stage attributed, one row per counterparty as it
 * was screened (normalised), so that a list version adding an address can re-screen the past:
 * one probe of `attributed_transfers_counterparty_idx` per added address, whatever the number
 * of rows stored. A transfer seen in two blocks (a reorg) has a row per block; the re-screen
 * raises nothing for the orphaned one.
 *
 * Holds raised that way are marked `retroactive`, and `retro_version` is the list version whose
 * activation added the entry (the version the hold cites). Null on every other hold.
 */
export const migration013: Migration = {
  version: 13,
  name: 'attributed-transfers',
  sql: /* sql */ `
CREATE TABLE attributed_transfers (
  chain            TEXT          NOT NULL CHECK (chain <> ''),
  counterparty     TEXT          NOT NULL CHECK (counterparty <> ''),
  block_time       TIMESTAMPTZ   NOT NULL,
  block_number     BIGINT        NOT NULL CHECK (block_number >= 0),
  block_hash       TEXT          NOT NULL CHECK (block_hash <> ''),
  txid             TEXT          NOT NULL CHECK (txid <> ''),
  position         TEXT          NOT NULL CHECK (position <> ''),
  payment          TEXT          CHECK (payment <> ''),
  kind             TEXT          NOT NULL CHECK (kind IN ('native', 'erc20', 'internal', 'call', 'utxo')),
  asset            TEXT          NOT NULL CHECK (asset <> ''),
  amount           NUMERIC(78,0) NOT NULL CHECK (amount >= 0),
  from_address     TEXT          NOT NULL,
  to_address       TEXT,
  tx_from          TEXT          NOT NULL,
  direction        TEXT          NOT NULL CHECK (direction IN ('deposit', 'withdrawal')),
  account_id       TEXT          CHECK (account_id <> ''),
  exchange_address TEXT          NOT NULL CHECK (exchange_address <> ''),
  PRIMARY KEY (chain, txid, position, block_hash, counterparty)
);
CREATE INDEX attributed_transfers_counterparty_idx ON attributed_transfers (counterparty, block_time);

ALTER TABLE holds ADD COLUMN retroactive BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE holds ADD COLUMN retro_version INTEGER CHECK (retro_version >= 1);
ALTER TABLE holds ADD CONSTRAINT holds_retro_version_whole CHECK (retroactive = (retro_version IS NOT NULL));
`,
};
