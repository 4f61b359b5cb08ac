import { describe, expect, it } from 'vitest';
import { amountInUnits, formatUnits, parseUnits } from '../../src/domain/amount.js';

describe('amounts in an asset\'s units', () => {
  it('reads base units as whole units without trailing zeros', () => {
    expect(formatUnits(1_285_000_000n, 6)).toBe('1285'); // the USDT payment of mainnet block 18,000,000
    expect(formatUnits(38_796_959n, 8)).toBe('0.38796959'); // block 574,200's payment to SDN 39585
    expect(formatUnits(1n, 18)).toBe('0.000000000000000001');
    expect(formatUnits(0n, 6)).toBe('0');
    expect(formatUnits(10n ** 24n, 18)).toBe('1000000');
    expect(formatUnits(12n, 0)).toBe('12');
  });

  it('parses a decimal amount into base units, and says what is wrong with anything else', () => {
    expect(parseUnits('1285', 6)).toBe(1_285_000_000n);
    expect(parseUnits('0.5', 18)).toBe(5n * 10n ** 17n);
    expect(parseUnits('0.00000001', 8)).toBe(1n);
    expect(() => parseUnits('0.0000001', 6)).toThrow(/7 decimal places; this asset has 6/);
    expect(() => parseUnits('-1', 6)).toThrow(/not a decimal amount/);
    expect(() => parseUnits('1e6', 6)).toThrow(/not a decimal amount/);
    expect(() => formatUnits(1n, -1)).toThrow(/decimals/);
  });

  it('has no reading when the units are unknown', () => {
    expect(amountInUnits(5n, null)).toBeNull();
    expect(amountInUnits(5_000_000n, { symbol: 'USDT', decimals: 6 })).toBe('5');
  });
});
