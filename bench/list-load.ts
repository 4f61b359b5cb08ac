/**
 * How fast lists load and how fast the index answers. Prints numbers; asserts nothing.
 *   npx tsx bench/list-load.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readAddress } from '../src/domain/address.js';
import { listId, type SanctionEntry } from '../src/domain/sanction-entry.js';
import { AddressIndex } from '../src/sanctions/address-index.js';
import { loadList } from '../src/sanctions/load-list.js';
import { parseOfacCsv } from '../src/sanctions/ofac-csv.js';
import { screenAddress } from '../src/sanctions/screen-address.js';

const fixtures = fileURLToPath(new URL('../test/fixtures/real/ofac/', import.meta.url));

function time<T>(label: string, runs: number, fn: () => T): T {
  let result = fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) result = fn();
  const ms = (performance.now() - t0) / runs;
  console.log(`${label.padEnd(48)} ${ms.toFixed(2).padStart(9)} ms`);
  return result;
}

const sdnDir = `${fixtures}sdn-csv-2021`;
const set = {
  sdn: { file: 'sdn.csv', text: readFileSync(`${sdnDir}/sdn.csv`, 'utf8') },
  comments: { file: 'sdn_comments.csv', text: readFileSync(`${sdnDir}/sdn_comments.csv`, 'utf8') },
};
const csv = time('OFAC SDN CSV 2021 (2 MB) parse', 10, () => parseOfacCsv(set));
console.log(`  ${csv.entries.length} entries, ${csv.rejected.length} rejected`);

const t0 = performance.now();
const plain = await loadList({ format: 'plain', source: `${fixtures}lists-2024-09`, programs: [], timeout: 1000 });
console.log(`${'lists-2024-09 (9 files) read + parse'.padEnd(48)} ${(performance.now() - t0).toFixed(2).padStart(9)} ms`);

// A production-sized index: the real entries repeated under other list ids (~64k entries).
const real: SanctionEntry[] = plain.entries.map((e) => ({ ...e, listId: listId('ofac-sdn'), listVersion: 1 }));
const many: SanctionEntry[] = [];
for (let i = 0; i < 100; i++) for (const e of real) many.push({ ...e, listId: listId(`list-${i}`) });
const index = time(`index build (${many.length} entries)`, 5, () => new AddressIndex(many));

const probes = [...plain.entries.slice(0, 500).map((e) => e.address as string), ...Array.from({ length: 500 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`)];
const n = 20;
const t1 = performance.now();
let hits = 0;
for (let r = 0; r < n; r++) for (const p of probes) hits += screenAddress(index, p).matches.length > 0 ? 1 : 0;
const perLookup = ((performance.now() - t1) * 1000) / (n * probes.length);
console.log(`${'screen one address (normalise + lookup)'.padEnd(48)} ${perLookup.toFixed(2).padStart(9)} µs  (${hits / n} of ${probes.length} listed)`);

const t2 = performance.now();
for (let r = 0; r < n; r++) for (const p of probes) readAddress(p);
console.log(`${'  of which normalising'.padEnd(48)} ${(((performance.now() - t2) * 1000) / (n * probes.length)).toFixed(2).padStart(9)} µs`);
