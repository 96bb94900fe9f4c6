import { describe, expect, it } from 'vitest';
import { DeployNetError } from './errors.js';
import { MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, RejectReason, decodeFrame, encodeFrame, frameBytes, type Frame } from './wire.js';
import { prng } from '../test/unit/test-kit.js';

const SHA = 'ab'.repeat(32);


function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 256) | 0;
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DeployNetError) return error.code;
    throw error;
  }
  throw new Error('expected a throw');
}

/** A valid frame header: version 1, the given type, request id 7. */
function header(type: number, bodyLength: number): Uint8Array {
  const bytes = new Uint8Array(6 + bodyLength);
  bytes.set([1, type, 0, 0, 0, 7]);
  return bytes;
}

const samples: Frame[] = [
  { type: 'request', id: 1, sha256: SHA, start: 0, end: 1000 },
  { type: 'request', id: 0xffffffff, sha256: '0123456789abcdef'.repeat(4), start: 5, end: 5 },
  { type: 'request', id: 2, sha256: SHA, start: 0, end: 0xffffffff },
  { type: 'data', id: 3, offset: 0, payload: Uint8Array.of(42) },
  { type: 'data', id: 4, offset: 0xfffffff0, payload: new Uint8Array(MAX_PAYLOAD_BYTES).fill(9) },
  { type: 'reject', id: 5, reason: RejectReason.NotFound },
  { type: 'reject', id: 5, reason: RejectReason.Busy },
  { type: 'reject', id: 5, reason: RejectReason.BadRequest },
  { type: 'reject', id: 5, reason: RejectReason.UploadOff },
  { type: 'cancel', id: 6 },
];

describe('encodeFrame / decodeFrame', () => {
  it.each(samples.map((f) => [f.type, f] as const))('round-trips a %s frame', (_type, frame) => {
    const bytes = encodeFrame(frame);
    expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(decodeFrame(bytes)).toEqual(frame);
    expect(encodeFrame(decodeFrame(bytes))).toEqual(bytes);
  });

  it('lays out the header as documented: version, type, big-endian id', () => {
    const bytes = encodeFrame({ type: 'cancel', id: 0x01020304 });
    expect([...bytes]).toEqual([1, 4, 1, 2, 3, 4]);
  });

  it('decodes a frame that sits at an offset inside a larger buffer', () => {
    const frame = encodeFrame({ type: 'request', id: 9, sha256: SHA, start: 10, end: 20 });
    const outer = new Uint8Array(frame.length + 13).fill(0xee);
    outer.set(frame, 5);
    expect(decodeFrame(outer.subarray(5, 5 + frame.length))).toEqual({ type: 'request', id: 9, sha256: SHA, start: 10, end: 20 });
  });

  it('refuses to encode out-of-range fields', () => {
    expect(() => encodeFrame({ type: 'data', id: 1, offset: 0, payload: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'data', id: 1, offset: 0, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'cancel', id: -1 })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'cancel', id: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'request', id: 1, sha256: SHA, start: 9, end: 8 })).toThrow(RangeError);
  });
});

describe('decodeFrame refuses malformed input with FRAME_MALFORMED', () => {
  const request = encodeFrame({ type: 'request', id: 1, sha256: SHA, start: 0, end: 10 });
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['a short header', Uint8Array.of(1, 1, 0, 0, 0)],
    ['a wrong version', Uint8Array.of(2, 4, 0, 0, 0, 1)],
    ['version 0', Uint8Array.of(0, 4, 0, 0, 0, 1)],
    ['an unknown type', header(5, 0)],
    ['type 0', header(0, 0)],
    ['a request one byte short', request.subarray(0, request.length - 1)],
    ['a request one byte long', Uint8Array.of(...request, 0)],
    ['a request with end < start', (() => {
      const b = request.slice();
      new DataView(b.buffer).setUint32(38, 11);
      return b;
    })()],
    ['data without payload', header(2, 4)],
    ['data without even an offset', header(2, 2)],
    ['a reject with reason 0', header(3, 1)],
    ['a reject with reason 5', (() => {
      const b = header(3, 1);
      b[6] = 5;
      return b;
    })()],
    ['a reject without a reason', header(3, 0)],
    ['a cancel with a body', header(4, 1)],
    ['a frame over 64 KiB', header(2, MAX_FRAME_BYTES - 6 + 1)],
  ];
  it.each(cases)('%s', (_name, bytes) => {
    expect(codeOf(() => decodeFrame(bytes))).toBe('FRAME_MALFORMED');
  });

  it('accepts a data frame of exactly 64 KiB', () => {
    const b = header(2, MAX_FRAME_BYTES - 6);
    expect(decodeFrame(b)).toMatchObject({ type: 'data', id: 7 });
  });
});

