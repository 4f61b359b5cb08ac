/**
 * `GET /v1/screen/:address?chain=`: is this address on a list in force? With a chain, the
 * address must be valid for that chain's family; without one, every reading is checked.
 */
import type { SanctionEntry } from '../domain/sanction-entry.js';
import { screenVerdict } from '../sanctions/screen-address.js';
import { configuredChain } from './chains.js';
import type { HttpDeps } from './deps.js';
import { HttpError, type Route } from './router.js';

function entryJson(e: SanctionEntry) {
  return {
    listId: e.listId,
    listVersion: e.listVersion,
    entryUid: e.entryUid,
    entityName: e.entityName,
    programs: e.programs,
    ticker: e.ticker,
    family: e.family,
    address: e.address,
  };
}

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
        const verdict = screenVerdict(index, raw, chain?.family);
        if (verdict.status === 'invalid') {
          // Never "not listed" for what could not be read as an address: 400 with why.
          return {
            status: 400,
            json: {
              error: `invalid address: ${verdict.reason}`,
              field: 'address',
              address: raw,
              ...(verdict.lowerCase === undefined
                ? {}
                : { lowerCase: { address: verdict.lowerCase.address, listed: verdict.lowerCase.matches.length > 0, matches: verdict.lowerCase.matches.map(entryJson) } }),
            },
          };
        }
        return {
          status: 200,
          json: {
            address: raw,
            chain: chain?.id ?? null,
            status: verdict.status,
            listed: verdict.status === 'listed',
            readings: verdict.readings,
            matches: verdict.matches.map(entryJson),
          },
        };
      },
    },
  ];
}
