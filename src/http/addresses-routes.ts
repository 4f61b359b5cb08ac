/** `POST /v1/addresses`: the exchange adds a deposit address or hot wallet as it creates one. */
import { isValidAccountId, isWatchedKind } from '../accounts/accounts-csv.js';
import { normaliseForFamily, type NormalisedAddress } from '../domain/address.js';
import { WATCHED_KINDS } from '../store/accounts-repo.js';
import { bodyObject, requiredString } from './body.js';
import { configuredChain } from './chains.js';
import type { HttpDeps } from './deps.js';
import { toHttpError } from './errors.js';
import { HttpError, type Route } from './router.js';

const FIELDS = ['chain', 'address', 'accountId', 'kind'] as const;

export function addressesRoutes(deps: HttpDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/addresses',
      auth: 'token',
      async handle(ctx) {
        const body = bodyObject(await ctx.body(), FIELDS);
        const chain = configuredChain(deps.chains, requiredString(body, 'chain'));
        const rawAddress = requiredString(body, 'address', { max: 200 });
        let address: NormalisedAddress;
        try {
          address = normaliseForFamily(rawAddress, chain.family);
        } catch (err) {
          throw toHttpError(err, 'address') ?? err;
        }
        const accountId = requiredString(body, 'accountId');
        if (!isValidAccountId(accountId)) throw new HttpError(400, 'accountId must be 1-128 printable characters', 'accountId');
        const kind = requiredString(body, 'kind');
        if (!isWatchedKind(kind)) throw new HttpError(400, `kind must be ${WATCHED_KINDS.join(' or ')}`, 'kind');

        const before = await deps.store.accounts.findWatchedAddress(chain.id, address);
        const stored = await deps.store.accounts.upsertWatchedAddress({ chain: chain.id, address, accountId, kind });
        if (before !== null && (before.accountId !== accountId || before.kind !== kind)) {
          ctx.log.warn(
            { chain: chain.id, address, from: { accountId: before.accountId, kind: before.kind }, to: { accountId, kind } },
            'watched address re-assigned by the exchange',
          );
        }
        return { status: 201, json: stored };
      },
    },
  ];
}
