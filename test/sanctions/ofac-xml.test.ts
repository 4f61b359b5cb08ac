import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

import { beforeAll, describe, expect, it } from 'vitest';

import type { ParseResult } from '../../src/domain/sanction-entry.js';
import { ListParseError } from '../../src/sanctions/list-errors.js';
import { parseOfacAdvancedXml } from '../../src/sanctions/ofac-xml.js';

const FIXTURE_PATH = fileURLToPath(new URL('../fixtures/ofac/sdn_advanced.sample.xml', import.meta.url));
const FILE = 'lists/sdn_advanced.xml';

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

/** Runs the parser and returns the ListParseError it must throw. */
async function refusal(input: AsyncIterable<string | Uint8Array>): Promise<ListParseError> {
  try {
    await parseOfacAdvancedXml(input, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ListParseError);
    return err as ListParseError;
  }
  throw new Error('expected the parser to refuse the document');
}

let bytes: Buffer;
let text: string;
let result: ParseResult;

beforeAll(async () => {
  bytes = await readFile(FIXTURE_PATH);
  text = bytes.toString('utf8');
  result = await parseOfacAdvancedXml(chunksOf(bytes, 64 * 1024), FILE);
});

const loc = (fixedRef: number, featureId: number) => ({
  file: FILE,
  element: `DistinctParty[FixedRef=${fixedRef}]/Feature[ID=${featureId}]`,
});

