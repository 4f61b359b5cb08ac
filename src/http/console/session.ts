/**
 * Console sessions: signing in with the API token gives a signed session cookie, valid for a
 * working day. Stateless on purpose (an HMAC under a key derived from the API token, no table):
 * every process serving the API accepts it, a restart does not sign analysts out, and changing
 * `CORDON_API_TOKEN` ends every session at once. The price: one session cannot be revoked
 * alone before it expires (signing out deletes the cookie in that browser).
 *
 * The CSRF token of a session is an HMAC of its id: a form carries it, a request from another
 * site cannot know it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'cordon_console';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** The analyst's name is recorded as the actor of each decision. */
export const MAX_ANALYST_LENGTH = 100;

export interface ConsoleSession {
  /** Random, per sign-in. */
  readonly id: string;
  /** Who signed in: the actor of every decision made in this session. */
  readonly analyst: string;
  readonly expiresAt: Date;
  /** To put in every state-changing form. */
  readonly csrfToken: string;
}

function sessionKey(apiToken: string): Buffer {
  return createHmac('sha256', apiToken).update('cordon console session v1').digest();
}

function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks an analyst's name as typed at sign-in; returns it trimmed, or throws saying what is wrong. */
export function analystName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new Error('your name is required: it is recorded with every decision you make');
  if (name.length > MAX_ANALYST_LENGTH) throw new Error(`your name is longer than ${MAX_ANALYST_LENGTH} characters`);
  if (/\p{Cc}/u.test(name)) throw new Error('your name contains control characters');
  return name;
}

/** A new session for `analyst` and its cookie value. */
export function issueSession(apiToken: string, analyst: string, now: Date): { session: ConsoleSession; cookie: string } {
  const key = sessionKey(apiToken);
  const id = randomBytes(16).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  const payload = `${id}.${expiresAt.getTime()}.${Buffer.from(analyst, 'utf8').toString('base64url')}`;
  return {
    session: { id, analyst, expiresAt, csrfToken: mac(key, `csrf.${id}`) },
    cookie: `${payload}.${mac(key, payload)}`,
  };
}

/** The session a cookie value carries, or null when it is absent, forged, or expired. */
export function readSession(apiToken: string, cookie: string | undefined, now: Date): ConsoleSession | null {
  if (cookie === undefined) return null;
  const parts = cookie.split('.');
  if (parts.length !== 4) return null;
  const [id = '', expires = '', analyst64 = '', signature = ''] = parts;
  const key = sessionKey(apiToken);
  if (!sameText(signature, mac(key, `${id}.${expires}.${analyst64}`))) return null;
  const expiresAt = new Date(Number(expires));
  if (!Number.isFinite(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime()) return null;
  return { id, analyst: Buffer.from(analyst64, 'base64url').toString('utf8'), expiresAt, csrfToken: mac(key, `csrf.${id}`) };
}

/** Whether a form's CSRF token is this session's. */
export function csrfMatches(session: ConsoleSession, given: string | null): boolean {
  return given !== null && sameText(given, session.csrfToken);
}
