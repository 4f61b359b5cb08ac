import type { Migration } from '../migrations.js';

/**
 * How a hold's amount reads (the asset's symbol and decimals, as the chain's configuration
 * said when the hold was raised), so the CLI, the API, alerts and the exchange hook can show
 * `1285 USDT` next to the base units without consulting a configuration that may have changed
 * since. Null on holds raised before this migration, and for assets the configuration does not
 * describe: those show base units only.
 *
 * The list's authority as configured when the hold was raised (`US Treasury OFAC, …`): the
 * legal basis a hold cites is entity, programs and who published them. Null on older holds.
 *
 * And the rule that a hold needs value to have moved: new rows must have a positive amount.
 * `NOT VALID` because installs hit by the zero-value bug may hold such rows already; they are
 * kept as they are (a person releases them, with a reason).
 */
export const migration008: Migration = {
  version: 8,
  name: 'hold-asset-units-and-authority',
  sql: /* sql */ `
ALTER TABLE holds ADD COLUMN asset_symbol TEXT CHECK (asset_symbol <> '');
ALTER TABLE holds ADD COLUMN asset_decimals INTEGER CHECK (asset_decimals BETWEEN 0 AND 255);
ALTER TABLE holds ADD COLUMN list_authority TEXT CHECK (list_authority <> '');
ALTER TABLE holds ADD CONSTRAINT holds_units_whole CHECK ((asset_symbol IS NULL) = (asset_decimals IS NULL));
ALTER TABLE holds ADD CONSTRAINT holds_amount_moves_value CHECK (amount > 0) NOT VALID;
`,
};