describe('OFAC advanced XML (sdn_advanced.xml)', () => {
  it('turns every digital currency feature into one entry with its ticker, normalised address, name, programs and location', () => {
    expect(result.entries).toEqual([
      {
        entryUid: 'sdn:28264:XBT:1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE',
        address: '1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE',
        family: 'bitcoin',
        ticker: 'XBT',
        entityName: 'LI Jiadong',
        programs: ['CYBER2', 'DPRK3'],
        source: loc(28264, 133699),
      },
      {
        entryUid: 'sdn:28264:XBT:17UVSMegvrzfobKC82dHXpZLtLcqzW9stF',
        address: '17UVSMegvrzfobKC82dHXpZLtLcqzW9stF',
        family: 'bitcoin',
        ticker: 'XBT',
        entityName: 'LI Jiadong',
        programs: ['CYBER2', 'DPRK3'],
        source: loc(28264, 133700),
      },
      {
        entryUid: 'sdn:33151:XBT:12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx',
        address: '12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx',
        family: 'bitcoin',
        ticker: 'XBT',
        entityName: 'SUEX OTC, S.R.O.',
        programs: ['CYBER2'],
        source: loc(33151, 142980),
      },
      {
        entryUid: 'sdn:33151:ETH:0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535',
        address: '0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535',
        family: 'evm',
        ticker: 'ETH',
        entityName: 'SUEX OTC, S.R.O.',
        programs: ['CYBER2'],
        source: loc(33151, 143011),
      },
      {
        entryUid: 'sdn:90001:XBT:16e7h8Jk7jYpAdQKBfHeFc8iuSyEdsKHuW',
        address: '16e7h8Jk7jYpAdQKBfHeFc8iuSyEdsKHuW',
        family: 'bitcoin',
        ticker: 'XBT',
        entityName: 'EXAMPLE DIGITAL ASSETS OÜ',
        programs: ['CYBER2', 'RUSSIA-EO14024'],
        source: loc(90001, 900011),
      },
      {
        // Listed EIP-55 checksummed; normalised to lower case.
        entryUid: 'sdn:90001:ETH:0xc25a1f0880d41ae430440baf422270e63d8d07a6',
        address: '0xc25a1f0880d41ae430440baf422270e63d8d07a6',
        family: 'evm',
        ticker: 'ETH',
        entityName: 'EXAMPLE DIGITAL ASSETS OÜ',
        programs: ['CYBER2', 'RUSSIA-EO14024'],
        source: loc(90001, 900012),
      },
      {
        // USDT on Tron: the T-address decides the family, not the ticker.
        entryUid: 'sdn:90001:USDT:TXE5pwZbPzixp4X5dx7Lh4FTMjaAGrm7u4',
        address: 'TXE5pwZbPzixp4X5dx7Lh4FTMjaAGrm7u4',
        family: 'tron',
        ticker: 'USDT',
        entityName: 'EXAMPLE DIGITAL ASSETS OÜ',
        programs: ['CYBER2', 'RUSSIA-EO14024'],
        source: loc(90001, 900013),
      },
      {
        entryUid: 'sdn:90001:LTC:LRmDC7WrchNBiMFvaPe2A53cfwXeb4QJsa',
        address: 'LRmDC7WrchNBiMFvaPe2A53cfwXeb4QJsa',
        family: 'litecoin',
        ticker: 'LTC',
        entityName: 'EXAMPLE DIGITAL ASSETS OÜ',
        programs: ['CYBER2', 'RUSSIA-EO14024'],
        source: loc(90001, 900014),
      },
      {
        // A bad base58check checksum: kept as the exact string OFAC wrote (see the next test).
        entryUid: 'sdn:90002:XBT:1P9TNZ5ewseDDv2Th6uNBkDy1epw3U8WQz',
        address: '1P9TNZ5ewseDDv2Th6uNBkDy1epw3U8WQz',
        family: 'unverified',
        ticker: 'XBT',
        entityName: 'EXAMPLE MIXER LTD',
        programs: ['CYBER2'],
        source: loc(90002, 900021),
      },
      {
        entryUid: 'sdn:90002:ETH:0xbdece927da3ab488a345984467261f7117b1e6a4',
        address: '0xbdece927da3ab488a345984467261f7117b1e6a4',
        family: 'evm',
        ticker: 'ETH',
        entityName: 'EXAMPLE MIXER LTD',
        programs: ['CYBER2'],
        source: loc(90002, 900022),
      },
    ]);
    expect(result.rejected).toEqual([]);
  });

  it('an address that fails verification under its ticker is kept as an exact-string entry, and a note says where and why', () => {
    // Dropping an address OFAC publishes would let it screen clean; an odd string only matches itself.
    expect(result.notes).toEqual([
      expect.stringMatching(
        /^lists\/sdn_advanced\.xml DistinctParty\[FixedRef=90002\]\/Feature\[ID=900021\]: XBT address "1P9TNZ5ewseDDv2Th6uNBkDy1epw3U8WQz" fails verification \(.*checksum\); kept as an exact-string \(unverified\) entry/,
      ),
    ]);
  });

  it('a feature whose address cannot be matched at all (inner whitespace) is rejected with its location', async () => {
    const spaced = text.replace('1P9TNZ5ewseDDv2Th6uNBkDy1epw3U8WQz', '1P9TNZ5ewseDDv2Th6u NBkDy1epw3U8WQz');
    const r = await parseOfacAdvancedXml(once(spaced), FILE);
    expect(r.rejected).toEqual([
      { source: loc(90002, 900021), reason: 'invalid XBT address: contains whitespace', text: '1P9TNZ5ewseDDv2Th6u NBkDy1epw3U8WQz' },
    ]);
    expect(r.entries.filter((e) => e.entryUid.startsWith('sdn:90002:')).map((e) => e.ticker)).toEqual(['ETH']);
  });

  it('reports the date of issue the document states, and each entry\'s FixedRef and Feature ID', async () => {
    expect(result).toMatchObject({ dateOfIssue: '2024-06-12', about: 'OFAC advanced sanctions XML, date of issue 2024-06-12' });
    const r = await parseOfacAdvancedXml(once(text), FILE);
    expect(r.refs.get('sdn:90001:USDT:TXE5pwZbPzixp4X5dx7Lh4FTMjaAGrm7u4')).toEqual({ sdnId: '90001', featureId: '900013' });
    expect(r.refs.size).toBe(r.entries.length);
  });

  it('a document without a DateOfIssue loads, with a note that its date is unknown', async () => {
    const start = text.indexOf('<DateOfIssue');
    const end = text.indexOf('</DateOfIssue>') + '</DateOfIssue>'.length;
    const r = await parseOfacAdvancedXml(once(text.slice(0, start) + text.slice(end)), FILE);
    expect(r.dateOfIssue).toBeNull();
    expect(r.entries).toHaveLength(result.entries.length);
    expect(r.notes).toContain('no readable Sanctions/DateOfIssue: the publication date is unknown');
  });

  it('a party with only non-digital features (a Location) yields no entry', () => {
    expect(result.entries.some((e) => e.entryUid.startsWith('sdn:36:'))).toBe(false);
    expect(result.entries.some((e) => e.programs.includes('CUBA'))).toBe(false);
  });

  it('the same address listed twice for one party is kept once', () => {
    const xbt = result.entries.filter((e) => e.entryUid === 'sdn:90001:XBT:16e7h8Jk7jYpAdQKBfHeFc8iuSyEdsKHuW');
    expect(xbt).toHaveLength(1);
    expect(xbt[0]?.source.element).toBe('DistinctParty[FixedRef=90001]/Feature[ID=900011]');
  });

  it('the entity name is the primary alias with name parts in NamePartGroups order, not document order', () => {
    // The fixture writes "Jiadong" before "LI"; NamePartGroups lists Last Name first.
    expect(text.indexOf('>Jiadong<')).toBeLessThan(text.indexOf('>LI<'));
    expect(result.entries.find((e) => e.entryUid.startsWith('sdn:28264:'))?.entityName).toBe('LI Jiadong');
    // The Cyrillic A.K.A. comes first in the document but is not the primary alias.
    expect(result.entries.find((e) => e.entryUid.startsWith('sdn:90001:'))?.entityName).toBe('EXAMPLE DIGITAL ASSETS OÜ');
  });

  it('feeding the file 7 bytes at a time, splitting multi-byte characters, gives the same result', async () => {
    // Some 7-byte boundary must fall inside a multi-byte UTF-8 character (a continuation byte).
    const splitsAChar = Array.from({ length: Math.floor(bytes.length / 7) }, (_, i) => bytes[(i + 1) * 7])
      .some((b) => b !== undefined && (b & 0xc0) === 0x80);
    expect(splitsAChar).toBe(true);

    const tiny = await parseOfacAdvancedXml(chunksOf(bytes, 7), FILE);
    expect(tiny).toEqual(result);
  });

  it('reads a Node file stream and string chunks alike', async () => {
    expect(await parseOfacAdvancedXml(createReadStream(FIXTURE_PATH), FILE)).toEqual(result);
    expect(await parseOfacAdvancedXml(createReadStream(FIXTURE_PATH, { encoding: 'utf8', highWaterMark: 13 }), FILE)).toEqual(
      result,
    );
  });

  it('a truncated download (the first 60% of the bytes) is refused whole', async () => {
    const err = await refusal(once(bytes.subarray(0, Math.floor(bytes.length * 0.6))));
    expect(err.source).toBe(FILE);
    expect(err.reason).toMatch(/not well-formed XML/);
    expect(err.location).toMatch(/^line \d+, column \d+$/);
    expect(err.message).toContain(FILE);
  });

  it('a download cut off right after a complete DistinctParty is refused whole', async () => {
    const cut = text.indexOf('</DistinctParty>') + '</DistinctParty>'.length;
    await refusal(once(text.slice(0, cut)));
  });

  it('garbage bytes are refused', async () => {
    let seed = 42;
    const garbage = Uint8Array.from({ length: 4096 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    });
    const err = await refusal(chunksOf(garbage, 1000));
    expect(err.source).toBe(FILE);
    await refusal(once('this is not XML at all'));
    await refusal(once('{"entries": []}'));
    await refusal(once(''));
  });

  it('a well-formed document whose root is not <Sanctions> is refused', async () => {
    const err = await refusal(once('<?xml version="1.0"?><sdnList><sdnEntry/></sdnList>'));
    expect(err.reason).toMatch(/root element is <sdnList>/);
  });

  it('a <Sanctions> document without a DistinctParties section is refused', async () => {
    const start = text.indexOf('<DistinctParties>');
    const end = text.indexOf('</DistinctParties>') + '</DistinctParties>'.length;
    const err = await refusal(once(text.slice(0, start) + text.slice(end)));
    expect(err.reason).toMatch(/DistinctParties/);
  });

  it('a Feature whose FeatureTypeID is missing from ReferenceValueSets is refused rather than skipped', async () => {
    const broken = text.replace('<FeatureType ID="887" FeatureTypeGroupID="1">Digital Currency Address - USDT</FeatureType>', '');
    const err = await refusal(once(broken));
    expect(err.reason).toMatch(/FeatureTypeID "887"/);
    expect(err.location).toMatch(/^line \d+/);
  });

  it('an address type OFAC adds later (any "Digital Currency Address - …" type) is read without code changes', async () => {
    const withNew = text
      .replace(
        '</FeatureTypeValues>',
        '  <FeatureType ID="999" FeatureTypeGroupID="1">Digital Currency Address - ARB</FeatureType>\n    </FeatureTypeValues>',
      )
      .replace('<Feature ID="900022" FeatureTypeID="345">', '<Feature ID="900022" FeatureTypeID="999">');
    const r = await parseOfacAdvancedXml(once(withNew), FILE);
    expect(r.entries.find((e) => e.source.element?.endsWith('[ID=900022]'))).toMatchObject({
      ticker: 'ARB',
      family: 'evm',
      entryUid: 'sdn:90002:ARB:0xbdece927da3ab488a345984467261f7117b1e6a4',
    });
  });

  it('addresses of a party with no SanctionsEntry are kept with no programs, and a note says so', async () => {
    const start = text.indexOf('<SanctionsEntry ID="33151"');
    const end = text.indexOf('</SanctionsEntry>', start) + '</SanctionsEntry>'.length;
    const r = await parseOfacAdvancedXml(once(text.slice(0, start) + text.slice(end)), FILE);
    const suex = r.entries.filter((e) => e.entryUid.startsWith('sdn:33151:'));
    expect(suex.map((e) => e.programs)).toEqual([[], []]);
    expect(r.notes?.filter((n) => n.includes('DistinctParty[FixedRef=33151]'))).toEqual([
      expect.stringContaining('has no SanctionsEntry; its addresses are kept with no programs'),
    ]);
  });

  it('a ~20 MB file streamed from a generator parses without being held in memory', async () => {
    const gc = exposeGc();
    const { stream, stats } = generatedList(text, 20 * 1024 * 1024, gc);
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const r = await parseOfacAdvancedXml(stream, 'generated.xml');

    expect(stats.bytes).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    expect(r.rejected).toEqual([]);
    expect(r.entries).toHaveLength(stats.partiesWithAddress);
    expect(r.entries[0]).toMatchObject({ entityName: 'GENERATED PARTY 0 MÜLLER', programs: ['CYBER2', 'DPRK3'] });
    expect(r.entries.at(-1)?.entryUid).toBe(
      `sdn:${1_000_000 + stats.parties - 1 - ((stats.parties - 1) % 10)}:XBT:1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE`,
    );

    const growthMb = (stats.peakHeapUsed - before) / 2 ** 20;
    console.info(
      `generated list: ${(stats.bytes / 2 ** 20).toFixed(1)} MB, ${stats.parties} parties, ` +
        `${r.entries.length} entries; peak live heap growth ${growthMb.toFixed(1)} MB` +
        (gc ? ' (measured after forced GC)' : ' (no forced GC available: includes garbage)'),
    );
    // Loose: the live heap while parsing stays well below the size of the file.
    if (gc) expect(growthMb).toBeLessThan(8);
  }, 120_000);
});

