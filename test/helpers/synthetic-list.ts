/**
 * Synthetic sanctions lists of any size, for tests and benches of the list index: half EVM, half
 * Bitcoin (bech32 P2WPKH) addresses, every one valid and distinct, derived from the entry's
 * number so that a test can name the n-th entry without keeping the list.
 */
import { createHash } from 'node:crypto';
import { bech32 } from 'bech32';

import type { AddressFamily } from '../../src/domain/address-family.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import type { EntryDraft, ListId } from '../../src/domain/sanction-entry.js';
import { indexImageOf } from '../../src/sanctions/index-image.js';
import type { Store } from '../../src/store/index.js';

const PROGRAMS: readonly (readonly string[])[] = [['CYBER2'], ['DPRK3'], ['CYBER2', 'RUSSIA-EO14024'], ['SDNTK'], []];

function hash20(n: number, salt: string): Buffer {
  return createHash('sha1').update(`${salt}:${n}`).digest();
}

/** The n-th synthetic entry (0-based); even numbers are EVM, odd ones Bitcoin. */
export function syntheticEntry(n: number, salt = 'cordon'): EntryDraft {
  const bytes = hash20(n, salt);
  const evm = n % 2 === 0;
  const family: AddressFamily = evm ? 'evm' : 'bitcoin';
  const address = (evm ? `0x${bytes.toString('hex')}` : bech32.encode('bc', [0, ...bech32.toWords(bytes)])) as NormalisedAddress;
  const ticker = evm ? 'ETH' : 'XBT';
  // A party has several addresses, as on OFAC's list; a tenth of the entries carry an SDN-style uid.
  const party = Math.floor(n / 8);
  return {
    entryUid: n % 10 === 0 ? `sdn:${party}:${ticker}:${address}` : `${ticker}:${address}`,
    address,
    family,
    ticker,
    entityName: n % 7 === 0 ? null : `Synthetic Party ${party}`,
    programs: PROGRAMS[party % PROGRAMS.length] as readonly string[],
    source: n % 3 === 0 ? { file: 'synthetic.xml', element: `DistinctParty[FixedRef=${party}]/Feature[ID=${n}]` } : { file: 'synthetic.csv', line: n + 2 },
  };
}

/** `count` synthetic entries. */
export function syntheticEntries(count: number, salt = 'cordon'): EntryDraft[] {
  const out: EntryDraft[] = new Array<EntryDraft>(count);
  for (let n = 0; n < count; n++) out[n] = syntheticEntry(n, salt);
  return out;
}

/**
 * Stores `entries` as version 1 of `list`, through the store's own bulk write, with its index
 * image as a refresh writes it (`withImage: false`: without, as versions stored before images).
 */
export async function insertSyntheticSnapshot(store: Store, list: ListId, entries: readonly EntryDraft[], withImage = true): Promise<number> {
  return store.lists.insertSnapshot({
    listId: list,
    contentHash: `sha256:synthetic-${entries.length}`,
    source: 'synthetic',
    entries,
    ...(withImage ? { indexImage: indexImageOf(entries) } : {}),
    addedCount: entries.length,
    removedCount: 0,
  });
}
