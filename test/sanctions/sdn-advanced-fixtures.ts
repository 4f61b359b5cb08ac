/**
 * The three real `sdn_advanced.xml` publications in test/fixtures/real/ofac (gzip; see that
 * folder's README for provenance) and the extractor's per-ticker lists for 2025-11-19.
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';

import type { ParseResult } from '../../src/domain/sanction-entry.js';
import { parseOfacAdvancedXml } from '../../src/sanctions/ofac-xml.js';
import { SHARED_FIXTURES } from '../helpers/fixtures.js';

export type Publication = '2025-03-04' | '2025-03-21' | '2025-11-19';

export const SDN_ADVANCED_DIR = (date: Publication): string => `${SHARED_FIXTURES}ofac/sdn-advanced-${date}`;
export const SDN_ADVANCED_GZ = (date: Publication): string => `${SDN_ADVANCED_DIR(date)}/sdn_advanced.xml.gz`;
export const REFERENCE_LISTS = `${SDN_ADVANCED_DIR('2025-11-19')}/reference-lists`;
export const DELISTED_ETH_2025_03_21 = `${SHARED_FIXTURES}ofac/delisted-eth-2025-03-21.txt`;

/** The uncompressed XML, streamed (never held whole: ~115 MB). */
export function xmlStream(date: Publication): NodeJS.ReadableStream {
  return createReadStream(SDN_ADVANCED_GZ(date)).pipe(createGunzip());
}

/** Parses one publication; about 2.5 s each on a 2-core machine. */
export function parsePublication(date: Publication): Promise<ParseResult> {
  return parseOfacAdvancedXml(xmlStream(date), `sdn_advanced.xml (${date})`);
}

/** The SHA-256 OFAC's mirror recorded for the uncompressed XML. */
export function publishedSha256(date: Publication): string {
  const text = readFileSync(`${SDN_ADVANCED_DIR(date)}/sdn_advanced_checksum.txt`, 'utf8');
  const hex = /([0-9a-f]{64})/.exec(text)?.[1];
  if (hex === undefined) throw new Error(`no SHA-256 in the checksum file of ${date}`);
  return hex;
}

export function lines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Ticker -> the addresses the extractor wrote for it, as OFAC wrote them. */
export function referenceLists(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of readdirSync(REFERENCE_LISTS).sort()) {
    const ticker = /^sanctioned_addresses_([A-Z0-9]+)\.txt$/.exec(name)?.[1];
    if (ticker !== undefined) out.set(ticker, lines(`${REFERENCE_LISTS}/${name}`));
  }
  return out;
}
