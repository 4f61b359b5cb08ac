/**
 * The state machine behind `parseOfacAdvancedXml`: saxes events in, entries, rejections and
 * notes out. It keeps only the reference value sets, the DistinctParty being read, and the
 * entries of profiles that list a digital currency address (see ofac-xml.ts).
 */
import type { SaxesParser, SaxesTagNS } from 'saxes';

import { InvalidAddressError, type NormalisedAddress } from '../domain/address.js';
import type { AddressFamily } from '../domain/address-family.js';
import type { EntryDraft, ParseResult, RejectedItem } from '../domain/sanction-entry.js';
import { ListParseError } from './list-errors.js';
import { keptUnverifiedNote, readOfacAddress } from './ofac-address.js';

/** Namespaces OFAC has published the advanced XML under (current first). Others are read, with a note. */
export const OFAC_ADVANCED_XML_NAMESPACES: readonly string[] = [
  'https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML',
  'http://www.un.org/sanctions/1.0',
];

const DIGITAL_CURRENCY_PREFIX = 'Digital Currency Address - ';
const PROGRAM_SANCTIONS_TYPE = 'program';
/** Longest text kept from one element; addresses and name parts are far shorter. */
const MAX_TEXT = 4096;
/** Longest offending text copied into a RejectedItem. */
const MAX_REJECTED_TEXT = 200;

/** What a name part looked like inside the chosen alias. */
interface NamePart {
  readonly groupId: string | undefined;
  readonly value: string;
}

/** The name facts of one Identity while it is open. */
interface IdentityState {
  readonly primary: boolean;
  /** Parts of the first Alias marked Primary, once one was read. */
  primaryParts: NamePart[] | undefined;
  /** Parts of the first Alias of any kind: the fallback when none is marked Primary. */
  firstParts: NamePart[] | undefined;
  /** NamePartGroup IDs in the order the Identity's NamePartGroups list them. */
  readonly groupOrder: string[];
}

/** The alias being read, when its name is wanted. */
interface AliasState {
  readonly primary: boolean;
  readonly parts: NamePart[];
  /** Only the first DocumentedName of an alias is read (others are other scripts of it). */
  documentedNames: number;
}

interface FeatureState {
  readonly id: string;
  readonly ticker: string;
  readonly addresses: string[];
}

interface ProfileState {
  readonly id: string;
  readonly identities: { readonly primary: boolean; readonly name: string | null }[];
  readonly features: FeatureState[];
}

/** A profile with at least one accepted address, waiting for its SanctionsEntry. */
interface PendingProfile {
  readonly element: string;
  readonly programs: Set<string>;
  matched: boolean;
}

/** An accepted address before programs are known; `programs` is shared with its profile. */
interface Accepted {
  readonly entryUid: string;
  readonly address: NormalisedAddress;
  readonly family: AddressFamily;
  readonly ticker: string;
  readonly entityName: string | null;
  readonly programs: Set<string>;
  readonly element: string;
  readonly ref: OfacFeatureRef;
}

type TextTarget = 'featureType' | 'sanctionsType' | 'namePart' | 'versionDetail' | 'programComment' | 'issueDatePart';

/** Where in the XML an entry comes from: the party's FixedRef (the SDN entry id) and the feature. */
export interface OfacFeatureRef {
  readonly sdnId: string;
  readonly featureId: string;
}

/** A parse of the advanced XML: the entries, plus what the document says about itself. */
export interface OfacXmlResult extends ParseResult {
  /** `Sanctions/DateOfIssue` as YYYY-MM-DD: the publication date OFAC states; null if absent or unreadable. */
  readonly dateOfIssue: string | null;
  /** Entry uid -> the party and feature it was read from. */
  readonly refs: ReadonlyMap<string, OfacFeatureRef>;
}

/** The streaming state machine: one instance per document. */
export class OfacAdvancedReader {
  private readonly stack: string[] = [];
  private rootClosed = false;

