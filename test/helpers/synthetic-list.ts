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
import type { Db } from '../../src/store/db.js';

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

/** Rows per INSERT of `insertSyntheticSnapshot`: a few round trips for a million entries. */
const BULK_CHUNK = 50_000;

/**
 * Stores `entries` as version 1 of `list` straight through SQL, in chunks of 50,000 rows
 * (the repo's `insertSnapshot` sends 1,000 a statement, minutes for a million on PGlite).
 * For a store with no snapshot of `list` yet.
 */
export async function insertSyntheticSnapshot(db: Db, list: ListId, entries: readonly EntryDraft[]): Promise<number> {
  const version = 1;
  await db.query(
    `INSERT INTO list_snapshots (list_id, version, content_hash, source, entry_count, added_count, removed_count)
     VALUES ($1, $2, $3, $4, $5, $5, 0)`,
    [list, version, `sha256:synthetic-${entries.length}`, 'synthetic', entries.length],
  );
  for (let start = 0; start < entries.length; start += BULK_CHUNK) {
    const chunk = entries.slice(start, start + BULK_CHUNK);
    await db.query(
      `INSERT INTO list_entries (list_id, version, entry_uid, family, address, ticker, entity_name,
                                 programs, source_file, source_line, source_element)
       SELECT $1, $2, u.entry_uid, u.family, u.address, u.ticker, u.entity_name,
              u.programs::jsonb, u.source_file, u.source_line, u.source_element
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::text[], $10::int[], $11::text[])
         AS u(entry_uid, family, address, ticker, entity_name,
              programs, source_file, source_line, source_element)`,
      [
        list,
        version,
        chunk.map((e) => e.entryUid),
        chunk.map((e) => e.family),
        chunk.map((e) => e.address),
        chunk.map((e) => e.ticker),
        chunk.map((e) => e.entityName),
        chunk.map((e) => JSON.stringify(e.programs)),
        chunk.map((e) => e.source.file),
        chunk.map((e) => e.source.line ?? null),
        chunk.map((e) => e.source.element ?? null),
      ],
    );
  }
  return version;
}
