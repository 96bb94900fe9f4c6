import { describe, expect, it } from 'vitest';
import { bytesEqual, fromBase64Url, fromHex, toBase64Url, toHex, utf8Encode } from './encoding.js';
import { prng } from '../test/unit/test-kit.js';


/** Every length 0..100, several times, with random contents. */
function* randomInputs(seed: number): Generator<Uint8Array> {
  const rand = prng(seed);
  for (let round = 0; round < 5; round++) {
    for (let n = 0; n <= 100; n++) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
      yield b;
    }
  }
}

describe('hex', () => {
  it('matches Buffer and round-trips for random inputs of length 0..100', () => {
    for (const bytes of randomInputs(1)) {
      const hex = toHex(bytes);
      expect(hex).toBe(Buffer.from(bytes).toString('hex'));
      expect(fromHex(hex)).toEqual(bytes);
    }
  });

  it('covers every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe(Buffer.from(all).toString('hex'));
    expect(fromHex(toHex(all))).toEqual(all);
  });

  it.each([['odd length', 'abc'], ['uppercase', 'AB'], ['non-hex', 'zz'], ['a space', 'ab cd'], ['a sign', '+1'], ['0x prefix', '0xab']])(
    'rejects %s',
    (_name, text) => {
      expect(() => fromHex(text)).toThrow(RangeError);
    },
  );
});

describe('base64url', () => {
  it('matches Buffer (no padding) and round-trips for random inputs of length 0..100', () => {
    for (const bytes of randomInputs(2)) {
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it('decodes what Buffer encodes, including the - and _ characters', () => {
    const bytes = Uint8Array.of(0xfb, 0xff, 0xbf, 0xfe);
    const text = Buffer.from(bytes).toString('base64url');
    expect(text).toMatch(/[-_]/);
    expect(fromBase64Url(text)).toEqual(bytes);
  });

  it('gives every character of the alphabet its own value, as Buffer does', () => {
    // 64 characters in alphabet order: the decoder maps code ranges, not a lookup table.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    expect(fromBase64Url(alphabet)).toEqual(new Uint8Array(Buffer.from(alphabet, 'base64url')));
    expect(toBase64Url(fromBase64Url(alphabet))).toBe(alphabet);
  });

  it.each([
    ['padding', 'AAA='],
    ['standard-alphabet +', 'ab+c'],
    ['standard-alphabet /', 'ab/c'],
    ['a length of 4n+1', 'AAAAA'],
    ['whitespace', 'AA AA'],
    ['non-ASCII', 'AAé'],
  ])('rejects %s', (_name, text) => {
    expect(() => fromBase64Url(text)).toThrow(RangeError);
  });
});

describe('utf8Encode', () => {
  it.each([
    ['empty', ''],
    ['ASCII', 'hello, /index.html?x=1'],
    ['control characters', '\u0000\t\n\u007f'],
    ['2-byte characters', 'café ß ñ \u0080 \u07ff'],
    ['3-byte characters', '€ 日本語 \u0800 \uffff'],
    ['4-byte characters', '\u{10000} \u{10ffff} 𝄞'],
    ['emoji', '🚀 👩‍💻 🇫🇷'],
    ['a mix', '/images/ü/🙂.png'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00'],
  ])('matches Buffer.from for %s', (_name, text) => {
    expect(utf8Encode(text)).toEqual(new Uint8Array(Buffer.from(text, 'utf8')));
  });

  it('matches Buffer.from for random UTF-16, lone and paired surrogates included', () => {
    // Code units drawn mostly near the surrogate range, so pairs, lone halves and reversed pairs all occur.
    const units = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff, 0x25];
    let seed = 7;
    for (let n = 0; n < 500; n++) {
      let text = '';
      for (let i = 0; i < n % 12; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        text += String.fromCharCode(units[seed % units.length]!);
      }
      expect(utf8Encode(text)).toEqual(new Uint8Array(Buffer.from(text, 'utf8')));
    }
  });
});

describe('bytesEqual', () => {
  it('compares length and contents', () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
