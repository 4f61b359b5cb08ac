/** A page that only says something: a refusal, a missing hold, a bad filter. */
import { html, type SafeHtml } from './html.js';
import { CONSOLE_ROOT, layout, notice } from './layout.js';
import type { ConsoleSession } from './session.js';

export function messagePage(session: ConsoleSession | null, title: string, text: string): SafeHtml {
  const main = html`<h1>${title}</h1>${notice('error', text)}
  <p>${session === null ? html`<a href="${CONSOLE_ROOT}/sign-in">Sign in</a>` : html`<a href="${CONSOLE_ROOT}/holds">Back to the holds</a>`}</p>`;
  return layout({ title, session, main });
}
