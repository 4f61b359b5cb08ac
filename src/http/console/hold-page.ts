/**
 * One hold, with everything needed to decide about it: the transfer, the counterparty, the list
 * entry that requires it (and where in the source it was read), later list changes to that
 * entry, the audit trail, the deliveries to the exchange, and the release / confirm forms.
 */
import { allowedActions } from '../../domain/hold.js';
import { describeLocation, type SanctionEntry } from '../../domain/sanction-entry.js';
import type { HoldDetails } from '../../holds/index.js';
import type { StoredHold } from '../../store/holds-repo.js';
import { html, type SafeHtml } from './html.js';
import { amountText, holdPath, shortAmount, stateBadge } from './hold-view.js';
import { CONSOLE_ROOT, csrfField, layout, notice, utc } from './layout.js';
import type { ConsoleSession } from './session.js';

export type HoldDecision = 'release' | 'confirm';

export interface HoldView {
  readonly session: ConsoleSession;
  readonly details: HoldDetails;
  /** The cited entry as stored with its list version; null when that version is no longer stored. */
  readonly entry: SanctionEntry | null;
  /** A decision just recorded (after the redirect). */
  readonly done?: HoldDecision;
  /** Why a decision was refused, and what the analyst had typed. */
  readonly error?: { readonly decision: HoldDecision; readonly message: string; readonly reason: string };
}

function transfer(h: StoredHold): SafeHtml {
  return html`<section aria-labelledby="h-transfer"><h2 id="h-transfer">Transfer</h2><dl>
    <dt>Chain</dt><dd>${h.chain}</dd>
    <dt>Transaction</dt><dd class="mono">${h.txid}</dd>
    <dt>Payment</dt><dd class="mono">${h.transferId}</dd>
    <dt>Block</dt><dd>#${h.blockNumber} <span class="mono muted">${h.blockHash}</span></dd>
    <dt>Confirmations when raised</dt><dd>${h.confirmations}</dd>
    <dt>Direction</dt><dd>${h.direction === 'deposit' ? 'deposit (into the exchange)' : 'withdrawal (out of the exchange)'}</dd>
    <dt>Amount</dt><dd>${amountText(h)}</dd>
    <dt>Asset</dt><dd class="mono">${h.asset}</dd>
    <dt>Account</dt><dd>${h.accountId}</dd>
    <dt>Hold key</dt><dd class="mono">${h.holdKey}</dd>
  </dl></section>`;
}

function listEntry(h: StoredHold, entry: SanctionEntry | null): SafeHtml {
  return html`<section aria-labelledby="h-entry"><h2 id="h-entry">Counterparty and list entry</h2><dl>
    <dt>Counterparty</dt><dd class="mono">${h.counterparty}</dd>
    <dt>Entity</dt><dd>${h.entityName ?? 'not named by the list'}</dd>
    <dt>Programs (legal basis)</dt><dd>${h.programs.length > 0 ? h.programs.join(', ') : 'none given by the list'}</dd>
    <dt>Authority</dt><dd>${h.authority ?? 'not recorded (hold raised before Cordon kept it)'}</dd>
    <dt>List</dt><dd>${h.listId} version ${h.listVersion}${h.retroactive ? ' (retroactive: the version listed the counterparty after the transfer)' : ''}</dd>
    <dt>Entry id</dt><dd class="mono">${h.entryUid}</dd>
    <dt>Read from</dt><dd class="mono">${entry === null ? 'not known (that list version is no longer stored)' : describeLocation(entry.source)}</dd>
    <dt>Basis</dt><dd>${h.basis === 'in_force' ? 'in force' : `${h.basis} by version ${h.basisVersion ?? '?'}`}</dd>
  </dl></section>`;
}

function basisEvents(d: HoldDetails): SafeHtml {
  return html`<section aria-labelledby="h-basis"><h2 id="h-basis">Later list changes to this entry</h2>
  ${d.basisEvents.length === 0
    ? html`<p class="muted">None: the entry stands as it was when the hold was raised.</p>`
    : html`<table><thead><tr><th scope="col">When</th><th scope="col">List version</th><th scope="col">Change</th><th scope="col">Programs before → after</th><th scope="col">Note</th></tr></thead><tbody>
      ${d.basisEvents.map((e) => html`<tr><td>${utc(e.at)}</td><td>${e.listId} v${e.listVersion}</td><td>${e.basis === 'withdrawn' ? 'entry removed (delisted)' : 'programs changed'}</td>
        <td>${e.programsBefore.join(', ')} → ${e.programsAfter === null ? '(removed)' : e.programsAfter.join(', ')}</td><td>${e.reason}</td></tr>`)}
    </tbody></table>`}
  </section>`;
}

