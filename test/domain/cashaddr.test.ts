import { describe, it, expect } from 'vitest';

import { decodeCashAddr, encodeCashAddr, tryDecodeCashAddr, CashAddrError } from '../../src/domain/cashaddr.js';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const bytes = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

// Test vectors from the cashaddr specification (hash sizes and types), copied as data.
const SPEC_VECTORS = [
  { addr: 'bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2', type: 'p2pkh', hash: 'F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9' },
  { addr: 'bitcoincash:q9adhakpwzztepkpwp5z0dq62m6u5v5xtyj7j3h2ws4mr9g0', type: 'p2pkh', hash: '7ADBF6C17084BC86C1706827B41A56F5CA32865925E946EA' },
  { addr: 'bchtest:p9adhakpwzztepkpwp5z0dq62m6u5v5xtyj7j3h2u94tsynr', type: 'p2sh', hash: '7ADBF6C17084BC86C1706827B41A56F5CA32865925E946EA' },
  {
    addr: 'bchtest:pvch8mmxy0rtfrlarg7ucrxxfzds5pamg73h7370aa87d80gyhqxq7fqng6m6',
    type: 'p2sh',
    hash: '3173EF6623C6B48FFD1A3DCC0CC6489B0A07BB47A37F47CFEF4FE69DE825C060',
  },
  {
    addr: 'bitcoincash:qlg0x333p4238k0qrc5ej7rzfw5g8e4a4r6vvzyrcy8j3s5k0en7calvclhw46hudk5flttj6ydvjc0pv3nchp52amk97tqa5zygg96mtky5sv5w',
    type: 'p2pkh',
    hash: 'D0F346310D5513D9E01E299978624BA883E6BDA8F4C60883C10F28C2967E67EC77ECC7EEEAEAFC6DA89FAD72D11AC961E164678B868AEEEC5F2C1DA08884175B',
  },
] as const;

describe('cashaddr', () => {
  it('decodes and re-encodes the spec vectors for every hash size and type', () => {
    for (const v of SPEC_VECTORS) {
      const d = decodeCashAddr(v.addr);
      expect(d.type).toBe(v.type);
      expect(hex(d.hash)).toBe(v.hash.toLowerCase());
      expect(encodeCashAddr(d.prefix, d.type, bytes(v.hash))).toBe(v.addr);
    }
  });

  it('reads a prefix-less address as bitcoincash, in either case', () => {
    const bare = 'qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2';
    expect(decodeCashAddr(bare).prefix).toBe('bitcoincash');
    expect(hex(decodeCashAddr(bare.toUpperCase()).hash)).toBe('f5bf48b397dae70be82b3cca4793f8eb2b6cdac9');
    expect(decodeCashAddr('BITCOINCASH:QR6M7J9NJLDWWZLG9V7V53UNLR4JKMX6EYLEP8EKG2').prefix).toBe('bitcoincash');
  });

  it('flags a CashTokens token-aware address but gives the same hash and type', () => {
    const d = decodeCashAddr('bitcoincash:zr6m7j9njldwwzlg9v7v53unlr4jkmx6eycnjehshe');
    expect(d.tokenAware).toBe(true);
    expect(d.type).toBe('p2pkh');
    expect(hex(d.hash)).toBe('f5bf48b397dae70be82b3cca4793f8eb2b6cdac9');
  });

  it('rejects mixed case, a changed character, and an unknown prefix with a reason', () => {
    expect(tryDecodeCashAddr('bitcoincash:qr95sy3j9xwd2Ap32xkykttr4cvcu7as4y0qverfuy')).toEqual({ ok: false, reason: 'mixed-case cashaddr' });
    expect(tryDecodeCashAddr('bitcoincash:qqq3728yw0y57sqn6l2na30mcw6zm78dzqre909m2r')).toEqual({ ok: false, reason: 'bad cashaddr checksum' });
    // Same payload under the wrong prefix: the prefix is part of the checksum.
    expect(tryDecodeCashAddr('bchtest:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2')).toEqual({ ok: false, reason: 'bad cashaddr checksum' });
    const r = tryDecodeCashAddr('ecash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2');
    expect(r.ok).toBe(false);
    expect(() => decodeCashAddr('bitcoincash:qqq3728yw0y57sqn6l2na30mcw6zm78dzqre909m2r')).toThrow(CashAddrError);
  });
});
