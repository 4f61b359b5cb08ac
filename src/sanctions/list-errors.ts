import { redactSourceUrl, redactUrlsIn } from './source-url.js';

/**
 * A list source that cannot be used at all (truncated, garbage, wrong format). Refused whole.
 * Its message is logged, stored with the refused refresh and paged, so the source and any URL
 * in the reason are redacted here (credentials in a source URL never travel further).
 */
export class ListParseError extends Error {
  readonly source: string;
  readonly reason: string;

  constructor(
    source: string,
    reason: string,
    readonly location?: string,
  ) {
    const shown = redactSourceUrl(source);
    const why = redactUrlsIn(reason);
    super(`list source ${shown}${location ? ` (${location})` : ''} refused: ${why}`);
    this.name = 'ListParseError';
    this.source = shown;
    this.reason = why;
  }
}

/** A refresh that parsed but would weaken screening (e.g. drops too many entries). */
export class ListRefreshRefused extends Error {
  constructor(
    readonly listId: string,
    readonly reason: string,
  ) {
    super(`list ${listId}: refresh refused, last good snapshot kept: ${reason}`);
    this.name = 'ListRefreshRefused';
  }
}
