import { describe, expect, it } from 'vitest';
import { decideRefresh } from '../../src/sanctions/refresh-policy.js';
import { entrySetHash } from '../../src/sanctions/entry-diff.js';
import { parsePlainList } from '../../src/sanctions/plain-list.js';
import { fixtureText, OFAC_LISTS_2024 } from '../helpers/fixtures.js';

const eth = parsePlainList({
  file: 'eth.txt',
  text: fixtureText(`${OFAC_LISTS_2024}/sanctioned_addresses_ETH.txt`),
  ticker: 'ETH',
  programs: [],
});
const previous = { hash: entrySetHash(eth.entries), entries: eth.entries };

describe('list refresh policy (fails closed)', () => {
  it('accepts a first version', () => {
    expect(decideRefresh({ previous: null, parsed: eth, maxDropShare: 0.1 }).kind).toBe('accept');
  });

  it('calls the same entries in another order unchanged', () => {
    const shuffled = { ...eth, entries: [...eth.entries].reverse() };
    expect(decideRefresh({ previous, parsed: shuffled, maxDropShare: 0.1 }).kind).toBe('unchanged');
  });

  it('refuses a version that drops more than the allowed share, unless an operator overrides it', () => {
    const truncated = { entries: eth.entries.slice(0, 100), rejected: [] };
    const d = decideRefresh({ previous, parsed: truncated, maxDropShare: 0.1 });
    expect(d).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/remove 52 of 152 entries \(34\.2% > 10\.0%/) });
    expect(decideRefresh({ previous, parsed: truncated, maxDropShare: 0.1, allowDrop: true }).kind).toBe('accept');
  });

  it('accepts a version within the allowed drop and reports the diff', () => {
    const fewer = { entries: eth.entries.slice(0, 140), rejected: [] };
    const d = decideRefresh({ previous, parsed: fewer, maxDropShare: 0.1 });
    expect(d.kind).toBe('accept');
    if (d.kind === 'accept') expect(d.diff.removed).toHaveLength(12);
  });

  it('refuses a source with no valid entries, or mostly invalid ones', () => {
    expect(decideRefresh({ previous, parsed: { entries: [], rejected: [] }, maxDropShare: 0.1 }).kind).toBe('refuse');
    const junk = Array.from({ length: 10 }, (_, i) => ({ source: { file: 'x', line: i + 1 }, reason: 'bad', text: 'junk' }));
    const d = decideRefresh({ previous: null, parsed: { entries: eth.entries.slice(0, 3), rejected: junk }, maxDropShare: 0.1 });
    expect(d).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/10 of 13 items are not valid/) });
  });
});
