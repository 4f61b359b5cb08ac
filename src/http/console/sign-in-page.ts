/** The sign-in page: the API token (never shown back, never logged) and the analyst's name. */
import { html, type SafeHtml } from './html.js';
import { CONSOLE_ROOT, layout, notice } from './layout.js';

export interface SignInView {
  /** Where to go once signed in (a console path). */
  readonly next: string;
  readonly analyst?: string;
  readonly error?: string;
  /** The API token is not configured: nobody can sign in. */
  readonly disabled?: boolean;
}

export function signInPage(v: SignInView): SafeHtml {
  const main = html`<h1>Sign in to the Cordon console</h1>
  ${v.error === undefined ? '' : notice('error', v.error)}
  ${v.disabled === true
    ? notice('error', 'The console is disabled: set CORDON_API_TOKEN for the service and restart it.')
    : html`<form class="sign-in" method="post" action="${CONSOLE_ROOT}/sign-in">
    <input type="hidden" name="next" value="${v.next}">
    <label for="analyst">Your name (recorded with every decision you make)
      <input id="analyst" name="analyst" autocomplete="name" required maxlength="100" value="${v.analyst ?? ''}" autofocus>
    </label>
    <label for="token">API token (CORDON_API_TOKEN)
      <input id="token" name="token" type="password" autocomplete="current-password" required>
    </label>
    <button type="submit">Sign in</button>
  </form>`}`;
  return layout({ title: 'Sign in', session: null, main });
}
