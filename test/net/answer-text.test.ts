import { describe, expect, it } from 'vitest';

import { bodyText, TextCollector } from '../../src/net/answer-text.js';

const collect = (chunks: readonly Buffer[]): string => {
  const text = new TextCollector();
  for (const c of chunks) text.add(c);
  return text.text();
};

describe('an answer collected chunk by chunk, then decoded', () => {
  it('gives the same text as the whole body decoded at once, for ASCII JSON', () => {
    const body = Buffer.from(JSON.stringify({ result: { hash: `0x${'ab'.repeat(32)}`, txs: ['0x01', '0x02'] } }));
    expect(collect([body.subarray(0, 7), body.subarray(7, 40), body.subarray(40)])).toBe(bodyText(body));
  });

  it('keeps a UTF-8 character split between two chunks whole', () => {
    // "Ω" is 2 bytes, "€" 3 and "𝄞" 4: each split at every byte boundary it has.
    const body = Buffer.from('{"name":"ΩMEGA € 𝄞"}', 'utf8');
    for (let cut = 1; cut < body.length; cut++) {
      expect(collect([body.subarray(0, cut), body.subarray(cut)])).toBe('{"name":"ΩMEGA € 𝄞"}');
    }
  });

  it('decodes UTF-8 that only starts after ASCII chunks, and ASCII chunks after it', () => {
    const parts = ['{"a":"plain",', '"b":"Société Générale",', '"c":"plain again"}'].map((s) => Buffer.from(s, 'utf8'));
    expect(collect(parts)).toBe('{"a":"plain","b":"Société Générale","c":"plain again"}');
  });

  it('marks bytes that are not UTF-8 with the replacement character instead of failing', () => {
    expect(collect([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])).toBe('{"a":"\ufffd\ufffd"}');
  });

  it('gives each answer its own text, a smaller one after a larger one included', () => {
    const large = Buffer.from(`[${'"0xabcdef",'.repeat(20_000)}"end"]`);
    const small = Buffer.from('{"result":"0x1"}');
    const first = collect([large.subarray(0, 1000), large.subarray(1000)]);
    const second = collect([small.subarray(0, 5), small.subarray(5)]);
    expect(first).toBe(large.toString('latin1'));
    expect(second).toBe('{"result":"0x1"}');
  });

  it('is empty for no chunks', () => {
    expect(collect([])).toBe('');
  });
});