  private refSetsSeen = false;
  private refSetsDone = false;
  private distinctPartiesSeen = false;
  private sanctionsEntriesSeen = false;

  /** FeatureType ID -> its text; digital currency types also in `tickers`. */
  private readonly featureTypes = new Map<string, string>();
  private readonly tickers = new Map<string, string>();
  private readonly sanctionsTypes = new Map<string, string>();
  private readonly programTypeIds = new Set<string>();

  private text: string | undefined;
  private textTarget: TextTarget | undefined;
  private refId: string | undefined;

  private party: { readonly fixedRef: string | undefined } | undefined;
  private profile: ProfileState | undefined;
  private identity: IdentityState | undefined;
  private alias: AliasState | undefined;
  private namePartGroupId: string | undefined;
  private feature: FeatureState | undefined;

  private entry: { readonly profileId: string | undefined; readonly programs: string[] } | undefined;
  /** Sanctions/DateOfIssue's Year, Month and Day, as read. */
  private readonly issueDate = new Map<string, string>();
  private issueDatePart: string | undefined;
  private measureIsProgram = false;

  private readonly accepted: Accepted[] = [];
  private readonly seenUids = new Set<string>();
  private readonly rejected: RejectedItem[] = [];
  private readonly notes: string[] = [];
  /** Profile ID -> its pending facts; only profiles that listed an accepted address. */
  private readonly pending = new Map<string, PendingProfile>();
  /** Programs of SanctionsEntries read before DistinctParties (out of schema order, tolerated). */
  private readonly earlyPrograms = new Map<string, Set<string>>();

  constructor(private readonly file: string) {}

