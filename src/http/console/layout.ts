/** The frame of every console page: skip link, navigation, who is signed in, sign-out. */
import { html, type HtmlValue, type SafeHtml } from './html.js';
import type { ConsoleSession } from './session.js';
import { CONSOLE_CSS_PATH } from './style.js';

export const CONSOLE_ROOT = '/console';

export interface PageFrame {
  readonly title: string;
  /** Null on the sign-in page. */
  readonly session: ConsoleSession | null;
  /** Which navigation entry is the current page. */
  readonly section?: 'holds' | 'lists';
  readonly main: HtmlValue;
}

/** A hidden field with the session's CSRF token: every state-changing form has one. */
export function csrfField(session: ConsoleSession): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${session.csrfToken}">`;
}

function nav(session: ConsoleSession, section: PageFrame['section']): SafeHtml {
  const link = (href: string, label: string, key: PageFrame['section']) =>
    html`<a href="${href}"${section === key ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<nav aria-label="Console">
    ${link(`${CONSOLE_ROOT}/holds`, 'Holds', 'holds')}
    ${link(`${CONSOLE_ROOT}/lists`, 'Lists', 'lists')}
  </nav>
  <form class="sign-out" method="post" action="${CONSOLE_ROOT}/sign-out">
    ${csrfField(session)}
    <span>Signed in as <strong>${session.analyst}</strong></span>
    <button type="submit">Sign out</button>
  </form>`;
}

export function layout(frame: PageFrame): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Cordon</title>
<link rel="stylesheet" href="${CONSOLE_CSS_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <a class="brand" href="${CONSOLE_ROOT}/holds">Cordon</a>
  ${frame.session === null ? '' : nav(frame.session, frame.section)}
</header>
<main id="main" tabindex="-1">
${frame.main}
</main>
</body>
</html>
`;
}

/** A message the analyst must see: an error (role=alert) or a confirmation (role=status). */
export function notice(kind: 'error' | 'done', text: string): SafeHtml {
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/** A time as UTC, to the second (analysts compare it with logs and chain explorers). */
export function utc(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
