/**
 * `GET /v1/screen/:address?chain=`: is this address on a list in force? With a chain, the
 * address must be valid for that chain's family; without one, every reading is checked.
 */
import { screenAddress, type ScreenResult } from '../sanctions/screen-address.js';
import { configuredChain } from './chains.js';
import type { HttpDeps } from './deps.js';
import { toHttpError } from './errors.js';
import { HttpError, type Route } from './router.js';

export function screenRoutes(deps: HttpDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/screen/:address',
      auth: 'token',
      async handle(ctx) {
        const raw = ctx.params['address'] ?? '';
        if (raw.length > 200) throw new HttpError(400, 'address is longer than 200 characters', 'address');
        const chainId = ctx.query.get('chain');
        const chain = chainId === null || chainId === '' ? null : configuredChain(deps.chains, chainId);
        const index = deps.addressIndex();
        if (index === null) {
          throw new HttpError(503, 'the sanctions lists are not loaded yet; retry shortly', undefined, { 'retry-after': '5' });
        }
        let result: ScreenResult;
        try {
          result = screenAddress(index, raw, chain?.family);
        } catch (err) {
          throw toHttpError(err, 'address') ?? err;
        }
        return {
          status: 200,
          json: {
            address: raw,
            chain: chain?.id ?? null,
            listed: result.matches.length > 0,
            readings: result.readings,
            matches: result.matches.map((e) => ({
              listId: e.listId,
              listVersion: e.listVersion,
              entryUid: e.entryUid,
              entityName: e.entityName,
              programs: e.programs,
              ticker: e.ticker,
              family: e.family,
              address: e.address,
            })),
          },
        };
      },
    },
  ];
}