describe('frameBytes', () => {
  it('takes an ArrayBuffer whole', () => {
    const buffer = Uint8Array.of(1, 2, 3).buffer;
    expect([...frameBytes(buffer)]).toEqual([1, 2, 3]);
  });

  it('takes typed-array and DataView views, honouring byteOffset and length', () => {
    const buffer = Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7).buffer;
    expect([...frameBytes(new Uint8Array(buffer, 2, 3))]).toEqual([2, 3, 4]);
    expect([...frameBytes(new DataView(buffer, 5, 2))]).toEqual([5, 6]);
    expect([...frameBytes(new Uint16Array(buffer, 4, 1))]).toEqual([4, 5]);
    expect([...frameBytes(Buffer.from([9, 8]))]).toEqual([9, 8]);
  });

  it.each([['a string', 'abc'], ['an object', { 0: 1, length: 1 }], ['an array', [1, 2]], ['null', null], ['undefined', undefined]])(
    'refuses %s',
    (_name, value) => {
      expect(codeOf(() => frameBytes(value))).toBe('FRAME_MALFORMED');
    },
  );
});

describe('decodeFrame on random and mutated input (seeded property test)', () => {
  function validFrame(rand: () => number): Uint8Array {
    const id = Math.floor(rand() * 2 ** 32);
    switch (Math.floor(rand() * 4)) {
      case 0: {
        const start = Math.floor(rand() * 2 ** 31);
        return encodeFrame({ type: 'request', id, sha256: Buffer.from(randomBytes(rand, 32)).toString('hex'), start, end: start + Math.floor(rand() * 2 ** 31) });
      }
      case 1:
        return encodeFrame({ type: 'data', id, offset: Math.floor(rand() * 2 ** 32), payload: randomBytes(rand, 1 + Math.floor(rand() * MAX_PAYLOAD_BYTES)) });
      case 2:
        return encodeFrame({ type: 'reject', id, reason: (1 + Math.floor(rand() * 4)) as RejectReason });
      default:
        return encodeFrame({ type: 'cancel', id });
    }
  }

  function input(rand: () => number, i: number): Uint8Array {
    switch (i % 4) {
      case 0: // plain random bytes of any length
        return randomBytes(rand, Math.floor(rand() * 70_001));
      case 1: { // random body behind a plausible header
        const b = randomBytes(rand, Math.floor(rand() * 70_001));
        if (b.length > 1) b.set([1, Math.floor(rand() * 6)]);
        return b;
      }
      case 2: { // a valid frame, truncated or extended
        const f = validFrame(rand);
        return rand() < 0.5 ? f.subarray(0, Math.floor(rand() * f.length)) : Uint8Array.of(...f.subarray(0, 100), ...randomBytes(rand, 1 + Math.floor(rand() * 4)));
      }
      default: { // a valid frame with a few bits flipped
        const f = validFrame(rand).slice();
        const flips = 1 + Math.floor(rand() * 3);
        for (let k = 0; k < flips; k++) {
          const at = Math.floor(rand() * Math.min(f.length, 50));
          f[at]! ^= 1 << Math.floor(rand() * 8);
        }
        return f;
      }
    }
  }

  it('either decodes to a frame that re-encodes to the input, or throws FRAME_MALFORMED', () => {
    const rand = prng(0xdeb10e);
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = input(rand, i);
      let frame: Frame;
      try {
        frame = decodeFrame(bytes);
      } catch (error) {
        if (!(error instanceof DeployNetError) || error.code !== 'FRAME_MALFORMED') {
          throw new Error(`case ${i} (${bytes.length} bytes) threw ${String(error)}`);
        }
        refused++;
        continue;
      }
      // Buffer.equals: vitest's deep equality is far too slow for 2,000 arrays of up to 64 KiB.
      if (!Buffer.from(encodeFrame(frame)).equals(bytes)) throw new Error(`case ${i}: ${frame.type} frame re-encodes differently`);
      decoded++;
    }
    // Both outcomes must actually be exercised, or the property says nothing.
    expect(decoded).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