function auditTrail(d: HoldDetails): SafeHtml {
  return html`<section aria-labelledby="h-audit"><h2 id="h-audit">Audit trail</h2>
  <table id="audit"><thead><tr><th scope="col">When</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Who</th><th scope="col">Reason</th></tr></thead><tbody>
    ${d.events.map((e) => html`<tr><td>${utc(e.at)}</td><td>${e.fromState ?? '—'}</td><td>${e.toState}</td><td>${e.actor}</td><td>${e.reason ?? ''}</td></tr>`)}
  </tbody></table></section>`;
}

function deliveries(d: HoldDetails): SafeHtml {
  const h = d.hold;
  return html`<section aria-labelledby="h-hook"><h2 id="h-hook">Deliveries to the exchange</h2>
  <p>Status <strong>${h.hookStatus}</strong>, revision ${h.hookRevision}${h.hookDeliveredAt === null ? '' : `, delivered ${utc(h.hookDeliveredAt)}`}${h.hookNextAttemptAt === null ? '' : `, next attempt ${utc(h.hookNextAttemptAt)}`}.</p>
  ${d.deliveries.length === 0
    ? html`<p class="muted">No attempt yet.</p>`
    : html`<table><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Outcome</th><th scope="col">HTTP status</th><th scope="col">Error</th></tr></thead><tbody>
      ${d.deliveries.map((a) => html`<tr><td>${a.attempt}</td><td>${utc(a.at)}</td><td>${a.outcome}</td><td>${a.statusCode ?? '—'}</td><td>${a.error ?? ''}</td></tr>`)}
    </tbody></table>`}
  </section>`;
}

function decisionForm(v: HoldView, decision: HoldDecision): SafeHtml {
  const id = `reason-${decision}`;
  const typed = v.error?.decision === decision ? v.error.reason : '';
  const label = decision === 'release' ? 'Release hold' : 'Confirm hold';
  const help = decision === 'release' ? 'The funds are freed: say why (e.g. false positive, case number).' : 'The match is the sanctioned party: the funds stay frozen.';
  return html`<form method="post" action="${holdPath(v.details.hold.id)}/${decision}" aria-labelledby="${id}-title">
    <h3 id="${id}-title">${decision === 'release' ? 'Release' : 'Confirm'}</h3>
    ${csrfField(v.session)}
    <label for="${id}">Reason for the audit trail <span class="muted">(${help})</span>
      <textarea id="${id}" name="reason" required maxlength="2000">${typed}</textarea>
    </label>
    <button type="submit"${decision === 'confirm' ? html` class="secondary"` : ''}>${label}</button>
  </form>`;
}

function decide(v: HoldView): SafeHtml {
  const possible = allowedActions(v.details.hold.state).filter((a): a is HoldDecision => a === 'release' || a === 'confirm');
  return html`<section aria-labelledby="h-decide"><h2 id="h-decide">Decision</h2>
  ${v.error === undefined ? '' : notice('error', v.error.message)}
  ${v.done === undefined ? '' : notice('done', `Hold ${v.done === 'release' ? 'released' : 'confirmed'}: recorded in the audit trail as ${v.session.analyst}.`)}
  ${possible.length === 0
    ? html`<p>This hold is <strong>${v.details.hold.state}</strong>: there is nothing to decide${v.details.hold.state === 'orphaned' ? ' until its transaction is mined again' : ''}.</p>`
    : html`<div class="decide">${possible.map((d) => decisionForm(v, d))}</div>
      <p class="muted">Recorded as <strong>${v.session.analyst}</strong>; the exchange hears of it through its hook.</p>`}
  </section>`;
}

export function holdPage(v: HoldView): SafeHtml {
  const h = v.details.hold;
  const main = html`<p><a href="${CONSOLE_ROOT}/holds">← All holds</a></p>
  <h1>Hold #${h.id} ${stateBadge(h.state)}</h1>
  <p class="summary"><strong>${h.entityName ?? 'Unnamed party'}</strong> (${h.programs.join(', ') || 'no programs'}) · ${h.direction} of ${shortAmount(h)} on ${h.chain} · account <strong>${h.accountId}</strong> · raised ${utc(h.createdAt)}</p>
  <div class="columns">${transfer(h)}${listEntry(h, v.entry)}</div>
  ${decide(v)}
  ${basisEvents(v.details)}
  ${auditTrail(v.details)}
  ${deliveries(v.details)}`;
  return layout({ title: `Hold #${h.id}`, session: v.session, section: 'holds', main });
}
