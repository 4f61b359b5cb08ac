import type { AccountChain } from '../accounts/accounts-csv.js';
import { HttpError } from './router.js';

/** The configured chain named `id`, or a 400 naming `field`. */
export function configuredChain(chains: readonly AccountChain[], id: string, field = 'chain'): AccountChain {
  const chain = chains.find((c) => c.id === id);
  if (chain === undefined) {
    const known = chains.length === 0 ? 'none configured' : `configured: ${chains.map((c) => c.id).join(', ')}`;
    throw new HttpError(400, `unknown chain "${id}" (${known})`, field);
  }
  return chain;
}
