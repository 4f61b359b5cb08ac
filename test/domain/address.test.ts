import { readFileSync, readdirSync } from 'node:fs';

import { bech32, bech32m } from 'bech32';
import bs58check from 'bs58check';
import { describe, it, expect } from 'vitest';

import type { AddressFamily } from '../../src/domain/address-family.js';
import {
  addressKey,
  hexToTron,
  InvalidAddressError,
  normaliseForFamily,
  parseListedAddress,
  readAddress,
  tronToHex,
} from '../../src/domain/address.js';
import { familyHintForTicker, isEvmTicker, KNOWN_FORMAT_TICKERS } from '../../src/domain/ticker.js';

const LISTS = new URL('../fixtures/real/ofac/lists-2024-09/', import.meta.url);

function listLines(ticker: string): string[] {
  return readFileSync(new URL(`sanctioned_addresses_${ticker}.txt`, LISTS), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The reason an address is rejected, or a failure if it is accepted. */
function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidAddressError);
    return (e as InvalidAddressError).reason;
  }
  throw new Error('expected the address to be rejected');
}

function families(raw: string): Array<[AddressFamily, string]> {
  return readAddress(raw).map((p) => [p.family, p.address]);
}

describe('list files from OFAC (2024-09) load with their ticker as hint', () => {
  const expected: Record<string, (line: string) => AddressFamily> = {
    ETH: () => 'evm',
    USDC: () => 'evm',
    ARB: () => 'evm',
    BSC: () => 'evm',
    // USDT is listed on Ethereum, Tron and Omni (bitcoin).
    USDT: (l) => (l.startsWith('0x') ? 'evm' : l.startsWith('T') ? 'tron' : 'bitcoin'),
    // The real XBT file carries one Tron address (TUCsTq7…); its own format makes it tron.
    XBT: (l) => (l.startsWith('T') ? 'tron' : 'bitcoin'),
    LTC: () => 'litecoin',
    BCH: () => 'bitcoin-cash',
    TRX: () => 'tron',
  };

  it('covers every file in the fixture folder', () => {
    const tickers = readdirSync(LISTS)
      .map((f) => /^sanctioned_addresses_(\w+)\.txt$/.exec(f)?.[1])
      .filter((t): t is string => t !== undefined)
      .sort();
    expect(tickers).toEqual(Object.keys(expected).sort());
  });

  for (const [ticker, familyOf] of Object.entries(expected)) {
    it(`every ${ticker} line parses to its family`, () => {
      const lines = listLines(ticker);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const p = parseListedAddress(line, ticker);
        expect({ line, family: p.family }).toEqual({ line, family: familyOf(line) });
      }
    });
  }

  it('BCH lines, legacy or cashaddr, all normalise to prefixed lowercase cashaddr', () => {
    for (const line of listLines('BCH')) {
      expect(parseListedAddress(line, 'BCH').address).toMatch(/^bitcoincash:[qp][02-9ac-hj-np-z]{41}$/);
    }
  });

  it('segwit lines normalise to themselves (already lowercase) and base58 lines are kept as listed', () => {
    for (const line of listLines('XBT')) expect(parseListedAddress(line, 'XBT').address).toBe(line);
    expect(listLines('XBT').filter((l) => parseListedAddress(l, 'XBT').family !== 'bitcoin')).toEqual([
      'TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq',
    ]);
    for (const line of listLines('LTC')) expect(parseListedAddress(line, 'LTC').address).toBe(line);
  });
});

