import { describe, expect, it } from 'vitest';
import { readDecimals, readSymbol } from '../../../src/chains/evm/token-units.js';

const word = (hex: string): string => hex.padStart(64, '0');
const abiString = (text: string): string => {
  const bytes = Buffer.from(text, 'utf8').toString('hex');
  return `0x${word('20')}${word(bytes.length / 2 === 0 ? '0' : (bytes.length / 2).toString(16))}${bytes.padEnd(64, '0')}`;
};

describe("an ERC-20 contract's own units, from eth_call answers", () => {
  it('reads decimals() as a uint8 and refuses anything larger or malformed', () => {
    expect(readDecimals(`0x${word('6')}`)).toBe(6);
    expect(readDecimals(`0x${word('12')}`)).toBe(18);
    expect(readDecimals(`0x${word('100')}`)).toBeNull();
    expect(readDecimals('0x')).toBeNull();
    expect(readDecimals(null)).toBeNull();
  });

  it('reads symbol() as an ABI string (USDT) or a bytes32 (MKR), and refuses garbage', () => {
    expect(readSymbol(abiString('USDT'))).toBe('USDT');
    expect(readSymbol(`0x${Buffer.from('MKR').toString('hex').padEnd(64, '0')}`)).toBe('MKR');
    expect(readSymbol('0x')).toBeNull();
    expect(readSymbol(abiString('this is not a symbol'))).toBeNull();
    expect(readSymbol(`0x${word('20')}${word('ff')}`)).toBeNull(); // length past the answer
  });
});
