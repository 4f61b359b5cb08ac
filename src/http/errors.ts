/** Domain and store errors → the HTTP status and `{ error, field? }` a client acts on. */
import { InvalidTxidError } from '../accounts/txid.js';
import { InvalidAddressError } from '../domain/address.js';
import { HoldReasonRequired, HoldTransitionRefused } from '../domain/hold.js';
import { ApprovalRequired, NoPendingVersion } from '../sanctions/refresh-list.js';
import { HoldNotFound, HoldStateConflict, PendingVersionNotFound, WithdrawalConflict } from '../store/errors.js';
import { HttpError } from './router.js';

/** The HttpError for a known error, or null for an unexpected one (a 500, logged). */
export function toHttpError(err: unknown, field?: string): HttpError | null {
  if (err instanceof HttpError) return err;
  if (err instanceof InvalidAddressError || err instanceof InvalidTxidError) {
    return new HttpError(400, field === undefined ? err.message : `${field}: ${err.message}`, field);
  }
  if (err instanceof HoldNotFound) return new HttpError(404, err.message);
  if (err instanceof HoldReasonRequired) return new HttpError(400, err.message, err.missing);
  if (err instanceof HoldTransitionRefused || err instanceof HoldStateConflict) return new HttpError(409, err.message);
  if (err instanceof WithdrawalConflict) return new HttpError(409, err.message);
  if (err instanceof NoPendingVersion) return new HttpError(404, err.message);
  if (err instanceof PendingVersionNotFound) return new HttpError(409, err.message);
  if (err instanceof ApprovalRequired) return new HttpError(400, err.message, err.missing);
  return null;
}

/** Postgres `unique_violation`, from either backend. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
