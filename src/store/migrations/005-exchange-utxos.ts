import type { Migration } from '../migrations.js';

/**
 * The exchange's own outputs on Bitcoin-family chains (outputs paying its hot wallets and
 * deposit addresses), so the extract stage can tell that a transaction spending one is a
 * withdrawal or a sweep even when it sends no change back and was not registered by txid.
 *
 * Rows are keyed by the block that created them: the same transaction mined again on another
 * branch gets a row of its own, and rows of blocks in `orphaned_blocks` are ignored. A spend is
 * recorded with the block it was seen in (`spent_block_hash`), so a spend on an orphaned branch
 * does not hide the output from a later canonical spend.
 */
export const migration005: Migration = {
  version: 5,
  name: 'exchange-utxos',
  sql: /* sql */ `
CREATE TABLE exchange_utxos (
  chain            TEXT        NOT NULL CHECK (chain <> ''),
  txid             TEXT        NOT NULL CHECK (txid <> ''),
  vout             INTEGER     NOT NULL CHECK (vout >= 0),
  block_hash       TEXT        NOT NULL CHECK (block_hash <> ''),
  block_number     BIGINT      NOT NULL CHECK (block_number >= 0),
  address          TEXT        NOT NULL CHECK (address <> ''),
  value            NUMERIC(30) NOT NULL CHECK (value >= 0),
  spent_in         TEXT,
  spent_block_hash TEXT,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, txid, vout, block_hash),
  CHECK ((spent_in IS NULL) = (spent_block_hash IS NULL))
);
CREATE INDEX exchange_utxos_by_address ON exchange_utxos (chain, address) WHERE spent_in IS NULL;
`,
};
