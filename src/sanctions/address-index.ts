import { addressKey, type ParsedAddress } from '../domain/address.js';
import type { SanctionEntry } from '../domain/sanction-entry.js';

/** "Is this address listed, and by which entries?" in one hash lookup. */
export class AddressIndex {
  private readonly byKey = new Map<string, SanctionEntry[]>();

  constructor(entries: Iterable<SanctionEntry>) {
    for (const e of entries) {
      const key = addressKey({ family: e.family, address: e.address });
      const bucket = this.byKey.get(key);
      if (bucket) bucket.push(e);
      else this.byKey.set(key, [e]);
    }
  }

  lookup(address: ParsedAddress): readonly SanctionEntry[] {
    return this.byKey.get(addressKey(address)) ?? [];
  }

  /** Distinct listed (family, address) pairs. */
  get size(): number {
    return this.byKey.size;
  }
}
