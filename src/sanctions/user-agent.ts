import { readFileSync } from 'node:fs';

/**
 * The User-Agent list downloads send. OFAC's list service sits behind a web application
 * firewall (since 2026-07-30) that refuses a client whose User-Agent does not start with
 * `Mozilla/` and a digit, or is shorter than 40 characters; Node's own (`node`) is refused.
 */
export const CORDON_VERSION = readVersion();

/** Passes OFAC's firewall and names Cordon and its version. */
export const DEFAULT_USER_AGENT = `Mozilla/5.0 (compatible; Cordon/${CORDON_VERSION}; +sanctions screening)`;

const OFAC_WAF_MIN_LENGTH = 40;

/** Why OFAC's firewall would refuse `userAgent`, or undefined if it passes. */
export function ofacWafRefusal(userAgent: string): string | undefined {
  if (!/^Mozilla\/\d/.test(userAgent)) return 'does not start with "Mozilla/" and a digit';
  if (userAgent.length < OFAC_WAF_MIN_LENGTH) {
    return `is ${userAgent.length} characters long, shorter than ${OFAC_WAF_MIN_LENGTH}`;
  }
  return undefined;
}

function readVersion(): string {
  try {
    // src/sanctions/ and dist/sanctions/ both sit two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