describe('EVM addresses', () => {
  const checksummed = '0x175d44451403Edf28469dF03A9280c1197ADb92c'; // USDT list, EIP-55 form

  it('a 0x address is evm under any ticker, normalised to lowercase', () => {
    for (const ticker of ['ETH', 'ETC', 'USDT', 'USDC', 'ARB', 'BSC', 'TRX', 'XYZ']) {
      expect(parseListedAddress(checksummed, ticker)).toEqual({ family: 'evm', address: checksummed.toLowerCase() });
    }
  });

  it('all-lower and all-upper forms normalise to the same value as the checksummed one', () => {
    const hex = checksummed.slice(2);
    const want = normaliseForFamily(checksummed, 'evm');
    expect(normaliseForFamily(`0x${hex.toLowerCase()}`, 'evm')).toBe(want);
    expect(normaliseForFamily(`0x${hex.toUpperCase()}`, 'evm')).toBe(want);
    expect(parseListedAddress(`0x${hex.toUpperCase()}`, 'ETH').address).toBe(want);
  });

  it('a checksummed address with one letter case flipped is rejected, even under an unknown ticker', () => {
    const flipped = checksummed.replace('Edf', 'edf');
    expect(rejection(() => parseListedAddress(flipped, 'ETH'))).toBe('bad EIP-55 checksum');
    expect(rejection(() => parseListedAddress(flipped, 'XYZ'))).toBe('bad EIP-55 checksum');
    expect(rejection(() => normaliseForFamily(flipped, 'evm'))).toBe('bad EIP-55 checksum');
    expect(families(flipped)).toEqual([['unverified', flipped]]);
  });

  it('a 0x string of the wrong length under an EVM ticker is rejected, not kept as unverified', () => {
    expect(rejection(() => parseListedAddress('0x175d44451403edf28469df03a9280c1197adb9', 'ETH'))).toMatch(/not a valid ETH address/);
  });
});

