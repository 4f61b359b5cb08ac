/**
 * The in-memory sanctions index: "is this address listed, and by which entries?" in one hash
 * lookup, for lists of millions of entries.
 *
 * Each list version is a `SnapshotIndex`: its entries kept as columns (typed arrays of numbers,
 * and tables of the strings that repeat: tickers, names, programs, files), with one map per
 * address family from the normalised address to the entry's position. An entry becomes a
 * `SanctionEntry` object only when a lookup finds it, field for field what the store holds.
 * About 160 bytes an entry, its address string included (an object per entry with its own
 * strings took several times that): 162 MB of heap for 1,000,000 entries (bench/list-load.ts).
 *
 * An entry uid that ends in its own `<TICKER>:<address>` (the uids of OFAC's lists, plain lists
 * and custom lists without ids) is kept as its prefix (`sdn:27307:`, or empty), shared.
 */
import { ADDRESS_FAMILIES, type AddressFamily } from '../domain/address-family.js';
import type { NormalisedAddress, ParsedAddress } from '../domain/address.js';
import type { ListId, SanctionEntry, SourceLocation } from '../domain/sanction-entry.js';

const NONE = -1;
const EMPTY: readonly SanctionEntry[] = Object.freeze([]);
const FAMILY_NUMBER = new Map<AddressFamily, number>(ADDRESS_FAMILIES.map((f, i) => [f, i]));

/** Strings (or values keyed by a string) that repeat, stored once and named by number. */
class Table<T> {
  readonly values: T[] = [];
  #ids = new Map<string, number>();
  /** The last key asked for: neighbouring entries often share a name, a ticker, a file. */
  #lastKey: string | undefined;
  #lastId = NONE;

  id(key: string, value: T): number {
    if (key === this.#lastKey) return this.#lastId;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.#ids.set(key, id);
    }
    this.#lastKey = key;
    this.#lastId = id;
    return id;
  }

  /** The values, once no more are added (the lookup map is dropped). */
  seal(): readonly T[] {
    this.#ids = new Map();
    this.#lastKey = undefined;
    return this.values;
  }
}

/** A growable column of 32-bit integers. */
class IntColumn {
  #data: Int32Array;
  constructor(capacity: number) {
    this.#data = new Int32Array(Math.max(capacity, 16));
  }
  set(i: number, v: number): void {
    if (i >= this.#data.length) {
      const bigger = new Int32Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[i] = v;
  }
  get(i: number): number {
    return this.#data[i] as number;
  }
  /** The first `n` values, in an array of exactly that length. */
  trim(n: number): Int32Array {
    return n === this.#data.length ? this.#data : this.#data.slice(0, n);
  }
}

/** The columns of a built SnapshotIndex (index-image.ts writes and reads them). */
export interface Columns {
  readonly addresses: readonly NormalisedAddress[];
  readonly family: Uint8Array;
  /** ≥ 0: the uid is `uidPrefixes[n] + ticker + ':' + address`; < 0: it is `uids[-n - 1]`. */
  readonly uidRef: Int32Array;
  readonly uidPrefixes: readonly string[];
  readonly uids: readonly string[];
  readonly ticker: Int32Array;
  readonly tickers: readonly string[];
  /** NONE: no name. */
  readonly entity: Int32Array;
  readonly entities: readonly string[];
  readonly programs: Int32Array;
  readonly programSets: readonly (readonly string[])[];
  readonly file: Int32Array;
  readonly files: readonly string[];
  /** NONE: no line. */
  readonly line: Int32Array;
  /** NONE: no element. */
  readonly element: Int32Array;
  readonly elements: readonly string[];
  /** The next entry with the same (family, address), NONE at the last. */
  readonly next: Int32Array;
  /** Per family number: address → its first entry. */
  readonly byFamily: readonly (ReadonlyMap<string, number> | undefined)[];
}

/** One list version's entries, compact, answering lookups by normalised address. */
export class SnapshotIndex {
  /** @internal Made by SnapshotIndexBuilder. */
  constructor(
    readonly listId: ListId,
    readonly listVersion: number,
    /** Entries in the order they were added (the store's: by entry uid). */
    readonly entryCount: number,
    private readonly c: Columns,
  ) {}

  /**
   * The entries listing this address, by entry uid (code-unit order, whatever order the store
   * or the image gave them in); [] if none.
   */
  lookup(address: ParsedAddress): readonly SanctionEntry[] {
    const first = this.#first(address);
    if (first === NONE) return EMPTY;
    const out: SanctionEntry[] = [];
    for (let i = first; i !== NONE; i = this.c.next[i] as number) out.push(this.entry(i));
    if (out.length > 1) out.sort((a, b) => (a.entryUid < b.entryUid ? -1 : a.entryUid > b.entryUid ? 1 : 0));
    return out;
  }

  /** @internal The columns, for index-image.ts. */
  get columns(): Columns {
    return this.c;
  }