/** `global.gc` without a command-line flag; undefined if the runtime refuses. */
function exposeGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

interface GeneratedStats {
  bytes: number;
  parties: number;
  partiesWithAddress: number;
  peakHeapUsed: number;
}

/**
 * A schema-shaped list of at least `targetBytes`, produced chunk by chunk and never as one string:
 * the fixture's reference value sets, then generated parties (every tenth with an XBT address),
 * then a SanctionsEntry per party. Samples the live heap every ~1 MB.
 */
function generatedList(
  fixture: string,
  targetBytes: number,
  gc: (() => void) | undefined,
): { stream: AsyncGenerator<Uint8Array>; stats: GeneratedStats } {
  const stats: GeneratedStats = { bytes: 0, parties: 0, partiesWithAddress: 0, peakHeapUsed: 0 };
  const head = fixture.slice(0, fixture.indexOf('<DistinctParties>') + '<DistinctParties>'.length);
  const encoder = new TextEncoder();

  const party = (n: number): string => {
    const ref = 1_000_000 + n;
    const address =
      n % 10 === 0
        ? `
        <Feature ID="${ref}1" FeatureTypeID="344">
          <FeatureVersion ID="${ref}2" ReliabilityID="1560">
            <Comment />
            <VersionDetail DetailTypeID="1432">1EfMVkxQQuZfBdocpJu6RUsCJvenQWbQyE</VersionDetail>
          </FeatureVersion>
          <IdentityReference IdentityID="${ref}" IdentityFeatureLinkTypeID="1" />
        </Feature>`
        : '';
    return `
    <DistinctParty FixedRef="${ref}">
      <Profile ID="${ref}" PartySubTypeID="3">
        <Identity ID="${ref}" FixedRef="${ref}" Primary="true" False="false">
          <Alias FixedRef="${ref}" AliasTypeID="1403" Primary="true" LowQuality="false">
            <DocumentedName ID="${ref}" FixedRef="${ref}" DocNameStatusID="1">
              <DocumentedNamePart>
                <NamePartValue NamePartGroupID="${ref}" ScriptID="215" ScriptStatusID="1" Acronym="false">GENERATED PARTY ${n} MÜLLER</NamePartValue>
              </DocumentedNamePart>
            </DocumentedName>
          </Alias>
          <NamePartGroups>
            <MasterNamePartGroup>
              <NamePartGroup ID="${ref}" NamePartTypeID="1525" />
            </MasterNamePartGroup>
          </NamePartGroups>
        </Identity>
        <Feature ID="${ref}3" FeatureTypeID="25">
          <FeatureVersion ID="${ref}4" ReliabilityID="1560">
            <Comment />
            <VersionLocation LocationID="7001" />
          </FeatureVersion>
          <IdentityReference IdentityID="${ref}" IdentityFeatureLinkTypeID="1" />
        </Feature>${address}
      </Profile>
    </DistinctParty>`;
  };

  const entry = (n: number): string => {
    const ref = 1_000_000 + n;
    return `
    <SanctionsEntry ID="${ref}" ProfileID="${ref}" ListID="1550">
      <EntryEvent ID="${ref}" EntryEventTypeID="1" LegalBasisID="3">
        <Comment />
        <Date CalendarTypeID="1"><Year>2020</Year><Month>3</Month><Day>2</Day></Date>
      </EntryEvent>
      <SanctionsMeasure ID="${ref}1" SanctionsTypeID="1705">
        <Comment />
        <DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false" />
      </SanctionsMeasure>
      <SanctionsMeasure ID="${ref}2" SanctionsTypeID="1">
        <Comment>DPRK3</Comment>
        <DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false" />
      </SanctionsMeasure>
      <SanctionsMeasure ID="${ref}3" SanctionsTypeID="1">
        <Comment>CYBER2</Comment>
        <DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false" />
      </SanctionsMeasure>
    </SanctionsEntry>`;
  };

  async function* stream(): AsyncGenerator<Uint8Array> {
    let nextSample = 0;
    const emit = (s: string): Uint8Array => {
      const chunk = encoder.encode(s);
      stats.bytes += chunk.byteLength;
      if (stats.bytes >= nextSample) {
        nextSample = stats.bytes + 2 ** 20;
        gc?.();
        stats.peakHeapUsed = Math.max(stats.peakHeapUsed, process.memoryUsage().heapUsed);
      }
      return chunk;
    };

    yield emit(head);
    // Parties take ~70% of the bytes, their SanctionsEntries the rest.
    const partyBytes = targetBytes * 0.7;
    let batch = '';
    while (stats.bytes + batch.length < partyBytes) {
      if (stats.parties % 10 === 0) stats.partiesWithAddress += 1;
      batch += party(stats.parties);
      stats.parties += 1;
      if (batch.length >= 64 * 1024) {
        yield emit(batch);
        batch = '';
      }
    }
    yield emit(`${batch}\n  </DistinctParties>\n  <ProfileRelationships />\n  <SanctionsEntries>`);
    batch = '';
    for (let n = 0; n < stats.parties || stats.bytes + batch.length < targetBytes; n += 1) {
      batch += n < stats.parties ? entry(n) : `\n    <!-- padding ${n} -->`;
      if (batch.length >= 64 * 1024) {
        yield emit(batch);
        batch = '';
      }
    }
    yield emit(`${batch}\n  </SanctionsEntries>\n  <SanctionsEntryLinks />\n</Sanctions>\n`);
  }

  return { stream: stream(), stats };
}
