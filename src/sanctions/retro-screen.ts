/**
 * Retroactive screening, the pure part: which stored transfers a list version's added entries
 * name, as the same matches the screen stage would have made had the entries been listed when
 * the transfers were screened. The I/O (the lookup, holds, alerts) is pipeline/retro-screen.ts.
 */
import type { AddressFamily } from '../domain/address-family.js';
import type { NormalisedAddress } from '../domain/address.js';
import { addressKey } from '../domain/address.js';
import type { AssetUnits } from '../domain/amount.js';
import type { ListPolicy, Match } from '../domain/match.js';
import type { EntryDraft, ListId, SanctionEntry } from '../domain/sanction-entry.js';
import type { Direction } from '../domain/match.js';
import type { Asset, Transfer } from '../domain/transfer.js';

/** A transfer the extract stage attributed, with one of its counterparties (as stored). */
export interface AttributedCounterparty {
  readonly transfer: Transfer;
  readonly direction: Direction;
  readonly accountId: string | null;
  readonly exchangeAddress: NormalisedAddress;
  readonly counterparty: NormalisedAddress;
}

/** The added entries, as entries of `version`, grouped by address family. */
export function addedByFamily(listId: ListId, version: number, added: readonly EntryDraft[]): Map<AddressFamily, SanctionEntry[]> {
  const out = new Map<AddressFamily, SanctionEntry[]>();
  for (const e of added) {
    const entry: SanctionEntry = { ...e, listId, listVersion: version };
    const bucket = out.get(e.family);
    if (bucket) bucket.push(entry);
    else out.set(e.family, [entry]);
  }
  return out;
}

/** The configured chains of a family: an EVM entry screens on every EVM chain, as in the screen stage. */
export function chainsOfFamily(chains: readonly { readonly id: string; readonly family: string }[], family: AddressFamily): string[] {
  return chains.filter((c) => c.family === family).map((c) => c.id);
}

export interface RetroMatchInputs {
  readonly family: AddressFamily;
  readonly entries: readonly SanctionEntry[];
  readonly stored: readonly AttributedCounterparty[];
  readonly policy: ListPolicy;
  readonly authority: string;
  readonly unitsOf: (chain: string, asset: Asset) => AssetUnits | null;
}

/** One match per (stored transfer, counterparty, added entry naming that counterparty). */
export function retroMatches(inputs: RetroMatchInputs): Match[] {
  const byAddress = new Map<string, SanctionEntry[]>();
  for (const e of inputs.entries) {
    const key = addressKey({ family: e.family, address: e.address });
    const bucket = byAddress.get(key);
    if (bucket) bucket.push(e);
    else byAddress.set(key, [e]);
  }
  const matches: Match[] = [];
  for (const s of inputs.stored) {
    const entries = byAddress.get(addressKey({ family: inputs.family, address: s.counterparty })) ?? [];
    for (const entry of entries) {
      matches.push({
        transfer: s.transfer,
        direction: s.direction,
        accountId: s.accountId,
        exchangeAddress: s.exchangeAddress,
        counterparty: s.counterparty,
        entry,
        policy: inputs.policy,
        authority: inputs.authority,
        units: inputs.unitsOf(s.transfer.chain, s.transfer.asset),
      });
    }
  }
  return matches;
}
