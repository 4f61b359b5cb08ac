/**
 * A fresh install's default list (config/default.yaml): a hold it raises must cite the listed
 * party and its programs, not only the list's authority.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import type { ListConfig } from '../../src/config/schema.js';
import { listId, type ParseResult } from '../../src/domain/sanction-entry.js';
import { AddressIndex } from '../../src/sanctions/address-index.js';
import { loadList } from '../../src/sanctions/load-list.js';
import { screenAddress } from '../../src/sanctions/screen-address.js';

let list: ListConfig;
let loaded: ParseResult;
let index: AddressIndex;

beforeAll(async () => {
  const [first] = loadConfig({ env: {} }).config.lists;
  if (first === undefined) throw new Error('config/default.yaml configures no list');
  list = first;
  loaded = await loadList({ format: list.format, source: list.source, programs: list.programs, timeout: list.timeout });
  index = new AddressIndex(loaded.entries.map((e) => ({ ...e, listId: listId(list.id), listVersion: 1 })));
});

describe('the default list of a fresh install', () => {
  it('is OFAC\'s SDN list, dated, loading whole', () => {
    expect(list).toMatchObject({ id: 'ofac-sdn', policy: 'hold', authority: 'US Treasury OFAC, Specially Designated Nationals and Blocked Persons List' });
    expect(loaded.rejected).toEqual([]);
    expect(loaded.entries.length).toBeGreaterThanOrEqual(700);
    expect(loaded.about).toMatch(/sdn_advanced\.xml of 2025-11-19 \(SHA-256 [0-9a-f]{64}\)/);
  });

  it('a Lazarus Group ETH address screens with entity name, programs and SDN id', () => {
    const { matches } = screenAddress(index, '0x098B716B8Aaf21512996dC57EB0615e2383E2f96', 'evm');
    expect(matches).toEqual([
      expect.objectContaining({
        entryUid: 'sdn:27307:ETH:0x098b716b8aaf21512996dc57eb0615e2383e2f96',
        entityName: 'Lazarus Group',
        programs: ['DPRK3'],
        listId: 'ofac-sdn',
      }),
    ]);
  });

  it('every entry names its party and at least one program', () => {
    const bare = loaded.entries.filter((e) => e.entityName === null || e.programs.length === 0 || !e.entryUid.startsWith('sdn:'));
    expect(bare).toEqual([]);
  });

  it('Tornado Cash, delisted by OFAC on 2025-03-21, is no longer listed', () => {
    expect(screenAddress(index, '0x8589427373D6D84E98730D7795D8f6f8731FDA16', 'evm').matches).toEqual([]);
  });
});
