/** The lists in force and the versions awaiting approval, each linked to its diff. */
import type { PendingInfo, SnapshotInfo } from '../../sanctions/snapshot-store.js';
import { html, type SafeHtml } from './html.js';
import { CONSOLE_ROOT, layout, utc } from './layout.js';
import type { ConsoleSession } from './session.js';

export interface ListRow {
  readonly active: SnapshotInfo;
  readonly pending: PendingInfo | null;
}

export function pendingPath(listId: string): string {
  return `${CONSOLE_ROOT}/lists/${encodeURIComponent(listId)}/pending`;
}

export function listsPage(session: ConsoleSession, rows: readonly ListRow[] | null): SafeHtml {
  const main = html`<h1>Lists</h1>
  ${rows === null
    ? html`<p>This process serves no lists (no lists store is wired to its API).</p>`
    : rows.length === 0
      ? html`<p>No list is loaded yet.</p>`
      : html`<table><thead><tr><th scope="col">List</th><th scope="col">Active version</th><th scope="col">Entries</th><th scope="col">Fetched</th><th scope="col">Source</th><th scope="col">Awaiting approval</th></tr></thead><tbody>
      ${rows.map((r) => html`<tr><td>${r.active.listId}</td><td>v${r.active.version}</td><td class="num">${r.active.entryCount}</td><td>${utc(r.active.fetchedAt)}</td>
        <td class="mono">${r.active.source}</td>
        <td>${r.pending === null ? html`<span class="muted">nothing</span>` : html`<a href="${pendingPath(r.active.listId)}">version from ${utc(r.pending.fetchedAt)} (${r.pending.entryCount} entries): see its diff</a>`}</td></tr>`)}
    </tbody></table>`}`;
  return layout({ title: 'Lists', session, section: 'lists', main });
}
