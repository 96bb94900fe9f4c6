import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, chunkCount, chunkRange, isChunked, isValidChunkSize } from './chunks.js';

const CS = 16 * 1024;

describe('chunkCount', () => {
  it.each([
    ['an empty file', 0, 1],
    ['one byte', 1, 1],
    ['exactly one chunk', CS, 1],
    ['one byte over one chunk', CS + 1, 2],
    ['exactly three chunks', 3 * CS, 3],
    ['a short last chunk', 3 * CS + 100, 4],
  ])('%s', (_name, size, count) => {
    expect(chunkCount(size, CS)).toBe(count);
  });
});

describe('chunkRange', () => {
  it('gives an empty file one empty chunk', () => {
    expect(chunkRange(0, 0, CS)).toEqual({ start: 0, end: 0 });
  });

  it('gives a file of exactly one chunk one full chunk', () => {
    expect(chunkRange(0, CS, CS)).toEqual({ start: 0, end: CS });
  });

  it('gives one byte over a chunk a one-byte last chunk', () => {
    expect(chunkRange(0, CS + 1, CS)).toEqual({ start: 0, end: CS });
    expect(chunkRange(1, CS + 1, CS)).toEqual({ start: CS, end: CS + 1 });
  });

  it('cuts the last chunk at the file size', () => {
    const size = 3 * CS + 100;
    expect(chunkRange(2, size, CS)).toEqual({ start: 2 * CS, end: 3 * CS });
    expect(chunkRange(3, size, CS)).toEqual({ start: 3 * CS, end: size });
  });

  it('tiles the file exactly, without gaps or overlaps', () => {
    const size = 5 * CS + 12345;
    let at = 0;
    for (let i = 0; i < chunkCount(size, CS); i++) {
      const r = chunkRange(i, size, CS);
      expect(r.start).toBe(at);
      expect(r.end - r.start).toBeGreaterThan(0);
      expect(r.end - r.start).toBeLessThanOrEqual(CS);
      at = r.end;
    }
    expect(at).toBe(size);
  });

  it.each([
    ['negative', -1, CS],
    ['one past the last chunk', 2, CS + 1],
    ['past the single chunk of an empty file', 1, 0],
    ['not an integer', 0.5, 2 * CS],
    ['NaN', Number.NaN, CS],
  ])('throws RangeError for an index that is %s', (_name, index, size) => {
    expect(() => chunkRange(index, size, CS)).toThrow(RangeError);
  });
});

describe('isChunked', () => {
  it('is true only past one chunk', () => {
    expect(isChunked(0, CS)).toBe(false);
    expect(isChunked(CS, CS)).toBe(false);
    expect(isChunked(CS + 1, CS)).toBe(true);
  });
});

describe('isValidChunkSize', () => {
  it.each([MIN_CHUNK_SIZE, 32 * 1024, DEFAULT_CHUNK_SIZE, 1024 * 1024, MAX_CHUNK_SIZE])('accepts %i', (n) => {
    expect(isValidChunkSize(n)).toBe(true);
  });

  it.each([
    ['below the minimum', MIN_CHUNK_SIZE / 2],
    ['above the maximum', MAX_CHUNK_SIZE * 2],
    ['not a power of two', 3 * 64 * 1024],
    ['one over a power of two', 64 * 1024 + 1],
    ['a fraction', 65536.5],
    ['zero', 0],
    ['negative', -65536],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('refuses %s', (_name, n) => {
    expect(isValidChunkSize(n)).toBe(false);
  });
});