  onXmlDecl(encoding: string | undefined, parser: SaxesParser): void {
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
      throw this.refuse(`declares encoding "${encoding}"; only UTF-8 is read`, parser);
    }
  }

  onOpen(tag: SaxesTagNS, parser: SaxesParser): void {
    const name = tag.local;
    const parent = this.stack[this.stack.length - 1];
    this.stack.push(name);

    if (parent === undefined) {
      if (name !== 'Sanctions') {
        throw this.refuse(`root element is <${tag.name}>, not <Sanctions>: not OFAC advanced sanctions XML`, parser);
      }
      if (!OFAC_ADVANCED_XML_NAMESPACES.includes(tag.uri)) {
        this.notes.push(
          `root namespace "${tag.uri}" is not one OFAC is known to use (${OFAC_ADVANCED_XML_NAMESPACES.join(', ')}); read by element names`,
        );
      }
      return;
    }

    switch (name) {
      case 'Year':
      case 'Month':
      case 'Day':
        if (parent === 'DateOfIssue' && this.stack.length === 3) {
          this.issueDatePart = name;
          this.captureText('issueDatePart');
        }
        return;
      case 'ReferenceValueSets':
        if (parent === 'Sanctions') this.refSetsSeen = true;
        return;
      case 'FeatureType':
        if (parent === 'FeatureTypeValues') this.startRefValue(tag, 'featureType', parser);
        return;
      case 'SanctionsType':
        if (parent === 'SanctionsTypeValues') this.startRefValue(tag, 'sanctionsType', parser);
        return;
      case 'DistinctParties':
        if (parent === 'Sanctions') this.startDistinctParties(parser);
        return;
      case 'DistinctParty':
        if (parent === 'DistinctParties') this.party = { fixedRef: attr(tag, 'FixedRef') };
        return;
      case 'Profile':
        if (parent === 'DistinctParty' && this.party !== undefined) {
          this.profile = { id: attr(tag, 'ID') ?? '', identities: [], features: [] };
        }
        return;
      case 'Identity':
        if (parent === 'Profile' && this.profile !== undefined) {
          this.identity = {
            primary: attr(tag, 'Primary') === 'true',
            primaryParts: undefined,
            firstParts: undefined,
            groupOrder: [],
          };
        }
        return;
      case 'Alias':
        if (parent === 'Identity' && this.identity !== undefined) this.startAlias(tag);
        return;
      case 'DocumentedName':
        if (parent === 'Alias' && this.alias !== undefined) this.alias.documentedNames += 1;
        return;
      case 'NamePartValue':
        if (parent === 'DocumentedNamePart' && this.alias !== undefined && this.alias.documentedNames === 1) {
          this.namePartGroupId = attr(tag, 'NamePartGroupID');
          this.captureText('namePart');
        }
        return;
      case 'NamePartGroup':
        if (parent === 'MasterNamePartGroup' && this.identity !== undefined) {
          const id = attr(tag, 'ID');
          if (id !== undefined) this.identity.groupOrder.push(id);
        }
        return;
      case 'Feature':
        if (parent === 'Profile' && this.profile !== undefined) this.startFeature(tag, parser);
        return;
      case 'VersionDetail':
        if (parent === 'FeatureVersion' && this.feature !== undefined) this.captureText('versionDetail');
        return;
      case 'SanctionsEntries':
        if (parent === 'Sanctions') this.sanctionsEntriesSeen = true;
        return;
      case 'SanctionsEntry':
        if (parent === 'SanctionsEntries') this.entry = { profileId: attr(tag, 'ProfileID'), programs: [] };
        return;
      case 'SanctionsMeasure':
        if (parent === 'SanctionsEntry' && this.entry !== undefined) this.startMeasure(tag, parser);
        return;
      case 'Comment':
        if (parent === 'SanctionsMeasure' && this.measureIsProgram) this.captureText('programComment');
        return;
      default:
        return;
    }
  }

  onText(text: string): void {
    if (this.text === undefined) return;
    const room = MAX_TEXT - this.text.length;
    if (room > 0) this.text += text.length > room ? text.slice(0, room) : text;
  }

  onClose(): void {
    const name = this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    if (name === undefined) return;
    if (parent === undefined) {
      this.rootClosed = true;
      return;
    }
    switch (name) {
      case 'Year':
      case 'Month':
      case 'Day': {
        const value = this.takeText('issueDatePart');
        if (value !== undefined && this.issueDatePart === name) this.issueDate.set(name, value.trim());
        this.issueDatePart = undefined;
        return;
      }
      case 'FeatureType':
      case 'SanctionsType':
        this.endRefValue(name);
        return;
      case 'ReferenceValueSets':
        if (parent === 'Sanctions') this.refSetsDone = true;
        return;
      case 'NamePartValue': {
        const value = this.takeText('namePart');
        if (value !== undefined && this.alias !== undefined) {
          const cleaned = collapseSpaces(value);
          if (cleaned !== '') this.alias.parts.push({ groupId: this.namePartGroupId, value: cleaned });
        }
        this.namePartGroupId = undefined;
        return;
      }
      case 'Alias':
        if (parent === 'Identity') this.endAlias();
        return;
      case 'Identity':
        if (parent === 'Profile') this.endIdentity();
        return;
      case 'VersionDetail': {
        const value = this.takeText('versionDetail');
        if (value !== undefined && this.feature !== undefined && value.trim() !== '') this.feature.addresses.push(value.trim());
        return;
      }
      case 'Feature':
        if (parent === 'Profile' && this.feature !== undefined && this.profile !== undefined) {
          this.profile.features.push(this.feature);
          this.feature = undefined;
        }
        return;
      case 'Profile':
        if (parent === 'DistinctParty') this.endProfile();
        return;
      case 'DistinctParty':
        if (parent === 'DistinctParties') this.party = undefined;
        return;
      case 'Comment': {
        const value = this.takeText('programComment');
        if (value !== undefined && this.entry !== undefined && value.trim() !== '') this.entry.programs.push(own(value.trim()));
        return;
      }
      case 'SanctionsMeasure':
        this.measureIsProgram = false;
        return;
      case 'SanctionsEntry':
        if (parent === 'SanctionsEntries') this.endEntry();
        return;
      default:
        return;
    }
  }

  /** Called after the parser closed cleanly: the document was complete and well-formed. */
  finish(): OfacXmlResult {
    if (!this.rootClosed) throw new ListParseError(this.file, 'document has no complete <Sanctions> root element');
    if (!this.distinctPartiesSeen) {
      throw new ListParseError(this.file, 'no <DistinctParties> section: not a complete OFAC advanced sanctions document');
    }
    if (!this.sanctionsEntriesSeen) {
      throw new ListParseError(this.file, 'no <SanctionsEntries> section: programs (the legal basis) cannot be read');
    }
    for (const [profileId, p] of this.pending) {
      if (!p.matched) {
        this.notes.push(`${p.element} (Profile ID ${profileId}) has no SanctionsEntry; its addresses are kept with no programs`);
      }
    }
    const refs = new Map(this.accepted.map((a) => [a.entryUid, a.ref]));
    const dateOfIssue = this.dateOfIssue();
    if (dateOfIssue === null) this.notes.push('no readable Sanctions/DateOfIssue: the publication date is unknown');
    const entries: EntryDraft[] = this.accepted.map((a) => ({
      entryUid: a.entryUid,
      address: a.address,
      family: a.family,
      ticker: a.ticker,
      entityName: a.entityName,
      programs: [...a.programs].sort(),
      source: { file: this.file, element: a.element },
    }));
    const about = `OFAC advanced sanctions XML, date of issue ${dateOfIssue ?? 'unknown'}`;
    return this.notes.length > 0
      ? { entries, rejected: this.rejected, notes: this.notes, about, dateOfIssue, refs }
      : { entries, rejected: this.rejected, about, dateOfIssue, refs };
  }

  /** YYYY-MM-DD from DateOfIssue's parts, if they make a calendar date. */
  private dateOfIssue(): string | null {
    const [y, m, d] = ['Year', 'Month', 'Day'].map((k) => Number(this.issueDate.get(k)));
    if (y === undefined || m === undefined || d === undefined || ![y, m, d].every(Number.isInteger)) return null;
    const date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
    return date.toISOString().slice(0, 10);
  }

  private refuse(reason: string, parser: SaxesParser): ListParseError {
    return new ListParseError(this.file, reason, `line ${parser.line}, column ${parser.column}`);
  }

  private captureText(target: TextTarget): void {
    this.textTarget = target;
    this.text = '';
  }

  /** The text captured for `target`, ending that capture; undefined if none was under way. */
  private takeText(target: TextTarget): string | undefined {
    if (this.textTarget !== target) return undefined;
    const text = this.text;
    this.textTarget = undefined;
    this.text = undefined;
    return text;
  }

  private startRefValue(tag: SaxesTagNS, target: 'featureType' | 'sanctionsType', parser: SaxesParser): void {
    const id = attr(tag, 'ID');
    if (id === undefined) throw this.refuse(`<${tag.name}> without an ID in ReferenceValueSets`, parser);
    this.refId = id;
    this.captureText(target);
  }

  private endRefValue(name: 'FeatureType' | 'SanctionsType'): void {
    const target = name === 'FeatureType' ? 'featureType' : 'sanctionsType';
    const value = this.takeText(target);
    const id = this.refId;
    this.refId = undefined;
    if (value === undefined || id === undefined) return;
    const text = own(collapseSpaces(value));
    if (name === 'FeatureType') {
      this.featureTypes.set(own(id), text);
      if (text.startsWith(DIGITAL_CURRENCY_PREFIX)) {
        const ticker = text.slice(DIGITAL_CURRENCY_PREFIX.length).trim().toUpperCase();
        if (ticker !== '') this.tickers.set(own(id), own(ticker));
      }
    } else {
      this.sanctionsTypes.set(own(id), text);
      if (text.toLowerCase() === PROGRAM_SANCTIONS_TYPE) this.programTypeIds.add(own(id));
    }
  }

  private startDistinctParties(parser: SaxesParser): void {
    if (!this.refSetsDone) {
      throw this.refuse(
        this.refSetsSeen
          ? '<DistinctParties> inside an unfinished <ReferenceValueSets>'
          : '<DistinctParties> before <ReferenceValueSets>: feature types cannot be resolved',
        parser,
      );
    }
    if (this.programTypeIds.size === 0) {
      throw this.refuse('ReferenceValueSets has no SanctionsType "Program": programs cannot be told apart', parser);
    }
    if (this.tickers.size === 0) {
      this.notes.push('ReferenceValueSets lists no "Digital Currency Address - …" feature type; no addresses can be listed');
    }
    this.distinctPartiesSeen = true;
  }

  private startAlias(tag: SaxesTagNS): void {
    const identity = this.identity;
    if (identity === undefined) return;
    const primary = attr(tag, 'Primary') === 'true';
    const wanted = (primary && identity.primaryParts === undefined) || identity.firstParts === undefined;
    this.alias = wanted ? { primary, parts: [], documentedNames: 0 } : undefined;
  }

  private endAlias(): void {
    const identity = this.identity;
    const alias = this.alias;
    this.alias = undefined;
    if (identity === undefined || alias === undefined) return;
    if (identity.firstParts === undefined) identity.firstParts = alias.parts;
    if (alias.primary && identity.primaryParts === undefined) identity.primaryParts = alias.parts;
  }

  private endIdentity(): void {
    const identity = this.identity;
    this.identity = undefined;
    if (identity === undefined || this.profile === undefined) return;
    const parts = identity.primaryParts ?? identity.firstParts ?? [];
    this.profile.identities.push({ primary: identity.primary, name: orderedName(parts, identity.groupOrder) });
  }

  private startFeature(tag: SaxesTagNS, parser: SaxesParser): void {
    const typeId = attr(tag, 'FeatureTypeID');
    if (typeId === undefined || !this.featureTypes.has(typeId)) {
      // A dangling reference could hide an address type: refuse rather than skip.
      throw this.refuse(
        `Feature ID ${attr(tag, 'ID') ?? '?'} has FeatureTypeID "${typeId ?? ''}", which ReferenceValueSets does not define`,
        parser,
      );
    }
    const ticker = this.tickers.get(typeId);
    this.feature = ticker === undefined ? undefined : { id: attr(tag, 'ID') ?? '?', ticker, addresses: [] };
  }

  private endProfile(): void {
    const profile = this.profile;
    const party = this.party;
    this.profile = undefined;
    if (profile === undefined || party === undefined || profile.features.length === 0) return;

    const identity = profile.identities.find((i) => i.primary) ?? profile.identities[0];
    const entityName = identity?.name == null ? null : own(identity.name);
    const fixedRef = party.fixedRef;
    const partyElement = `DistinctParty[FixedRef=${fixedRef ?? '?'}]`;
    if (entityName === null) this.notes.push(own(`${partyElement} has no name in its primary alias`));

    const pending = this.pendingFor(profile.id, partyElement);
    for (const feature of profile.features) {
      const element = own(`${partyElement}/Feature[ID=${feature.id}]`);
      const reject = (reason: string, text: string): void => {
        this.rejected.push({ source: { file: this.file, element }, reason: own(reason), text: own(clip(text)) });
      };
      if (fixedRef === undefined || fixedRef.trim() === '') {
        reject('DistinctParty has no FixedRef, so the entry has no stable id', feature.addresses.join(' '));
        continue;
      }
      if (feature.addresses.length === 0) {
        reject(`Digital Currency Address - ${feature.ticker} feature has no address in VersionDetail`, '');
        continue;
      }
      for (const raw of feature.addresses) {
        let parsed;
        try {
          parsed = readOfacAddress(raw, feature.ticker);
        } catch (err) {
          if (!(err instanceof InvalidAddressError)) throw err;
          reject(`invalid ${feature.ticker} address: ${err.reason}`, raw);
          continue;
        }
        if (parsed.failed !== undefined) {
          this.notes.push(own(keptUnverifiedNote(`${this.file} ${element}`, feature.ticker, clip(parsed.address), parsed.failed)));
        }
        const entryUid = own(`sdn:${fixedRef}:${feature.ticker}:${parsed.address}`);
        if (this.seenUids.has(entryUid)) continue; // the same address listed twice for the party
        this.seenUids.add(entryUid);
        this.accepted.push({
          entryUid,
          address: own(parsed.address) as NormalisedAddress, // a copy of the normaliser's output
          family: parsed.family,
          ticker: feature.ticker,
          entityName,
          programs: pending.programs,
          element,
          ref: { sdnId: own(fixedRef), featureId: own(feature.id) },
        });
      }
    }
  }

  /** The pending record of a profile, created with any programs already read for it. */
  private pendingFor(profileId: string, element: string): PendingProfile {
    const existing = this.pending.get(profileId);
    if (existing !== undefined) return existing;
    const early = this.earlyPrograms.get(profileId);
    const p: PendingProfile = { element: own(element), programs: early ?? new Set(), matched: early !== undefined };
    this.pending.set(own(profileId), p);
    return p;
  }

  private startMeasure(tag: SaxesTagNS, parser: SaxesParser): void {
    const typeId = attr(tag, 'SanctionsTypeID');
    if (typeId === undefined || !this.sanctionsTypes.has(typeId)) {
      throw this.refuse(
        `SanctionsMeasure ID ${attr(tag, 'ID') ?? '?'} has SanctionsTypeID "${typeId ?? ''}", which ReferenceValueSets does not define`,
        parser,
      );
    }
    this.measureIsProgram = this.programTypeIds.has(typeId);
  }

  private endEntry(): void {
    const entry = this.entry;
    this.entry = undefined;
    if (entry === undefined || entry.profileId === undefined) return;
    const pending = this.pending.get(entry.profileId);
    if (pending !== undefined) {
      pending.matched = true;
      for (const program of entry.programs) pending.programs.add(program);
    } else if (!this.distinctPartiesSeen) {
      const early = this.earlyPrograms.get(entry.profileId) ?? new Set<string>();
      for (const program of entry.programs) early.add(program);
      this.earlyPrograms.set(own(entry.profileId), early);
    }
    // Otherwise the profile lists no address: its programs are not needed.
  }
}