  /**
   * @internal An index of columns read back from an image (index-image.ts): the address maps
   * are rebuilt from `addresses`, `family` and `next` (each address's first entry heads its chain).
   */
  static fromColumns(listId: ListId, listVersion: number, entryCount: number, c: Omit<Columns, 'byFamily'>): SnapshotIndex {
    const byFamily: Map<string, number>[] = [];
    const chained = new Uint8Array(entryCount);
    for (let i = 0; i < entryCount; i++) {
      const next = c.next[i] as number;
      if (next !== NONE) chained[next] = 1;
    }
    for (let i = 0; i < entryCount; i++) {
      if (chained[i] === 1) continue;
      const f = c.family[i] as number;
      (byFamily[f] ??= new Map<string, number>()).set(c.addresses[i] as string, i);
    }
    return new SnapshotIndex(listId, listVersion, entryCount, { ...c, byFamily });
  }

  /** Is this address listed? (No entry is built.) */
  has(address: ParsedAddress): boolean {
    return this.#first(address) !== NONE;
  }

  /** Distinct listed (family, address) pairs. */
  get addressCount(): number {
    let n = 0;
    for (const m of this.c.byFamily) n += m?.size ?? 0;
    return n;
  }

  /** Every listed (family, address) pair, once. */
  *addresses(): IterableIterator<ParsedAddress> {
    for (let f = 0; f < this.c.byFamily.length; f++) {
      const map = this.c.byFamily[f];
      if (map === undefined) continue;
      const family = ADDRESS_FAMILIES[f] as AddressFamily;
      for (const address of map.keys()) yield { family, address: address as NormalisedAddress };
    }
  }

  /** The i-th entry (0-based, in the order added), as a fresh object. */
  entry(i: number): SanctionEntry {
    const c = this.c;
    const address = c.addresses[i] as NormalisedAddress;
    const ticker = c.tickers[c.ticker[i] as number] as string;
    const ref = c.uidRef[i] as number;
    const entryUid = ref >= 0 ? `${c.uidPrefixes[ref] as string}${ticker}:${address}` : (c.uids[-ref - 1] as string);
    const entity = c.entity[i] as number;
    const line = c.line[i] as number;
    const element = c.element[i] as number;
    // Field for field (and in the order) the store's lists repository builds an entry.
    const source: SourceLocation = {
      file: c.files[c.file[i] as number] as string,
      ...(line !== NONE ? { line } : {}),
      ...(element !== NONE ? { element: c.elements[element] as string } : {}),
    };
    return {
      listId: this.listId,
      listVersion: this.listVersion,
      entryUid,
      address,
      family: ADDRESS_FAMILIES[c.family[i] as number] as AddressFamily,
      ticker,
      entityName: entity === NONE ? null : (c.entities[entity] as string),
      programs: [...(c.programSets[c.programs[i] as number] as readonly string[])],
      source,
    };
  }

  #first(p: ParsedAddress): number {
    const f = FAMILY_NUMBER.get(p.family);
    if (f === undefined) return NONE;
    return this.c.byFamily[f]?.get(p.address) ?? NONE;
  }
}

/** Thrown when an entry is added to the index of another list version. */
export class EntryOfOtherList extends Error {
  override readonly name = 'EntryOfOtherList';
  constructor(expected: string, entry: SanctionEntry) {
    super(`entry ${entry.entryUid} belongs to list ${entry.listId}@${entry.listVersion}, not to ${expected}: build one index per list version`);
  }
}

/** Builds a SnapshotIndex entry by entry (e.g. page by page as the store is read). */
export class SnapshotIndexBuilder {
  #n = 0;
  #addresses: NormalisedAddress[] = [];
  #family: Uint8Array;
  #uidRef: IntColumn;
  #ticker: IntColumn;
  #entity: IntColumn;
  #programs: IntColumn;
  #file: IntColumn;
  #line: IntColumn;
  #element: IntColumn;
  #next: IntColumn;
  #uidPrefixes = new Table<string>();
  #uids: string[] = [];
  #tickers = new Table<string>();
  #entities = new Table<string>();
  #programSets = new Table<readonly string[]>();
  #files = new Table<string>();
  #elements: string[] = [];
  #byFamily: (Map<string, number> | undefined)[] = [];
  /** Per family: address → the last entry of its chain, for addresses with several entries. */
  #last = new Map<string, number>();

  /** `expected`: how many entries will come (the snapshot's count), to size the columns once. */
  constructor(
    readonly listId: ListId,
    readonly listVersion: number,
    expected = 0,
  ) {
    this.#family = new Uint8Array(Math.max(expected, 16));
    this.#uidRef = new IntColumn(expected);
    this.#ticker = new IntColumn(expected);
    this.#entity = new IntColumn(expected);
    this.#programs = new IntColumn(expected);
    this.#file = new IntColumn(expected);
    this.#line = new IntColumn(expected);
    this.#element = new IntColumn(expected);
    this.#next = new IntColumn(expected);
  }

