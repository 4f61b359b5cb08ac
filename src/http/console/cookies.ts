/** Reading the Cookie header and writing the console's session cookie. */

/** The cookies of a request (first value wins; a malformed pair is skipped). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name !== '' && !out.has(name)) out.set(name, value);
  }
  return out;
}

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. */
  readonly maxAgeSeconds: number;
  /** Only over TLS (the browser will not send it over plain HTTP). */
  readonly secure: boolean;
  readonly path: string;
}

/**
 * A `Set-Cookie` value that scripts cannot read (HttpOnly) and that no other site's page can make
 * the browser send (SameSite=Strict). `value` must be cookie-safe (the session's is base64url and dots).
 */
export function setCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path}`, `Max-Age=${o.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}
