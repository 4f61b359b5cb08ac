/**
 * Credentials for Bitcoin Core's JSON-RPC, from (first that applies):
 *
 * 1. the endpoint URL's user info, `http://user:password@host:8332` (the config file can
 *    write it as `http://${BTC_RPC_USER}:${BTC_RPC_PASSWORD}@host:8332`);
 * 2. `CORDON_<CHAIN>_RPC_USER` and `CORDON_<CHAIN>_RPC_PASSWORD` (rpcauth / rpcuser);
 * 3. `CORDON_<CHAIN>_RPC_COOKIE`: the path of the node's `.cookie` file (`__cookie__:<hex>`,
 *    rewritten by the node at every start; re-read when the node answers 401).
 *
 * `<CHAIN>` is the chain id upper-cased with `-` as `_` (chain `bitcoin-testnet` →
 * `CORDON_BITCOIN_TESTNET_RPC_USER`). REST needs no credentials (Core serves it without auth).
 */
import { readFile } from 'node:fs/promises';

export interface CoreAuth {
  /** `Basic …` for the Authorization header, or undefined to send none. */
  header(): Promise<string | undefined>;
  /** After a 401: re-read a cookie file. True if the credentials changed (worth one more try). */
  refresh(): Promise<boolean>;
  /** Where the credentials come from, for errors (never the secret itself). */
  readonly source: string;
}

export function envPrefix(chain: string): string {
  return `CORDON_${chain.toUpperCase().replace(/-/g, '_')}_RPC_`;
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The URL without user info (safe to keep around), and the credentials it carried. */
export function splitUrlCredentials(url: string): { readonly url: string; readonly user?: string; readonly password?: string } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { url };
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  return { url: u.toString(), user, password };
}

export function coreAuth(opts: { readonly url: string; readonly chain: string; readonly env: NodeJS.ProcessEnv }): CoreAuth {
  const fromUrl = splitUrlCredentials(opts.url);
  if (fromUrl.user !== undefined) {
    const h = basic(fromUrl.user, fromUrl.password ?? '');
    return { header: async () => h, refresh: async () => false, source: 'the user and password in the endpoint URL' };
  }
  const prefix = envPrefix(opts.chain);
  const user = opts.env[`${prefix}USER`];
  const password = opts.env[`${prefix}PASSWORD`];
  if (user !== undefined && user !== '') {
    const h = basic(user, password ?? '');
    return { header: async () => h, refresh: async () => false, source: `${prefix}USER / ${prefix}PASSWORD` };
  }
  const cookiePath = opts.env[`${prefix}COOKIE`];
  if (cookiePath !== undefined && cookiePath !== '') {
    let cached: string | undefined;
    const read = async (): Promise<string> => {
      let text: string;
      try {
        text = (await readFile(cookiePath, 'utf8')).trim();
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`cannot read the Bitcoin Core cookie file named by ${prefix}COOKIE (${cookiePath}): ${reason}`);
      }
      const colon = text.indexOf(':');
      if (colon < 0) throw new Error(`the cookie file ${cookiePath} (${prefix}COOKIE) is not "user:password"`);
      return basic(text.slice(0, colon), text.slice(colon + 1));
    };
    return {
      async header() {
        cached ??= await read();
        return cached;
      },
      async refresh() {
        const before = cached;
        cached = await read();
        return cached !== before;
      },
      source: `the cookie file ${cookiePath} (${prefix}COOKIE)`,
    };
  }
  return {
    header: async () => undefined,
    refresh: async () => false,
    source: `no credentials (set them in the endpoint URL, ${prefix}USER / ${prefix}PASSWORD, or ${prefix}COOKIE)`,
  };
}
