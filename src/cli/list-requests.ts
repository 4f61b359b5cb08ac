import type { ListConfig } from '../config/schema.js';
import { listId } from '../domain/sanction-entry.js';
import type { Approver, RefreshRequest } from '../sanctions/refresh-list.js';

/** The refresh a configured list asks for, optionally from another source (an import by hand). */
export function refreshRequestFor(list: ListConfig, overrides: { source?: string; allowDrop?: boolean; approval?: Approver } = {}): RefreshRequest {
  return {
    listId: listId(list.id),
    format: list.format,
    source: overrides.source ?? list.source,
    ...(list.ticker === undefined ? {} : { ticker: list.ticker }),
    programs: list.programs,
    timeout: list.timeout,
    maxDropShare: list.maxDropShare,
    allowDrop: overrides.allowDrop ?? false,
    ...(overrides.approval === undefined ? {} : { approval: overrides.approval }),
  };
}
