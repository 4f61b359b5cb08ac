/** How a hold's parts read in the console (shared by the queue and the hold page). */
import { amountInUnits } from '../../domain/amount.js';
import type { HoldState, StoredHold } from '../../store/holds-repo.js';
import { html, type SafeHtml } from './html.js';
import { CONSOLE_ROOT } from './layout.js';

export function stateBadge(state: HoldState): SafeHtml {
  return html`<span class="state ${state}">${state}</span>`;
}

/** `2 ETH (2000000000000000000 base units)`, or the base units and asset when the units are unknown. */
export function amountText(hold: StoredHold): string {
  const inUnits = amountInUnits(hold.amount, hold.units);
  const asset = hold.asset === 'native' ? 'native coin' : `token ${hold.asset}`;
  return inUnits === null || hold.units === null
    ? `${hold.amount} base units of the ${asset}`
    : `${inUnits} ${hold.units.symbol} (${hold.amount} base units)`;
}

/** `3 ETH`, or the base units when the units are unknown (the queue's short form). */
export function shortAmount(hold: StoredHold): string {
  const inUnits = amountInUnits(hold.amount, hold.units);
  return inUnits === null || hold.units === null ? `${hold.amount} base units` : `${inUnits} ${hold.units.symbol}`;
}

export function holdPath(id: number): string {
  return `${CONSOLE_ROOT}/holds/${id}`;
}

export function shortHex(s: string): string {
  return s.length > 20 ? `${s.slice(0, 10)}…${s.slice(-6)}` : s;
}
