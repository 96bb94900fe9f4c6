import { describe, expect, it } from 'vitest';
import { contentRange, planRange, rangeLength, unsatisfiedRange, type PartialRange } from './byte-range.js';
import { isDeployNetError } from './errors.js';

const part = (first: number, last: number) => ({ kind: 'partial', first, last });
const FULL = { kind: 'full' };
const UNSAT = { kind: 'unsatisfiable' };

describe('planRange', () => {
  it('answers in full without a header', () => {
    expect(planRange(null, 10)).toEqual(FULL);
    expect(planRange(undefined, 10)).toEqual(FULL);
  });

  it.each([
    ['bytes=0-0', part(0, 0)],
    ['bytes=0-9', part(0, 9)],
    ['bytes=2-5', part(2, 5)],
    ['bytes=9-9', part(9, 9)],
    ['bytes=3-', part(3, 9)],
    ['bytes=0-', part(0, 9)],
    ['bytes=9-', part(9, 9)],
    ['bytes=-1', part(9, 9)],
    ['bytes=-4', part(6, 9)],
    ['bytes=-10', part(0, 9)],
    ['bytes=007-008', part(7, 8)],
  ])('%s of 10 bytes', (header, plan) => {
    expect(planRange(header, 10)).toEqual(plan);
  });

  it('clamps an end beyond the size, and a suffix longer than the file', () => {
    expect(planRange('bytes=5-10', 10)).toEqual(part(5, 9));
    expect(planRange('bytes=5-999999', 10)).toEqual(part(5, 9));
    expect(planRange('bytes=0-99999999999999999999999999', 10)).toEqual(part(0, 9));
    expect(planRange('bytes=-11', 10)).toEqual(part(0, 9));
    expect(planRange('bytes=-99999999999999999999999999', 10)).toEqual(part(0, 9));
  });

  it.each(['bytes=10-', 'bytes=10-20', 'bytes=11-11', 'bytes=99999999999999999999999-', 'bytes=-0', 'bytes=-000'])(
    '%s of 10 bytes is unsatisfiable',
    (header) => {
      expect(planRange(header, 10)).toEqual(UNSAT);
    },
  );

  it('handles a zero-length resource', () => {
    expect(planRange('bytes=0-', 0)).toEqual(UNSAT);
    expect(planRange('bytes=0-0', 0)).toEqual(UNSAT);
    expect(planRange('bytes=-0', 0)).toEqual(UNSAT);
    // Satisfiable per RFC 9110, but no Content-Range can name zero bytes: the whole (empty) body.
    expect(planRange('bytes=-5', 0)).toEqual(FULL);
    expect(planRange(null, 0)).toEqual(FULL);
  });

  it('ignores b < a (an invalid range-spec)', () => {
    expect(planRange('bytes=5-4', 10)).toEqual(FULL);
    expect(planRange('bytes=20-4', 10)).toEqual(FULL);
    expect(planRange('bytes=100000000000000001-100000000000000000', 10)).toEqual(FULL);
  });

  it('takes the unit case-insensitively', () => {
    expect(planRange('BYTES=0-1', 10)).toEqual(part(0, 1));
    expect(planRange('Bytes=-2', 10)).toEqual(part(8, 9));
  });

  it('ignores other units', () => {
    expect(planRange('items=0-1', 10)).toEqual(FULL);
    expect(planRange('bits=0-1', 10)).toEqual(FULL);
    expect(planRange('bytesx=0-1', 10)).toEqual(FULL);
    expect(planRange('=0-1', 10)).toEqual(FULL);
  });

  it('allows whitespace at the ends and around list elements, nowhere else', () => {
    expect(planRange('  bytes=0-1  ', 10)).toEqual(part(0, 1));
    expect(planRange('bytes= 0-1', 10)).toEqual(part(0, 1));
    expect(planRange('bytes=\t2-3\t', 10)).toEqual(part(2, 3));
    expect(planRange('bytes =0-1', 10)).toEqual(FULL);
    expect(planRange('bytes=0 -1', 10)).toEqual(FULL);
    expect(planRange('bytes=0- 1', 10)).toEqual(FULL);
    expect(planRange('bytes=- 1', 10)).toEqual(FULL);
  });

  it('skips empty list elements', () => {
    expect(planRange('bytes=0-1,', 10)).toEqual(part(0, 1));
    expect(planRange('bytes=, ,0-1', 10)).toEqual(part(0, 1));
  });

  it('answers several ranges in full (one body, no multipart)', () => {
    expect(planRange('bytes=0-1,3-4', 10)).toEqual(FULL);
    expect(planRange('bytes=0-1, -2', 10)).toEqual(FULL);
    expect(planRange('bytes=0-1,0-1', 10)).toEqual(FULL);
    expect(planRange('bytes=20-30, 40-50', 10)).toEqual(FULL);
  });

  it.each([
    '',
    'bytes',
    'bytes=',
    'bytes=,',
    'bytes=-',
    'bytes=a-b',
    'bytes=1-2-3',
    'bytes=+1-2',
    'bytes=1-+2',
    'bytes=-+2',
    'bytes=--2',
    'bytes=0x1-2',
    'bytes=1.5-2',
    'bytes=1e3-',
    'bytes=١-٢',
    'bytes=0-1;x',
    'bytes==0-1',
    '0-1',
  ])('ignores the invalid header %j', (header) => {
    expect(planRange(header, 10)).toEqual(FULL);
  });

  it('refuses a size that is not a whole number of bytes', () => {
    for (const size of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => planRange('bytes=0-', size)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    }
    let thrown: unknown;
    try {
      planRange(null, -1);
    } catch (error) {
      thrown = error;
    }
    expect(isDeployNetError(thrown, 'BAD_ARGUMENT')).toBe(true);
  });

  it('works at large sizes', () => {
    const size = 2 ** 40;
    expect(planRange('bytes=-1', size)).toEqual(part(size - 1, size - 1));
    expect(planRange(`bytes=${size - 2}-`, size)).toEqual(part(size - 2, size - 1));
    expect(planRange(`bytes=${size}-`, size)).toEqual(UNSAT);
  });
});

describe('Content-Range values', () => {
  it('names the bytes of a 206 and the size of a 416', () => {
    const range: PartialRange = { kind: 'partial', first: 0, last: 0 };
    expect(contentRange(range, 132344)).toBe('bytes 0-0/132344');
    expect(rangeLength(range)).toBe(1);
    expect(contentRange({ kind: 'partial', first: 100, last: 199 }, 200)).toBe('bytes 100-199/200');
    expect(rangeLength({ kind: 'partial', first: 100, last: 199 })).toBe(100);
    expect(unsatisfiedRange(10)).toBe('bytes */10');
  });
});
