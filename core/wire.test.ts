import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeployNetError } from './errors.js';
import { MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, RejectReason, decodeFrame, encodeFrame, frameBytes, type Frame } from './wire.js';
import { MAX_LISTED_PEERS, MAX_SIGNAL_DATA_BYTES, parseSignalPayload } from './wire-mesh.js';
import { MAX_HAVE_CHUNKS, MAX_HAVE_FILES } from './wire-have.js';
import { codeOf, wireArbitraries } from '../test/unit/test-kit.js';

const SHA = 'ab'.repeat(32);

// vitest's deep equality takes a good part of a second for one 64 KiB Uint8Array; Buffer is fast.
const buffer = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const same = (a: Uint8Array, b: Uint8Array) => buffer(a).equals(b);
/** The frame with its payload as base64, so toEqual compares it quickly. */
const plain = (f: Frame) => (f.type === 'data' ? { ...f, payload: buffer(f.payload).toString('base64') } : f);

/** A valid frame header: version 1, the given type, request id 7. */
function header(type: number, bodyLength: number): Uint8Array {
  const bytes = new Uint8Array(6 + bodyLength);
  bytes.set([1, type, 0, 0, 0, 7]);
  return bytes;
}

/** A frame of this type with this body after a valid header. */
function body(type: number, bytes: readonly number[]): Uint8Array {
  const out = header(type, bytes.length);
  out.set(bytes, 6);
  return out;
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
  { type: 'peers', id: 0, peers: [] },
  { type: 'peers', id: 0, peers: ['3f2b9c1e-0d4a-4e8b-9a77-5c1d2e3f4a5b', 'x', 'A'.repeat(64)] },
  { type: 'peers', id: 0, peers: Array.from({ length: MAX_LISTED_PEERS }, (_, i) => `peer-${i}`) },
  { type: 'signal', id: 8, kind: 'offer', from: 'alice', to: 'carol', data: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
  { type: 'signal', id: 8, kind: 'answer', from: 'carol', to: 'alice', data: 'v=0\r\n' },
  { type: 'signal', id: 0xffffffff, kind: 'candidate', from: 'a', to: 'b', data: '{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0"}' },
  { type: 'signal', id: 1, kind: 'candidate', from: 'a', to: 'b', data: '' },
  { type: 'signal', id: 1, kind: 'offer', from: 'a', to: 'b', data: 'v'.repeat(MAX_SIGNAL_DATA_BYTES) },
  { type: 'have', id: 0, version: 1, count: 1, files: [] },
  { type: 'have', id: 0, version: Number.MAX_SAFE_INTEGER, count: 9, files: [0, 7, 8] },
  { type: 'have', id: 0, version: 3, count: MAX_HAVE_FILES, files: [0, MAX_HAVE_FILES - 1] },
  { type: 'have-chunks', id: 0, sha256: SHA, count: 1, chunks: [0] },
  { type: 'have-chunks', id: 0, sha256: SHA, count: 32, chunks: [] },
  { type: 'have-chunks', id: 0, sha256: SHA, count: MAX_HAVE_CHUNKS, chunks: [1, MAX_HAVE_CHUNKS - 2] },
];

describe('encodeFrame / decodeFrame', () => {
  it.each(samples.map((f) => [f.type, f] as const))('round-trips a %s frame', (_type, frame) => {
    const bytes = encodeFrame(frame);
    expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(plain(decodeFrame(bytes))).toEqual(plain(frame));
    expect(same(encodeFrame(decodeFrame(bytes)), bytes)).toBe(true);
  });

  it('lays out the header as documented: version, type, big-endian id', () => {
    const bytes = encodeFrame({ type: 'cancel', id: 0x01020304 });
    expect([...bytes]).toEqual([1, 4, 1, 2, 3, 4]);
  });

  it('lays out PEERS and SIGNAL bodies as documented in wire-mesh.ts', () => {
    expect([...encodeFrame({ type: 'peers', id: 0, peers: ['ab', 'c'] }).subarray(6)]).toEqual([2, 2, 97, 98, 1, 99]);
    expect([...encodeFrame({ type: 'signal', id: 9, kind: 'answer', from: 'ab', to: 'c', data: 'xy' })]).toEqual([1, 6, 0, 0, 0, 9, 2, 2, 97, 98, 1, 99, 0, 2, 120, 121]);
    // HAVE: version 2^32 + 5 as two u32, 10 files, files 0, 8 and 9 held (bits MSB first).
    expect([...encodeFrame({ type: 'have', id: 0, version: 2 ** 32 + 5, count: 10, files: [0, 8, 9] })]).toEqual([1, 7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 10, 0x80, 0xc0]);
    const chunks = encodeFrame({ type: 'have-chunks', id: 0, sha256: SHA, count: 3, chunks: [1] });
    expect([...chunks.subarray(0, 6)]).toEqual([1, 8, 0, 0, 0, 0]);
    expect([...chunks.subarray(38)]).toEqual([0, 0, 0, 3, 0x40]);
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
    expect(() => encodeFrame({ type: 'peers', id: 0, peers: Array.from({ length: MAX_LISTED_PEERS + 1 }, (_, i) => `p${i}`) })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'peers', id: 0, peers: ['a', 'a'] })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'peers', id: 0, peers: ['has space'] })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'peers', id: 0, peers: [''] })).toThrow(RangeError);
    const signal = { type: 'signal', id: 1, kind: 'offer', from: 'a', to: 'b', data: 'v=0\r\n' } as const;
    expect(() => encodeFrame({ ...signal, from: 'B'.repeat(65) })).toThrow(RangeError);
    expect(() => encodeFrame({ ...signal, to: 'é' })).toThrow(RangeError);
    expect(() => encodeFrame({ ...signal, data: 'x'.repeat(MAX_SIGNAL_DATA_BYTES + 1) })).toThrow(RangeError);
    expect(() => encodeFrame({ ...signal, data: 'tab\there' })).toThrow(RangeError);
    expect(() => encodeFrame({ ...signal, data: 'snow ☃' })).toThrow(RangeError);
    const have = { type: 'have', id: 0, version: 1, count: 4, files: [1] } as const;
    expect(() => encodeFrame({ ...have, version: 0 })).toThrow(RangeError);
    expect(() => encodeFrame({ ...have, count: 0, files: [] })).toThrow(RangeError);
    expect(() => encodeFrame({ ...have, count: MAX_HAVE_FILES + 1 })).toThrow(RangeError);
    expect(() => encodeFrame({ ...have, files: [4] })).toThrow(RangeError);
    expect(() => encodeFrame({ ...have, files: [2, 1] })).toThrow(RangeError);
    expect(() => encodeFrame({ ...have, files: [1, 1] })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'have-chunks', id: 0, sha256: 'ab', count: 1, chunks: [] })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'have-chunks', id: 0, sha256: SHA, count: MAX_HAVE_CHUNKS + 1, chunks: [] })).toThrow(RangeError);
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
    ['type 9', header(9, 0)],
    ['have without a body', header(7, 0)],
    ['have without its bitfield', body(7, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9])],
    ['have with a bitfield one byte long', body(7, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0x80, 0])],
    ['have with a spare bit set', body(7, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0x40])],
    ['have of version 0', body(7, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x80])],
    ['have of a version over 2^53 - 1', body(7, [0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x80])],
    ['have of 0 files', body(7, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])],
    ['have-chunks without a count', body(8, new Array<number>(32).fill(1))],
    ['have-chunks of 0 chunks', body(8, [...new Array<number>(32).fill(1), 0, 0, 0, 0])],
    ['have-chunks with a spare bit set', body(8, [...new Array<number>(32).fill(1), 0, 0, 0, 7, 0x01])],
    ['have-chunks with a byte after its bitfield', body(8, [...new Array<number>(32).fill(1), 0, 0, 0, 8, 0xff, 0])],
    ['peers without a count', header(5, 0)],
    ['peers with fewer ids than counted', body(5, [2, 1, 97])],
    ['peers with a byte after the last id', body(5, [1, 1, 97, 0])],
    ['peers with 33 ids', body(5, [33, ...Array.from({ length: 33 }, (_, i) => [1, 65 + i]).flat()])],
    ['peers with an empty id', body(5, [1, 0])],
    ['peers with an id of 65 bytes', body(5, [1, 65, ...new Array<number>(65).fill(97)])],
    ['peers with a space in an id', body(5, [1, 3, 97, 32, 98])],
    ['peers with an id twice', body(5, [2, 1, 97, 1, 97])],
    ['signal of kind 0', body(6, [0, 1, 97, 1, 98, 0, 0])],
    ['signal of kind 4', body(6, [4, 1, 97, 1, 98, 0, 0])],
    ['signal without a to', body(6, [1, 1, 97])],
    ['signal with an empty from', body(6, [1, 0, 1, 98, 0, 0])],
    ['signal with less data than its length says', body(6, [1, 1, 97, 1, 98, 0, 3, 120, 120])],
    ['signal with more data than its length says', body(6, [1, 1, 97, 1, 98, 0, 1, 120, 120])],
    ['signal data with a NUL', body(6, [1, 1, 97, 1, 98, 0, 1, 0])],
    ['signal data with a byte over 0x7e', body(6, [1, 1, 97, 1, 98, 0, 1, 0xc3])],
    ['signal data over 8 KiB', body(6, [1, 1, 97, 1, 98, 0x20, 0x01, ...new Array<number>(0x2001).fill(120)])],
  ];
  it.each(cases)('%s', (_name, bytes) => {
    expect(codeOf(() => decodeFrame(bytes))).toBe('FRAME_MALFORMED');
  });

  it('accepts a data frame of exactly 64 KiB', () => {
    const b = header(2, MAX_FRAME_BYTES - 6);
    expect(decodeFrame(b)).toMatchObject({ type: 'data', id: 7 });
  });
});

