/** A list source that cannot be used at all (truncated, garbage, wrong format). Refused whole. */
export class ListParseError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly location?: string,
  ) {
    super(`list source ${source}${location ? ` (${location})` : ''} refused: ${reason}`);
    this.name = 'ListParseError';
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
