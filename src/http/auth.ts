/**
 * Bearer-token auth for the /v1 API. The token comes from `CORDON_API_TOKEN` (the caller passes
 * the value in). Without one, /v1 is refused with 503 rather than left open. Never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './router.js';

export const API_TOKEN_ENV = 'CORDON_API_TOKEN';
export const MIN_TOKEN_LENGTH = 16;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time comparison: both sides are hashed to equal length first. */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Throws the 401 or 503 this request gets, or returns when it may proceed. */
export function requireToken(authorization: string | undefined, token: string | undefined): void {
  if (token === undefined || token === '') {
    throw new HttpError(503, `the API is disabled: set ${API_TOKEN_ENV} to a secret of at least ${MIN_TOKEN_LENGTH} characters and restart`);
  }
  const challenge = { 'www-authenticate': 'Bearer realm="cordon"' };
  const m = BEARER.exec(authorization ?? '');
  if (m === null) throw new HttpError(401, 'send Authorization: Bearer <token>', undefined, challenge);
  if (!tokensEqual(m[1] ?? '', token)) throw new HttpError(401, 'wrong token', undefined, challenge);
}

/** Refuses a token too short to be a secret (checked when the server starts). */
export function checkConfiguredToken(token: string | undefined): void {
  if (token !== undefined && token !== '' && token.length < MIN_TOKEN_LENGTH) {
    throw new Error(`${API_TOKEN_ENV} is ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (e.g. \`openssl rand -hex 32\`)`);
  }
}
