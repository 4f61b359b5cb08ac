import { describe, expect, it } from 'vitest';

import { normaliseForFamily, type NormalisedAddress } from '../../src/domain/address.js';
import { HexAddressSet } from '../../src/domain/hex-address-set.js';

const evm = (a: string): NormalisedAddress => normaliseForFamily(a, 'evm');
/** A deterministic spread of addresses (hash-like digits everywhere). */
const spread = (i: number): NormalisedAddress => {
  let x = BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc835n;
  x = (x ^ (x >> 61n)) & ((1n << 160n) - 1n);
  return evm(`0x${x.toString(16).padStart(40, '0')}`);
};
const topicOf = (a: string): string => `0x${'0'.repeat(24)}${a.slice(2)}`;

// The OFAC-listed Tornado Cash router and a well-known exchange hot wallet (real mainnet addresses).
const TORNADO = evm('0xd90e2f925DA726b50C4Ed8D0Fb90Ad053324F31b');
const OTHER = evm('0x28C6c06298d514Db089934071355E5743bf21d60');

describe('HexAddressSet', () => {
  it('finds an address added, in an address string or a log topic, in either case', () => {
    const set = new HexAddressSet();
    expect(set.add(TORNADO)).toBe(true);
    expect(set.size).toBe(1);
    expect(set.has(TORNADO)).toBe(true);
    expect(set.has('0xd90e2f925DA726b50C4Ed8D0Fb90Ad053324F31b')).toBe(true);
    expect(set.hasDigitsAt(topicOf(TORNADO), 26)).toBe(true);
    expect(set.hasDigitsAt(`xyz${TORNADO.slice(2)}`, 3)).toBe(true);
    expect(set.has(OTHER)).toBe(false);
    expect(set.hasDigitsAt(topicOf(OTHER), 26)).toBe(false);
  });

  it('says no to what is not 40 hex digits, without throwing', () => {
    const set = new HexAddressSet();
    set.add(TORNADO);
    expect(set.has(TORNADO.slice(0, 41))).toBe(false);
    expect(set.has(`${TORNADO}0`)).toBe(false);
    expect(set.has(`0x${TORNADO.slice(2, 41)}g`)).toBe(false);
    expect(set.has(`0x${TORNADO.slice(2, 10)}\u00e9${TORNADO.slice(11)}`)).toBe(false);
    expect(set.hasDigitsAt(TORNADO, 3)).toBe(false); // runs past the end
    expect(set.hasDigitsAt(TORNADO, -1)).toBe(false);
  });

  it('adds each address once and refuses strings that are not EVM addresses', () => {
    const set = new HexAddressSet();
    expect(set.add(TORNADO)).toBe(true);
    expect(set.add(TORNADO)).toBe(false);
    expect(set.size).toBe(1);
    expect(() => set.add('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' as NormalisedAddress)).toThrow(/not an EVM address/);
    expect(() => set.add(`0x${'g'.repeat(40)}` as NormalisedAddress)).toThrow(/not an EVM address/);
    expect(set.size).toBe(1);
  });

  it('adds from the digits where they stand in a longer text, and adds nothing that is not 40 hex digits', () => {
    const set = new HexAddressSet();
    const page = [TORNADO, OTHER, TORNADO.toUpperCase().replace('0X', '0x')].join('\n');
    expect(set.addDigitsAt(page, 2)).toBe(true);
    expect(set.addDigitsAt(page, 45)).toBe(true);
    expect(set.addDigitsAt(page, 88)).toBe(false); // the first one again, in upper case
    expect(set.addDigitsAt(page, 1)).toBeUndefined(); // 'x' is no digit
    expect(set.addDigitsAt(page, page.length - 39)).toBeUndefined(); // runs past the end
    expect(set.addDigitsAt(`0x${TORNADO.slice(2, 41)}g`, 2)).toBeUndefined();
    expect(set.size).toBe(2);
    expect(set.has(TORNADO) && set.has(OTHER)).toBe(true);
  });

  it('keeps every address as it grows far past its first size, and finds none that was not added', () => {
    const set = new HexAddressSet();
    const n = 20_000;
    for (let i = 0; i < n; i++) set.add(spread(i));
    expect(set.size).toBe(n);
    for (let i = 0; i < n; i++) expect(set.has(spread(i))).toBe(true);
    for (let i = n; i < 2 * n; i++) expect(set.has(spread(i))).toBe(false);
  });

  it('tells apart addresses that share their last digits, or all but one digit', () => {
    const set = new HexAddressSet();
    const tail = TORNADO.slice(-8);
    const twins = Array.from({ length: 50 }, (_, i) => evm(`0x${i.toString(16).padStart(32, '0')}${tail}`));
    twins.forEach((a, i) => {
      if (i % 2 === 0) set.add(a);
    });
    twins.forEach((a, i) => expect(set.has(a)).toBe(i % 2 === 0));
    // One digit off, anywhere: not in the set.
    set.add(TORNADO);
    for (let i = 2; i < 42; i++) {
      const c = TORNADO[i] === '0' ? '1' : '0';
      expect(set.has(`${TORNADO.slice(0, i)}${c}${TORNADO.slice(i + 1)}`)).toBe(false);
    }
  });

  it('addresses whose leading digits are all zero (structured, not hashed) still spread', () => {
    const set = new HexAddressSet(10);
    const zeroLed = Array.from({ length: 5_000 }, (_, i) => evm(`0x${(BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).padStart(40, '0')}`));
    for (const a of zeroLed) set.add(a);
    expect(zeroLed.every((a) => set.has(a))).toBe(true);
    expect(set.size).toBe(zeroLed.length);
  });
});
