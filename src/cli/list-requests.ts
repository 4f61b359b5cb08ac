import type { ListConfig } from '../config/schema.js';
import { listId } from '../domain/sanction-entry.js';
import type { Approver, RefreshRequest } from '../sanctions/refresh-list.js';
import { redactSourceUrl } from '../sanctions/source-url.js';

/**
 * The refresh a configured list asks for, optionally from another source (an import by hand).
 * A source URL with credentials travels as `sourceWithCredentials`; `source` (logged, stored
 * with the snapshot, alerted) shows it redacted.
 */
export function refreshRequestFor(list: ListConfig, overrides: { source?: string; allowDrop?: boolean; approval?: Approver } = {}): RefreshRequest {
  const source = overrides.source ?? list.source;
  const shown = redactSourceUrl(source);
  return {
    listId: listId(list.id),
    format: list.format,
    source: shown,
    ...(shown === source ? {} : { sourceWithCredentials: source }),
    ...(list.ticker === undefined ? {} : { ticker: list.ticker }),
    programs: list.programs,
    timeout: list.timeout,
    ...(list.userAgent === undefined ? {} : { userAgent: list.userAgent }),
    ...(list.maxBytes === undefined ? {} : { maxBytes: list.maxBytes }),
    maxDropShare: list.maxDropShare,
    allowDrop: overrides.allowDrop ?? false,
    ...(overrides.approval === undefined ? {} : { approval: overrides.approval }),
  };
}
