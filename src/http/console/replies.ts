/** The console's replies: HTML pages with a strict content policy, and redirects. */
import type { Reply } from '../router.js';
import { toHtmlString, type SafeHtml } from './html.js';

/** No script at all, styles and images from the console only, forms post to it only, never framed. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export function htmlReply(status: number, page: SafeHtml, headers: Readonly<Record<string, string>> = {}): Reply {
  return { status, text: toHtmlString(page), contentType: 'text/html; charset=utf-8', headers: { ...SECURITY_HEADERS, ...headers } };
}

/** 303: the browser follows with a GET (after a form post, a reload does not post again). */
export function redirect(location: string, headers: Readonly<Record<string, string>> = {}): Reply {
  return { status: 303, text: '', contentType: 'text/plain; charset=utf-8', headers: { ...SECURITY_HEADERS, ...headers, location } };
}
