/**
 * What of a list source may be shown. A source URL may carry credentials (`user:password@`, an
 * `?apikey=`); everything that logs, stores or alerts a source shows `redactSourceUrl(source)`.
 */
const CENSOR = '***';
const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;
/** URLs inside free text (error messages): up to whitespace, a quote or a bracket. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/**
 * The source with any user:password replaced by `***@` and every query-string value (and a
 * fragment) replaced by `***`: `https://u:p@host/x?apikey=K&v=2` → `https://***@host/x?apikey=***&v=***`.
 * A file path is returned as it is. The path is kept: do not put secrets in a URL's path.
 */
export function redactSourceUrl(source: string): string {
  if (!URL_START.test(source)) return source;
  const schemeEnd = source.indexOf('://') + 3;
  const rest = source.slice(schemeEnd);
  // Split by hand rather than through URL: the shown form must not depend on URL's parsing
  // (a malformed URL is redacted too) nor re-encode what the operator wrote.
  const authorityEnd = firstIndexOf(rest, ['/', '?', '#']);
  const authority = rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const host = at < 0 ? authority : `${CENSOR}@${authority.slice(at + 1)}`;
  let tail = rest.slice(authorityEnd);
  let fragment = '';
  const hash = tail.indexOf('#');
  if (hash >= 0) {
    fragment = `#${CENSOR}`;
    tail = tail.slice(0, hash);
  }
  const q = tail.indexOf('?');
  const path = q < 0 ? tail : tail.slice(0, q);
  const query = q < 0 ? '' : `?${redactQuery(tail.slice(q + 1))}`;
  return `${source.slice(0, schemeEnd)}${host}${path}${query}${fragment}`;
}

/** `text` with every URL in it redacted (for error messages that embed the URL they failed on). */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactSourceUrl(url));
}

function redactQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      // A bare `?token` may be the secret itself.
      return eq < 0 ? (pair === '' ? '' : CENSOR) : `${pair.slice(0, eq)}=${CENSOR}`;
    })
    .join('&');
}

function firstIndexOf(s: string, chars: readonly string[]): number {
  let best = s.length;
  for (const c of chars) {
    const i = s.indexOf(c);
    if (i >= 0 && i < best) best = i;
  }
  return best;
}
