/** The queue: holds newest first, counts by state, filters by state, chain, account and list. */
import { HOLD_STATES, type HoldState, type StoredHold } from '../../store/holds-repo.js';
import { html, type SafeHtml } from './html.js';
import { holdPath, shortAmount, shortHex, stateBadge } from './hold-view.js';
import { CONSOLE_ROOT, layout, utc } from './layout.js';
import type { ConsoleSession } from './session.js';

export interface QueueFilter {
  readonly state?: HoldState;
  readonly chain?: string;
  readonly account?: string;
  readonly list?: string;
}

export interface QueueView {
  readonly session: ConsoleSession;
  readonly filter: QueueFilter;
  readonly holds: readonly StoredHold[];
  /** How many holds are in each state (all holds, not only the filtered ones). */
  readonly counts: Partial<Record<HoldState, number>>;
  readonly chains: readonly string[];
  readonly lists: readonly string[];
  /** At most this many are shown. */
  readonly limit: number;
}

export function queuePath(f: QueueFilter): string {
  const q = new URLSearchParams();
  if (f.state !== undefined) q.set('state', f.state);
  if (f.chain !== undefined) q.set('chain', f.chain);
  if (f.account !== undefined) q.set('account', f.account);
  if (f.list !== undefined) q.set('list', f.list);
  const s = q.toString();
  return `${CONSOLE_ROOT}/holds${s === '' ? '' : `?${s}`}`;
}

function options(values: readonly string[], selected: string | undefined, anyLabel: string): SafeHtml {
  return html`<option value="">${anyLabel}</option>${values.map(
    (v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${v}</option>`,
  )}`;
}

function counts(v: QueueView): SafeHtml {
  const total = HOLD_STATES.reduce((n, s) => n + (v.counts[s] ?? 0), 0);
  const item = (label: string, n: number, state: HoldState | undefined) =>
    html`<li><a href="${queuePath({ ...v.filter, state })}" aria-current="${v.filter.state === state ? 'true' : 'false'}">${label} <strong>${n}</strong></a></li>`;
  return html`<ul class="counts" aria-label="Holds by state">
    ${item('all', total, undefined)}
    ${HOLD_STATES.map((s) => item(s, v.counts[s] ?? 0, s))}
  </ul>`;
}

function filters(v: QueueView): SafeHtml {
  return html`<form class="filters" method="get" action="${CONSOLE_ROOT}/holds" aria-label="Filter holds">
    <div><label for="f-state">State</label><select id="f-state" name="state">${options(HOLD_STATES, v.filter.state, 'any state')}</select></div>
    <div><label for="f-chain">Chain</label><select id="f-chain" name="chain">${options(v.chains, v.filter.chain, 'any chain')}</select></div>
    <div><label for="f-account">Account</label><input id="f-account" name="account" value="${v.filter.account ?? ''}" placeholder="account id"></div>
    <div><label for="f-list">List</label><select id="f-list" name="list">${options(v.lists, v.filter.list, 'any list')}</select></div>
    <button type="submit">Filter</button>
    <a href="${CONSOLE_ROOT}/holds">Clear</a>
  </form>`;
}

function row(h: StoredHold): SafeHtml {
  return html`<tr>
    <td><a href="${holdPath(h.id)}">Hold #${h.id}</a></td>
    <td>${utc(h.createdAt)}</td>
    <td>${stateBadge(h.state)}${h.basis === 'in_force' ? '' : html` <span class="muted">basis ${h.basis}</span>`}</td>
    <td>${h.chain}</td>
    <td>${h.accountId}</td>
    <td>${h.direction}</td>
    <td class="num" title="${h.amount} base units">${shortAmount(h)}</td>
    <td><span class="mono" title="${h.counterparty}">${shortHex(h.counterparty)}</span></td>
    <td>${h.entityName ?? html`<span class="muted">unnamed</span>`}<br><span class="muted">${h.programs.join(', ')}</span></td>
    <td>${h.listId} v${h.listVersion}</td>
  </tr>`;
}

export function queuePage(v: QueueView): SafeHtml {
  const main = html`<h1>Holds</h1>
  ${counts(v)}
  ${filters(v)}
  ${v.holds.length === 0
    ? html`<p>No holds match.</p>`
    : html`<table>
    <caption class="muted">${v.holds.length === v.limit ? `The newest ${v.limit} holds that match` : `${v.holds.length} ${v.holds.length === 1 ? 'hold' : 'holds'}, newest first`}</caption>
    <thead><tr><th scope="col">Hold</th><th scope="col">Raised</th><th scope="col">State</th><th scope="col">Chain</th><th scope="col">Account</th>
      <th scope="col">Direction</th><th scope="col">Amount</th><th scope="col">Counterparty</th><th scope="col">Entity and programs</th><th scope="col">List</th></tr></thead>
    <tbody>${v.holds.map(row)}</tbody>
  </table>`}`;
  return layout({ title: 'Holds', session: v.session, section: 'holds', main });
}