describe('bech32 / bech32m (segwit) addresses', () => {
  const p2wpkh = 'bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw'; // XBT list
  const program = Uint8Array.from(bech32.fromWords(bech32.decode(p2wpkh).words.slice(1)));

  it('one changed character is rejected', () => {
    const changed = p2wpkh.slice(0, 10) + (p2wpkh[10] === 'q' ? 'p' : 'q') + p2wpkh.slice(11);
    expect(rejection(() => parseListedAddress(changed, 'XBT'))).toBe('bad bech32 checksum');
    // The bc prefix names the chain: a bad checksum is an error under any ticker.
    expect(rejection(() => parseListedAddress(changed, 'XYZ'))).toBe('bad bech32 checksum');
  });

  it('an uppercase address normalises to lowercase; mixed case is rejected', () => {
    expect(parseListedAddress(p2wpkh.toUpperCase(), 'XBT')).toEqual({ family: 'bitcoin', address: p2wpkh });
    expect(normaliseForFamily(p2wpkh.toUpperCase(), 'bitcoin')).toBe(p2wpkh);
    const mixed = p2wpkh.slice(0, 20) + p2wpkh.slice(20).toUpperCase();
    expect(rejection(() => parseListedAddress(mixed, 'XBT'))).toBe('mixed-case bech32 address');
  });

  it('witness v0 must use bech32 and v1+ must use bech32m (BIP-350)', () => {
    const v0m = bech32m.encode('bc', [0, ...bech32.toWords(program)]);
    expect(rejection(() => parseListedAddress(v0m, 'XBT'))).toMatch(/witness v0 must use bech32/);
    const key = new Uint8Array(32).fill(7);
    const v1 = bech32.encode('bc', [1, ...bech32.toWords(key)]);
    expect(rejection(() => parseListedAddress(v1, 'XBT'))).toMatch(/witness v1 must use bech32m/);
    expect(parseListedAddress(bech32m.encode('bc', [1, ...bech32m.toWords(key)]), 'XBT').family).toBe('bitcoin');
  });

  it('accepts taproot (BIP-86) and testnet/litecoin prefixes, and checks v0 program length', () => {
    expect(parseListedAddress('bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', 'XBT').family).toBe('bitcoin');
    expect(parseListedAddress('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'XBT').family).toBe('bitcoin');
    expect(parseListedAddress(bech32.encode('ltc', [0, ...bech32.toWords(program)]), 'LTC').family).toBe('litecoin');
    const short = bech32.encode('bc', [0, ...bech32.toWords(program.subarray(0, 19))]);
    expect(rejection(() => parseListedAddress(short, 'XBT'))).toMatch(/v0 program is 19 bytes/);
  });
});

describe('BNB Beacon Chain (bnb1…) addresses', () => {
  // OFAC's only BNB feature (sdn_advanced.xml of 2025-11-19, SDN 56360).
  const listed = 'bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23';
  const account = bech32.fromWords(bech32.decode(listed).words);

  it('the address OFAC lists under BNB is a bnb-beacon address, kept as listed (lowercase)', () => {
    expect(account).toHaveLength(20);
    expect(parseListedAddress(listed, 'BNB')).toEqual({ family: 'bnb-beacon', address: listed });
    // Its own format decides, whatever the ticker says.
    expect(parseListedAddress(listed, 'ETH')).toEqual({ family: 'bnb-beacon', address: listed });
    expect(parseListedAddress(listed.toUpperCase(), 'BNB')).toEqual({ family: 'bnb-beacon', address: listed });
    expect(normaliseForFamily(` ${listed.toUpperCase()} `, 'bnb-beacon')).toBe(listed);
  });

  it('screening without a chain reads it as bnb-beacon (and as the exact string)', () => {
    expect(families(listed)).toEqual([
      ['bnb-beacon', listed],
      ['unverified', listed],
    ]);
  });

  it('a changed character, mixed case, bech32m, or a payload that is not 20 bytes is rejected under any ticker', () => {
    const flipped = `${listed.slice(0, -1)}${listed.endsWith('3') ? '4' : '3'}`;
    expect(rejection(() => parseListedAddress(flipped, 'BNB'))).toBe('bad bech32 checksum');
    expect(rejection(() => parseListedAddress(flipped, 'XMR'))).toBe('bad bech32 checksum');
    expect(rejection(() => parseListedAddress(`BNB1${listed.slice(4)}`, 'BNB'))).toBe('mixed-case bech32 address');
    expect(rejection(() => parseListedAddress(bech32m.encode('bnb', bech32m.toWords(account)), 'BNB'))).toBe('bad bech32 checksum');
    const long = bech32.encode('bnb', bech32.toWords(new Uint8Array(32).fill(7)));
    expect(rejection(() => parseListedAddress(long, 'BNB'))).toBe('BNB Beacon Chain account is 32 bytes; must be 20');
  });

  it('is not an EVM address, and an EVM address is not a bnb-beacon one', () => {
    expect(rejection(() => normaliseForFamily(listed, 'evm'))).toBe('reads as bnb-beacon, not as evm');
    expect(rejection(() => normaliseForFamily('0x8589427373d6d84e98730d7795d8f6f8731fda16', 'bnb-beacon'))).toBe(
      'reads as evm, not as bnb-beacon',
    );
  });
});

describe('base58check addresses', () => {
  const p2pkh = '18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB';

  it('a changed character is rejected with a clear reason under a ticker Cordon validates', () => {
    const changed = p2pkh.slice(0, 5) + (p2pkh[5] === 'W' ? 'X' : 'W') + p2pkh.slice(6);
    expect(rejection(() => parseListedAddress(changed, 'XBT'))).toBe('bad base58check checksum');
    const err = (() => {
      try {
        parseListedAddress(changed, 'XBT');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toBe(`invalid address "${changed}": bad base58check checksum`);
  });

  it('a valid base58check with a version no family uses is rejected, naming the version', () => {
    const odd = bs58check.encode(Uint8Array.from([0x99, ...new Uint8Array(20).fill(1)]));
    expect(rejection(() => parseListedAddress(odd, 'XBT'))).toBe('unknown base58check version 0x99');
  });

  it('the ticker decides which family a shared version byte belongs to', () => {
    expect(parseListedAddress(p2pkh, 'XBT').family).toBe('bitcoin');
    expect(parseListedAddress(p2pkh, 'BTC').family).toBe('bitcoin');
    expect(parseListedAddress(p2pkh, 'USDT').family).toBe('bitcoin'); // Omni
    expect(parseListedAddress(p2pkh, 'BSV')).toEqual({ family: 'bitcoin-sv', address: p2pkh });
    expect(parseListedAddress(p2pkh, 'LTC').family).toBe('bitcoin'); // LTC never used version 0x00
    expect(parseListedAddress('3LtcaPbCj87CwJHnRX3vh7c2y9RZQqeSy8', 'LTC').family).toBe('litecoin'); // old LTC p2sh
    expect(parseListedAddress('3LtcaPbCj87CwJHnRX3vh7c2y9RZQqeSy8', 'XBT').family).toBe('bitcoin');
  });

  it('the family comes from the address, not the ticker, when the format is unambiguous', () => {
    expect(parseListedAddress('LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb', 'XBT').family).toBe('litecoin');
  });
});

describe('Bitcoin Cash: legacy and cashaddr forms meet', () => {
  const legacy = '18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB';
  // Computed independently from the legacy hash160 with a separate cashaddr implementation.
  const cash = 'bitcoincash:qpgf0ztxq3mwfq6eg5versgfdzq9c3pwv5jsk6wnay';

  it('the BCH list entry 18M8… and its cashaddr form normalise to the same value', () => {
    expect(parseListedAddress(legacy, 'BCH')).toEqual({ family: 'bitcoin-cash', address: cash });
    expect(parseListedAddress(cash, 'BCH').address).toBe(cash);
    expect(parseListedAddress(cash.slice('bitcoincash:'.length), 'BCH').address).toBe(cash);
    expect(parseListedAddress(cash.toUpperCase(), 'BCH').address).toBe(cash);
    expect(normaliseForFamily(legacy, 'bitcoin-cash')).toBe(cash);
    expect(normaliseForFamily(cash.slice('bitcoincash:'.length).toUpperCase(), 'bitcoin-cash')).toBe(cash);
  });

  it('converts the cashaddr spec legacy vectors (p2pkh and p2sh)', () => {
    const vectors = [
      ['1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu', 'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a'],
      ['1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR', 'bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy'],
      ['16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb', 'bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r'],
      ['3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC', 'bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq'],
      ['3LDsS579y7sruadqu11beEJoTjdFiFCdX4', 'bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e'],
      ['31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw', 'bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37'],
    ] as const;
    for (const [l, c] of vectors) {
      expect(parseListedAddress(l, 'BCH').address).toBe(c);
      expect(normaliseForFamily(c, 'bitcoin-cash')).toBe(c);
    }
  });

  it('a token-aware cashaddr screens as the plain address', () => {
    expect(normaliseForFamily('bitcoincash:zr6m7j9njldwwzlg9v7v53unlr4jkmx6eycnjehshe', 'bitcoin-cash')).toBe(
      'bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2',
    );
  });

  it('mixed-case or altered cashaddr is rejected', () => {
    expect(rejection(() => parseListedAddress('bitcoincash:qpgf0ztxq3mwfq6eg5versgfdzq9c3pwv5jsk6wnaY', 'BCH'))).toBe('mixed-case cashaddr');
    expect(rejection(() => parseListedAddress('qpgf0ztxq3mwfq6eg5versgfdzq9c3pwv5jsk6wnaq', 'BCH'))).toBe('bad cashaddr checksum');
  });

  it('readAddress of a legacy 1… address gives bitcoin, bitcoin-cash (as cashaddr) and bitcoin-sv readings', () => {
    expect(families(legacy)).toEqual([
      ['bitcoin', legacy],
      ['bitcoin-cash', cash],
      ['bitcoin-sv', legacy],
      ['unverified', legacy],
    ]);
    expect(families(cash)).toEqual([
      ['bitcoin-cash', cash],
      ['unverified', cash],
    ]);
  });
});

describe('Tron addresses', () => {
  // USDT's TRC-20 contract: a widely published base58/hex pair.
  const tron = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
  const hex = '0xa614f803b6fd780986a42c78ec9c7f77e6ded13c';

  it('T-form and hex twin convert both ways', () => {
    expect(tronToHex(tron)).toBe(hex);
    expect(hexToTron(hex)).toBe(tron);
    expect(hexToTron(`41${hex.slice(2)}`)).toBe(tron);
    expect(hexToTron(hex.toUpperCase().replace('0X', '0x'))).toBe(tron);
    for (const line of listLines('TRX')) expect(hexToTron(tronToHex(line))).toBe(line);
  });

  it('a listed TRX entry written in Tron hex (41…, any case) is stored as its T… account, so it matches Tron traffic', () => {
    for (const written of [tron, `41${hex.slice(2)}`, `41${hex.slice(2).toUpperCase()}`]) {
      expect(parseListedAddress(written, 'TRX')).toEqual({ family: 'tron', address: tron });
    }
  });

  it('normaliseForFamily(tron) accepts the T-form and both hex forms', () => {
    expect(normaliseForFamily(tron, 'tron')).toBe(tron);
    expect(normaliseForFamily(hex, 'tron')).toBe(tron);
    expect(normaliseForFamily(`41${hex.slice(2)}`, 'tron')).toBe(tron);
  });

  it('readAddress of the hex twin includes the tron reading next to the evm one', () => {
    expect(families(hex)).toEqual([
      ['evm', hex],
      ['tron', tron],
      ['unverified', hex],
    ]);
    expect(families(`41${hex.slice(2)}`)).toContainEqual(['tron', tron]);
  });

  it('a T-address with a changed character is rejected', () => {
    const changed = tron.slice(0, 4) + (tron[4] === 'Z' ? 'Y' : 'Z') + tron.slice(5);
    expect(rejection(() => parseListedAddress(changed, 'TRX'))).toBe('bad base58check checksum');
    expect(() => tronToHex(changed)).toThrow(InvalidAddressError);
  });
});

describe('OFAC SDN entries with other tickers (2021)', () => {
  const cases: Array<[string, string, AddressFamily]> = [
    ['ZEC', 't1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy', 'zcash'],
    ['DASH', 'XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2', 'dash'],
    ['BTG', 'GPwg61XoHqQPNmAucFACuQ5H9sGCDv9TpS', 'bitcoin-gold'],
    ['XVG', 'DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z', 'verge'],
    ['BSV', '12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9', 'bitcoin-sv'],
    ['ETC', '0xd882cfc20f52f2599d84b8e8d58c7fb62cfe344b', 'evm'],
  ];
  for (const [ticker, addr, family] of cases) {
    it(`${ticker} ${addr} parses as ${family}`, () => {
      expect(parseListedAddress(addr, ticker)).toEqual({ family, address: addr });
      expect(normaliseForFamily(addr, family)).toBe(addr);
    });
  }

  it('the XMR entry (a 64-hex string, as OFAC lists it) is kept as unverified, exactly as listed', () => {
    const xmr = '5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320';
    const p = parseListedAddress(` ${xmr} `, 'XMR');
    expect(p).toEqual({ family: 'unverified', address: xmr });
    expect(addressKey(p)).toBe(`unverified:${xmr}`);
    expect(families(xmr)).toEqual([['unverified', xmr]]);
  });

  it('a Verge address is dogecoin when listed under DOGE (same version byte)', () => {
    expect(parseListedAddress('DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z', 'DOGE').family).toBe('dogecoin');
  });
});

describe('tickers and unverified entries', () => {
  it('a ticker Cordon validates never lets a malformed address through as unverified', () => {
    for (const ticker of ['XBT', 'ETH', 'USDT', 'TRX', 'BCH', 'LTC', 'ZEC']) {
      expect(() => parseListedAddress('not-an-address', ticker)).toThrow(InvalidAddressError);
    }
  });

  it('an address in an unvalidated format (XRP) is unverified; base58-looking but other alphabet', () => {
    const xrp = 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh';
    expect(parseListedAddress(xrp, 'XRP')).toEqual({ family: 'unverified', address: xrp });
  });

  it('empty input and inner whitespace are rejected', () => {
    expect(rejection(() => parseListedAddress('   ', 'XBT'))).toBe('empty');
    expect(rejection(() => parseListedAddress('ab cd', 'XMR'))).toBe('contains whitespace');
    expect(rejection(() => normaliseForFamily('', 'evm'))).toBe('empty');
    expect(readAddress('  ')).toEqual([]);
    expect(readAddress('ab cd')).toEqual([]);
  });

  it('normaliseForFamily refuses an address of another family, saying which', () => {
    expect(rejection(() => normaliseForFamily('LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb', 'bitcoin'))).toBe('reads as litecoin, not as bitcoin');
    expect(rejection(() => normaliseForFamily('hello', 'bitcoin'))).toMatch(/^not a Bitcoin address/);
    expect(rejection(() => normaliseForFamily('hello', 'evm'))).toMatch(/^not an EVM address \(expected 0x followed by 40 hex digits\)/);
  });

  it('knows the EVM tickers and the tickers whose format it validates', () => {
    for (const t of ['ETH', 'eth', 'ETC', 'USDT', 'USDC', 'ARB', 'BSC', 'BNB', 'MATIC', 'POL', 'OP', 'BASE', 'AVAX', 'DAI', 'BUSD']) {
      expect(isEvmTicker(t)).toBe(true);
    }
    expect(isEvmTicker('XBT')).toBe(false);
    expect(familyHintForTicker('BCH')).toBe('bitcoin-cash');
    expect(familyHintForTicker('XMR')).toBeUndefined();
    expect(KNOWN_FORMAT_TICKERS.has('XVG')).toBe(true);
    expect(KNOWN_FORMAT_TICKERS.has('XMR')).toBe(false);
  });
});
