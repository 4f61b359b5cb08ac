/** Which exchange account owns an address or a withdrawal. */
export {
  ACCOUNTS_CSV_COLUMNS,
  AccountsCsvError,
  importAccounts,
  isValidAccountId,
  isWatchedKind,
  parseAccountsCsv,
  splitCsvLine,
  type AccountChain,
  type AccountRow,
  type AccountsCsv,
  type ImportResult,
  type RejectedAccountLine,
} from './accounts-csv.js';
export {
  attributeTransfer,
  attributeTransfers,
  lookupForTransfer,
  type AccountsLookup,
  type AttributedTransfer,
  type Attribution,
  type AttributionBasis,
  type TransferLookup,
  type WatchedInfo,
} from './attribute.js';
export { loadLookup, type LookupRepo } from './account-lookup.js';
export { InvalidTxidError, normaliseTxid } from './txid.js';
export { createWatchedAddressIndex, type WatchedAddressIndex, type WatchedChangesRepo } from './watched-index.js';