describe('parseSignalPayload', () => {
  const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' };

  it('takes an SDP for offers and answers, and an RTCIceCandidateInit for candidates', () => {
    expect(parseSignalPayload({ kind: 'offer', data: 'v=0\r\ns=-\r\n' })).toEqual({ kind: 'offer', sdp: 'v=0\r\ns=-\r\n' });
    expect(parseSignalPayload({ kind: 'answer', data: 'v=0\r\n' })).toEqual({ kind: 'answer', sdp: 'v=0\r\n' });
    expect(parseSignalPayload({ kind: 'candidate', data: JSON.stringify(candidate) })).toEqual({ kind: 'candidate', candidate });
    expect(parseSignalPayload({ kind: 'candidate', data: '{"candidate":"","sdpMid":null}' })).toEqual({
      kind: 'candidate',
      candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null },
    });
  });

  it('keeps only the known candidate fields', () => {
    const parsed = parseSignalPayload({ kind: 'candidate', data: JSON.stringify({ ...candidate, extra: 'x', __proto__: { y: 1 } }) });
    expect(Object.keys(parsed.kind === 'candidate' ? parsed.candidate : {})).toEqual(['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment']);
  });

  it.each<[string, 'offer' | 'answer' | 'candidate', string]>([
    ['an offer that is not an SDP', 'offer', 'hello'],
    ['an empty answer', 'answer', ''],
    ['a candidate that is not JSON', 'candidate', 'candidate:1'],
    ['a candidate that is an array', 'candidate', '[]'],
    ['a candidate without its line', 'candidate', '{"sdpMid":"0"}'],
    ['a candidate with a numeric line', 'candidate', '{"candidate":1}'],
    ['a candidate with a negative m-line index', 'candidate', '{"candidate":"","sdpMLineIndex":-1}'],
    ['a candidate with a fractional m-line index', 'candidate', '{"candidate":"","sdpMLineIndex":0.5}'],
    ['a candidate with an empty mid', 'candidate', '{"candidate":"","sdpMid":""}'],
  ])('refuses %s with FRAME_MALFORMED', (_name, kind, data) => {
    expect(codeOf(() => parseSignalPayload({ kind, data }))).toBe('FRAME_MALFORMED');
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

describe('decodeFrame properties (fast-check)', () => {
  const arb = wireArbitraries();
  const NUM_RUNS = 1000;
  const DATA_HEADER = 10; // version, type, id, offset

  /** The property every input must satisfy; says which way it went. */
  function decodeOrRefuse(bytes: Uint8Array): 'decoded' | 'refused' {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      if (error instanceof DeployNetError && error.code === 'FRAME_MALFORMED') return 'refused';
      throw new Error(`${bytes.length} bytes threw ${String(error)}`);
    }
    if (!same(encodeFrame(frame), bytes)) throw new Error(`${bytes.length} bytes decoded to a ${frame.type} frame that re-encodes differently`);
    return 'decoded';
  }

  it('round-trips every valid frame: decode(encode(f)) equals f and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(arb.frame, (frame) => {
        const bytes = encodeFrame(frame);
        expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
        const decoded = decodeFrame(bytes);
        expect(plain(decoded)).toEqual(plain(frame));
        expect(same(encodeFrame(decoded), bytes)).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('encodes equal frames to equal bytes, wherever the payload sits in memory', () => {
    fc.assert(
      fc.property(arb.frame, fc.nat({ max: 16 }), (frame, at) => {
        let copy: Frame = { ...frame };
        if (frame.type === 'data') {
          const outer = new Uint8Array(at + frame.payload.length + 3).fill(0xee);
          outer.set(frame.payload, at);
          copy = { ...frame, payload: outer.subarray(at, at + frame.payload.length) };
        }
        expect(same(encodeFrame(copy), encodeFrame(frame))).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('decodes a truncated frame only if it is DATA that still has payload, as the same frame with a shorter payload', () => {
    fc.assert(
      fc.property(arb.frame, fc.nat(), (frame, cut) => {
        const bytes = encodeFrame(frame);
        const short = bytes.subarray(0, cut % bytes.length);
        if (frame.type === 'data' && short.length > DATA_HEADER) {
          expect(plain(decodeFrame(short))).toEqual(plain({ ...frame, payload: frame.payload.subarray(0, short.length - DATA_HEADER) }));
        } else {
          expect(codeOf(() => decodeFrame(short))).toBe('FRAME_MALFORMED');
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('decodes a frame with bytes appended only if it is DATA within 64 KiB, with the bytes added to its payload', () => {
    fc.assert(
      fc.property(arb.frame, fc.uint8Array({ minLength: 1, maxLength: 16 }), (frame, tail) => {
        const long = Buffer.concat([encodeFrame(frame), tail]);
        if (frame.type === 'data' && long.length <= MAX_FRAME_BYTES) {
          expect(plain(decodeFrame(long))).toEqual(plain({ ...frame, payload: Buffer.concat([frame.payload, tail]) }));
        } else {
          expect(codeOf(() => decodeFrame(long))).toBe('FRAME_MALFORMED');
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it.each([
    ['over 64 KiB', arb.oversized],
    ['with a wrong version byte', arb.wrongVersion],
    ['with an unknown type byte', arb.unknownType],
    ['with fields out of range (request end < start, unknown reject reason, repeated or bad peer ids, unknown signal kind, bad signal data, a spare bitfield bit set)', arb.outOfRange],
  ])('refuses every frame %s with FRAME_MALFORMED', (_name, input) => {
    fc.assert(
      fc.property(input, (bytes) => {
        expect(codeOf(() => decodeFrame(bytes))).toBe('FRAME_MALFORMED');
      }),
      { numRuns: NUM_RUNS / 2 },
    );
  });

  it('on any input either decodes to a frame that re-encodes to exactly the input, or throws FRAME_MALFORMED', () => {
    const seen = { decoded: 0, refused: 0 };
    const input = fc.oneof(arb.encoded, arb.truncated, arb.extended, arb.oversized, arb.wrongVersion, arb.unknownType, arb.outOfRange, arb.bitFlipped, arb.random);
    fc.assert(
      fc.property(input, (bytes) => {
        seen[decodeOrRefuse(bytes)]++;
      }),
      { numRuns: 2 * NUM_RUNS },
    );
    // Both outcomes must actually be exercised, or the property says nothing.
    expect(seen.decoded).toBeGreaterThan(200);
    expect(seen.refused).toBeGreaterThan(200);
  });
});