function attr(tag: SaxesTagNS, local: string): string | undefined {
  // Attributes of this vocabulary are unprefixed; with xmlns on, saxes keys them by qualified name.
  const a = tag.attributes[local];
  return a === undefined ? undefined : a.value;
}

/**
 * The alias's name parts joined with spaces, ordered as the Identity's NamePartGroups list their
 * groups (e.g. Last Name before First Name); parts of unlisted groups keep document order after.
 */
function orderedName(parts: readonly NamePart[], groupOrder: readonly string[]): string | null {
  if (parts.length === 0) return null;
  const rank = (p: NamePart): number => {
    const i = p.groupId === undefined ? -1 : groupOrder.indexOf(p.groupId);
    return i < 0 ? groupOrder.length : i;
  };
  const ordered = parts.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i);
  return ordered.map(({ p }) => p.value).join(' ');
}

function collapseSpaces(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * A flat copy of `s`. V8 keeps a substring as a slice of its parent, and saxes's text and
 * attribute values are substrings of the whole chunk written to it: one name kept from a 64 KB
 * chunk would keep the chunk. Everything that outlives its DistinctParty goes through here.
 */
function own(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

function clip(s: string): string {
  return s.length > MAX_REJECTED_TEXT ? `${s.slice(0, MAX_REJECTED_TEXT - 1)}…` : s;
}
