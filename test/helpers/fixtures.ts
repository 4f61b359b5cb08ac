import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Real public data (OFAC publications, mainnet blocks), copied unchanged into the repository so
 * that a clone alone runs every test: test/fixtures/real/README.md gives each file's source,
 * commit and licence.
 */
export const SHARED_FIXTURES = fileURLToPath(new URL('../fixtures/real/', import.meta.url));
export const OFAC_LISTS_2024 = `${SHARED_FIXTURES}ofac/lists-2024-09`;
export const SDN_CSV_2021 = `${SHARED_FIXTURES}ofac/sdn-csv-2021`;
export const SDN_CSV_MIXED = `${SHARED_FIXTURES}ofac/sdn-csv-mixed`;
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function fixtureText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The addresses of one lists-2024-09 file, as written. */
export function listedAddresses(ticker: string): string[] {
  return fixtureText(`${OFAC_LISTS_2024}/sanctioned_addresses_${ticker}.txt`)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}