  add(e: SanctionEntry): void {
    if (e.listId !== this.listId || e.listVersion !== this.listVersion) throw new EntryOfOtherList(`${this.listId}@${this.listVersion}`, e);
    const f = FAMILY_NUMBER.get(e.family);
    if (f === undefined) throw new TypeError(`entry ${e.entryUid} of list ${e.listId}@${e.listVersion}: unknown address family "${e.family}"`);
    const i = this.#n++;
    if (i >= this.#family.length) {
      const bigger = new Uint8Array(this.#family.length * 2);
      bigger.set(this.#family);
      this.#family = bigger;
    }
    this.#family[i] = f;
    this.#addresses.push(e.address);
    const suffix = `${e.ticker}:${e.address}`;
    if (e.entryUid.endsWith(suffix)) {
      const prefix = e.entryUid.slice(0, e.entryUid.length - suffix.length);
      this.#uidRef.set(i, this.#uidPrefixes.id(prefix, prefix));
    } else {
      this.#uids.push(e.entryUid);
      this.#uidRef.set(i, -this.#uids.length);
    }
    this.#ticker.set(i, this.#tickers.id(e.ticker, e.ticker));
    this.#entity.set(i, e.entityName === null ? NONE : this.#entities.id(e.entityName, e.entityName));
    this.#programs.set(i, this.#programSets.id(JSON.stringify(e.programs), [...e.programs]));
    this.#file.set(i, this.#files.id(e.source.file, e.source.file));
    this.#line.set(i, e.source.line ?? NONE);
    if (e.source.element === undefined) this.#element.set(i, NONE);
    else this.#element.set(i, this.#elements.push(e.source.element) - 1);
    this.#next.set(i, NONE);

    const byAddress = (this.#byFamily[f] ??= new Map<string, number>());
    const first = byAddress.get(e.address);
    if (first === undefined) {
      byAddress.set(e.address, i);
      return;
    }
    // A second entry for the address (another ticker, another party): chained after the last.
    const key = `${f}:${e.address}`;
    this.#next.set(this.#last.get(key) ?? first, i);
    this.#last.set(key, i);
  }

  get entryCount(): number {
    return this.#n;
  }

  build(): SnapshotIndex {
    const n = this.#n;
    return new SnapshotIndex(this.listId, this.listVersion, n, {
      addresses: this.#addresses,
      family: this.#family.length === n ? this.#family : this.#family.slice(0, n),
      uidRef: this.#uidRef.trim(n),
      uidPrefixes: this.#uidPrefixes.seal(),
      uids: this.#uids,
      ticker: this.#ticker.trim(n),
      tickers: this.#tickers.seal(),
      entity: this.#entity.trim(n),
      entities: this.#entities.seal(),
      programs: this.#programs.trim(n),
      programSets: this.#programSets.seal(),
      file: this.#file.trim(n),
      files: this.#files.seal(),
      line: this.#line.trim(n),
      element: this.#element.trim(n),
      elements: this.#elements,
      next: this.#next.trim(n),
      byFamily: this.#byFamily,
    });
  }
}

/**
 * "Is this address listed, and by which entries?" over several list versions: the entries of
 * each in turn (lists in the order given, each list's entries by entry uid).
 */
export class AddressIndex {
  #parts: readonly SnapshotIndex[];
  #size: number | undefined;

  /** An index of `entries` (one part per list version, in the order first seen). */
  constructor(entries: Iterable<SanctionEntry>) {
    const builders = new Map<string, SnapshotIndexBuilder>();
    for (const e of entries) {
      const key = `${e.listId}@${e.listVersion}`;
      let b = builders.get(key);
      if (b === undefined) builders.set(key, (b = new SnapshotIndexBuilder(e.listId, e.listVersion)));
      b.add(e);
    }
    this.#parts = [...builders.values()].map((b) => b.build());
  }

  /** An index over list versions already indexed (shared, not copied). */
  static of(parts: readonly SnapshotIndex[]): AddressIndex {
    const index = new AddressIndex([]);
    index.#parts = [...parts];
    return index;
  }

  get parts(): readonly SnapshotIndex[] {
    return this.#parts;
  }

  lookup(address: ParsedAddress): readonly SanctionEntry[] {
    const parts = this.#parts;
    if (parts.length === 1) return (parts[0] as SnapshotIndex).lookup(address);
    let out: SanctionEntry[] | undefined;
    for (const part of parts) {
      const found = part.lookup(address);
      if (found.length === 0) continue;
      out ??= [];
      for (const e of found) out.push(e);
    }
    return out ?? EMPTY;
  }

  /** Entries over every list version. */
  get entryCount(): number {
    let n = 0;
    for (const p of this.#parts) n += p.entryCount;
    return n;
  }

  /** Distinct listed (family, address) pairs. */
  get size(): number {
    if (this.#size === undefined) {
      let n = 0;
      this.#parts.forEach((part, i) => {
        if (i === 0) return void (n += part.addressCount);
        const earlier = this.#parts.slice(0, i);
        for (const a of part.addresses()) if (!earlier.some((p) => p.has(a))) n++;
      });
      this.#size = n;
    }
    return this.#size;
  }
}
