/** A list version awaiting approval: why it waits, and what it adds, removes and changes against the active version. */
import type { EntryDraft } from '../../domain/sanction-entry.js';
import type { PartyCount } from '../../sanctions/entry-diff.js';
import type { PendingDiff } from '../../sanctions/refresh-list.js';
import { html, type SafeHtml } from './html.js';
import { CONSOLE_ROOT, layout, utc } from './layout.js';
import type { ConsoleSession } from './session.js';

/** Rows shown per table: a delisting of thousands stays a page a browser renders at once. */
const MAX_ROWS = 500;

function parties(title: string, list: readonly PartyCount[]): SafeHtml {
  if (list.length === 0) return html``;
  return html`<p><strong>${title}:</strong> ${list.map((p, i) => html`${i > 0 ? ', ' : ''}${p.name ?? 'unnamed'}${p.sdnId === null ? '' : ` (SDN ${p.sdnId})`}: ${p.count}`)}</p>`;
}

function entryRows(entries: readonly EntryDraft[]): SafeHtml {
  return html`${entries.slice(0, MAX_ROWS).map((e) => html`<tr><td class="mono">${e.entryUid}</td><td>${e.entityName ?? ''}</td><td>${e.programs.join(', ')}</td><td class="mono">${e.address}</td></tr>`)}`;
}

function entryTable(id: string, title: string, entries: readonly EntryDraft[]): SafeHtml {
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${title} (${entries.length})</h2>
  ${entries.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table><thead><tr><th scope="col">Entry id</th><th scope="col">Entity</th><th scope="col">Programs</th><th scope="col">Address</th></tr></thead>
      <tbody>${entryRows(entries)}</tbody></table>${entries.length > MAX_ROWS ? html`<p class="muted">The first ${MAX_ROWS} of ${entries.length}; the CLI (\`cordon lists diff --pending\`) shows all.</p>` : ''}`}
  </section>`;
}

export function pendingPage(session: ConsoleSession, d: PendingDiff): SafeHtml {
  const changed = d.diff.changed.slice(0, MAX_ROWS);
  const main = html`<p><a href="${CONSOLE_ROOT}/lists">← Lists</a></p>
  <h1>${d.listId}: version awaiting approval</h1>
  <dl>
    <dt>Downloaded</dt><dd>${utc(d.pending.fetchedAt)}</dd>
    <dt>Source</dt><dd class="mono">${d.pending.source}</dd>
    ${d.pending.about === null ? '' : html`<dt>About</dt><dd>${d.pending.about}</dd>`}
    <dt>Why it waits</dt><dd>${d.pending.reason}</dd>
    <dt>Against</dt><dd>${d.activeVersion === null ? 'no active version' : `active version v${d.activeVersion}`}</dd>
    <dt>Entries</dt><dd>${d.entries}: adds ${d.summary.added}, removes ${d.summary.removed}, changes ${d.summary.changed}</dd>
  </dl>
  ${parties('Removed, by party', d.summary.removedParties)}
  ${parties('Changed, by party', d.summary.changedParties)}
  <p class="muted">Approve with <code>cordon lists approve ${d.listId} --by NAME --reason TEXT</code> or <code>POST /v1/lists/${d.listId}/pending/approve</code>.</p>
  ${entryTable('h-removed', 'Removed', d.diff.removed)}
  ${entryTable('h-added', 'Added', d.diff.added)}
  <section aria-labelledby="h-changed"><h2 id="h-changed">Changed (${d.diff.changed.length})</h2>
  ${changed.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table><thead><tr><th scope="col">Entry id</th><th scope="col">Entity</th><th scope="col">Programs before</th><th scope="col">Programs after</th></tr></thead><tbody>
      ${changed.map((c) => html`<tr><td class="mono">${c.after.entryUid}</td><td>${c.after.entityName ?? ''}</td><td>${c.before.programs.join(', ')}</td><td>${c.after.programs.join(', ')}</td></tr>`)}
    </tbody></table>`}
  </section>`;
  return layout({ title: `${d.listId} pending`, session, section: 'lists', main });
}
