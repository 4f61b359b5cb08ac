/**
 * HTML escaping, in one place: every console page is built with the `html` template tag, which
 * escapes each interpolated value unless it is already `SafeHtml` (made only here). A value from
 * the store, the chain or a list (an entity name, a reason an analyst typed) cannot become markup.
 */

export interface SafeHtml {
  readonly __safeHtml: string;
}

/** What may be interpolated: text (escaped), markup made by `html`, lists of either; null, undefined and false render nothing. */
export type HtmlValue = SafeHtml | string | number | bigint | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside an element or a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'object' && '__safeHtml' in value) return value.__safeHtml;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${name}</p>\``: the literal parts are markup, every value is escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return { __safeHtml: out };
}

/** The markup as a string, to send. */
export function toHtmlString(value: SafeHtml): string {
  return value.__safeHtml;
}
