import { randomBytes } from 'node:crypto';
import { getAddress } from 'ethers';
import { describe, expect, it } from 'vitest';
import { eip55Checksummed } from '../../src/domain/eip55.js';

describe('EIP-55 checksum', () => {
  it('matches the EIP-55 examples', () => {
    for (const a of ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb']) {
      expect(eip55Checksummed(a.slice(2).toLowerCase())).toBe(a);
    }
  });

  it('agrees with ethers getAddress on 2,000 random addresses', () => {
    for (let i = 0; i < 2000; i++) {
      const lower = randomBytes(20).toString('hex');
      expect(eip55Checksummed(lower)).toBe(getAddress(`0x${lower}`));
    }
  });
});
