/**
 * `POST /v1/withdrawals`: the exchange registers a withdrawal when it broadcasts it (txid),
 * or before (destination), so Cordon can name the account of a transfer out of a hot wallet.
 * 201 when the id is new, 200 when it completes or repeats a known one, 409 when it
 * contradicts one (another account or chain, another txid or destination, a txid already
 * registered under another id).
 */
import { isValidAccountId } from '../accounts/accounts-csv.js';
import { normaliseTxid } from '../accounts/txid.js';
import { normaliseForFamily, type NormalisedAddress } from '../domain/address.js';
import { bodyObject, optionalString, requiredString } from './body.js';
import { configuredChain } from './chains.js';
import type { HttpDeps } from './deps.js';
import { isUniqueViolation, toHttpError } from './errors.js';
import { HttpError, type Route } from './router.js';

const FIELDS = ['id', 'chain', 'txid', 'destination', 'accountId'] as const;

export function withdrawalsRoutes(deps: HttpDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/withdrawals',
      auth: 'token',
      async handle(ctx) {
        const body = bodyObject(await ctx.body(), FIELDS);
        const id = requiredString(body, 'id', { max: 200 });
        const chain = configuredChain(deps.chains, requiredString(body, 'chain'));
        const accountId = requiredString(body, 'accountId');
        if (!isValidAccountId(accountId)) throw new HttpError(400, 'accountId must be 1-128 printable characters', 'accountId');
        const rawTxid = optionalString(body, 'txid', { max: 200 });
        const rawDestination = optionalString(body, 'destination', { max: 200 });
        if (rawTxid === undefined && rawDestination === undefined) {
          throw new HttpError(400, 'send txid, destination or both', 'txid');
        }
        let txid: string | null = null;
        let destination: NormalisedAddress | null = null;
        try {
          if (rawTxid !== undefined) txid = normaliseTxid(rawTxid, chain.family);
        } catch (err) {
          throw toHttpError(err, 'txid') ?? err;
        }
        try {
          if (rawDestination !== undefined) destination = normaliseForFamily(rawDestination, chain.family);
        } catch (err) {
          throw toHttpError(err, 'destination') ?? err;
        }

        const recorded = await deps.store.accounts
          .recordWithdrawal({ id, chain: chain.id, txid, destination, accountId })
          .catch(async (err: unknown) => {
            if (isUniqueViolation(err) && txid !== null) {
              const other = await deps.store.accounts.findWithdrawalByTxid(chain.id, txid);
              throw new HttpError(409, `txid ${txid} is already registered as withdrawal ${other?.id ?? '(unknown)'}`, 'txid');
            }
            throw err;
          });
        const w = recorded.withdrawal;
        // Known fields are never overwritten: a different value is a contradiction, not an update.
        if (txid !== null && w.txid !== txid) {
          throw new HttpError(409, `withdrawal ${id} already has txid ${w.txid ?? ''}; not changed`, 'txid');
        }
        if (destination !== null && w.destination !== destination) {
          throw new HttpError(409, `withdrawal ${id} already has destination ${w.destination ?? ''}; not changed`, 'destination');
        }
        return { status: recorded.created ? 201 : 200, json: w };
      },
    },
  ];
}
