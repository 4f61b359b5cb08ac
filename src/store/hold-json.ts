/**
 * A stored hold read back from JSON, as the HTTP API and the holds copy write it (bigints as
 * decimal strings, dates as ISO 8601): field by field, so a hold from a file or another
 * process is either whole and typed or refused.
 */
import type { NormalisedAddress } from '../domain/address.js';
import type { ListId } from '../domain/sanction-entry.js';
import { toBigInt, toDate, toEnum, toSafeNumber, toStringArray } from './convert.js';
import { HOLD_BASES, HOLD_STATES, HOOK_STATUSES, TRANSFER_DIRECTIONS, type StoredHold } from './holds-repo.js';

/** A hold as JSON carries it: bigints as decimal strings, dates as ISO 8601. */
type HoldJson = Record<keyof StoredHold, unknown>;

/** Throws a TypeError or `StoreDataError` naming the field that is not what a hold has. */
export function holdFromJson(value: unknown): StoredHold {
  if (value === null || typeof value !== 'object') throw new TypeError('a hold is not a JSON object');
  const o = value as Partial<HoldJson>;
  return {
    id: toSafeNumber(o.id, 'id'),
    holdKey: text(o.holdKey, 'holdKey'),
    accountId: text(o.accountId, 'accountId'),
    chain: text(o.chain, 'chain'),
    txid: text(o.txid, 'txid'),
    transferId: text(o.transferId, 'transferId'),
    direction: toEnum(o.direction, TRANSFER_DIRECTIONS, 'direction'),
    counterparty: text(o.counterparty, 'counterparty') as NormalisedAddress,
    listId: text(o.listId, 'listId') as ListId,
    listVersion: integer(o.listVersion, 'listVersion'),
    entryUid: text(o.entryUid, 'entryUid'),
    entityName: o.entityName === null ? null : text(o.entityName, 'entityName'),
    programs: toStringArray(o.programs, 'programs'),
    authority: o.authority === null ? null : text(o.authority, 'authority'),
    amount: toBigInt(o.amount, 'amount'),
    asset: text(o.asset, 'asset'),
    units: o.units === null ? null : unitsFromJson(o.units),
    blockNumber: toBigInt(o.blockNumber, 'blockNumber'),
    blockHash: text(o.blockHash, 'blockHash'),
    confirmations: integer(o.confirmations, 'confirmations'),
    retroactive: bool(o.retroactive, 'retroactive'),
    state: toEnum(o.state, HOLD_STATES, 'state'),
    basis: toEnum(o.basis, HOLD_BASES, 'basis'),
    basisVersion: o.basisVersion === null ? null : integer(o.basisVersion, 'basisVersion'),
    createdAt: toDate(o.createdAt, 'createdAt'),
    updatedAt: toDate(o.updatedAt, 'updatedAt'),
    hookStatus: toEnum(o.hookStatus, HOOK_STATUSES, 'hookStatus'),
    hookRevision: integer(o.hookRevision, 'hookRevision'),
    hookDeliveredAt: o.hookDeliveredAt === null ? null : toDate(o.hookDeliveredAt, 'hookDeliveredAt'),
    hookNextAttemptAt: o.hookNextAttemptAt === null ? null : toDate(o.hookNextAttemptAt, 'hookNextAttemptAt'),
  };
}

function unitsFromJson(value: unknown): StoredHold['units'] {
  const u = value as { symbol?: unknown; decimals?: unknown } | null;
  if (u === null || typeof u !== 'object') throw new TypeError('units: not an object');
  return { symbol: text(u.symbol, 'units.symbol'), decimals: integer(u.decimals, 'units.decimals') };
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TypeError(`${field}: expected a string`);
  return value;
}

function integer(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${field}: expected an integer`);
  return value as number;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${field}: expected true or false`);
  return value;
}
