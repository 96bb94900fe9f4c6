/** Small helpers shared by unit tests across folders. */
import fc from 'fast-check';
import { DeployNetError } from '../../core/errors.js';
import { joinParts, type ByteParts } from '../../core/byte-parts.js';
import { toHex } from '../../core/encoding.js';
import { FrameType, MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, RejectReason, WIRE_VERSION, encodeFrame, type Frame } from '../../core/wire.js';
import { MAX_LISTED_PEERS, MAX_SIGNAL_DATA_BYTES, SignalKind } from '../../core/wire-mesh.js';
import { MAX_HAVE_CHUNKS, MAX_HAVE_FILES } from '../../core/wire-have.js';

/** A request's bytes in one array (PeerLink hands back the pieces they came in). */
export async function joined(parts: Promise<ByteParts>): Promise<Uint8Array> {
  return joinParts(await parts);
}

/** mulberry32: a small seeded PRNG, so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The DeployNetError code `fn` throws, or 'accepted' when it returns. Other errors propagate. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DeployNetError) return error.code;
    throw error;
  }
  return 'accepted';
}

/** The DeployNetError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejectionOf(promise: Promise<unknown>): Promise<DeployNetError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof DeployNetError) return error;
  throw new Error(`expected a DeployNetError, got ${String(error)}`);
}

/**
 * fast-check arbitraries for core/wire.ts frames, shared by the decoder's property tests and
 * PeerLink's fuzz test. `id` picks the frames' request ids (e.g. mostly ids a link waits on).
 */
export function wireArbitraries(id: fc.Arbitrary<number> = fc.nat({ max: 0xffffffff })) {
  const u32 = fc.nat({ max: 0xffffffff });
  const byte = fc.nat({ max: 0xff });
  /** Mostly short random bytes; long ones (up to 64 KiB and past) as a short random pattern, repeated. */
  const bytes = (minLength: number, maxLength: number) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.uint8Array({ minLength: Math.min(minLength, 64), maxLength: Math.min(maxLength, 64) }) },
      fc.tuple(fc.integer({ min: minLength, max: maxLength }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([n, pattern]) => repeat(pattern, n)),
    );
  const idChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-');
  /** Peer ids: mostly UUID-sized, sometimes 1 or 64 characters. */
  const peerId = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: idChar, minLength: 1, maxLength: 40 }) },
    fc.string({ unit: idChar, minLength: 64, maxLength: 64 }),
    fc.string({ unit: idChar, minLength: 1, maxLength: 1 }),
  );
  const badIdByte = byte.filter((b) => !/^[A-Za-z0-9_-]$/.test(String.fromCharCode(b)));
  const dataChar = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, fc.constantFrom(0x0a, 0x0d)).map((c) => String.fromCharCode(c));
  /** SIGNAL data: mostly short, sometimes a repeated pattern up to the limit. */
  const signalData = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: dataChar, maxLength: 200 }) },
    fc.tuple(fc.integer({ min: 1, max: MAX_SIGNAL_DATA_BYTES }), fc.string({ unit: dataChar, minLength: 1, maxLength: 8 })).map(([n, p]) => p.repeat(Math.ceil(n / p.length)).slice(0, n)),
  );
  const signal = fc.record({
    type: fc.constant('signal' as const),
    id,
    kind: fc.constantFrom(...(Object.keys(SignalKind) as Array<keyof typeof SignalKind>)),
    from: peerId,
    to: peerId,
    data: signalData,
  });
  /** A count (mostly small, sometimes up to the frame's limit) and an ascending subset of 0..count-1. */
  const bitfield = (max: number) =>
    fc
      .oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 300 }) }, fc.integer({ min: 1, max }))
      .chain((count) => fc.tuple(fc.constant(count), fc.uniqueArray(fc.nat({ max: count - 1 }), { maxLength: Math.min(count, 64) })))
      .map(([count, set]) => ({ count, set: [...set].sort((a, b) => a - b) }));
  const have = fc
    .tuple(id, fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), bitfield(MAX_HAVE_FILES))
    .map(([i, version, { count, set }]) => ({ type: 'have' as const, id: i, version, count, files: set }));
  const haveChunks = fc
    .tuple(id, fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex), bitfield(MAX_HAVE_CHUNKS))
    .map(([i, sha256, { count, set }]) => ({ type: 'have-chunks' as const, id: i, sha256, count, chunks: set }));
  const frame: fc.Arbitrary<Frame> = fc.oneof(
    fc.record({
      type: fc.constant('request' as const),
      id,
      sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex),
      start: u32,
      end: u32,
    }).map((r) => (r.end < r.start ? { ...r, start: r.end, end: r.start } : r)),
    fc.record({ type: fc.constant('data' as const), id, offset: u32, payload: bytes(1, MAX_PAYLOAD_BYTES) }),
    fc.record({ type: fc.constant('reject' as const), id, reason: fc.constantFrom(...Object.values(RejectReason)) }),
    fc.record({ type: fc.constant('cancel' as const), id }),
    fc.record({ type: fc.constant('peers' as const), id, peers: fc.uniqueArray(peerId, { maxLength: MAX_LISTED_PEERS }) }),
    signal,
    have,
    haveChunks,
  );
  const encoded = frame.map(encodeFrame);
  /** Offset of the first byte of a SIGNAL frame's data. */
  const signalDataAt = (f: { from: string; to: string }) => 6 + 1 + 1 + f.from.length + 1 + f.to.length + 2;
  const patched = (at: number, value: fc.Arbitrary<number>) =>
    fc.tuple(encoded, value).map(([b, v]) => {
      const copy = b.slice();
      copy[at] = v;
      return copy;
    });
  return {
    frame,
    encoded,
    /** A valid frame cut short (possibly to nothing). */
    truncated: fc.tuple(encoded, fc.nat()).map(([b, n]) => b.slice(0, n % b.length)),
    /** A valid frame with 1-16 bytes appended. */
    extended: fc.tuple(encoded, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([b, tail]) => concat(b, tail)),
    /** A valid frame padded to more than MAX_FRAME_BYTES. */
    oversized: fc.tuple(encoded, fc.integer({ min: 1, max: 4096 }), byte).map(([b, extra, fill]) => {
      const out = new Uint8Array(MAX_FRAME_BYTES + extra).fill(fill);
      out.set(b);
      return out;
    }),
    wrongVersion: patched(0, byte.filter((v) => v !== WIRE_VERSION)),
    unknownType: patched(1, byte.filter((t) => !(Object.values(FrameType) as number[]).includes(t))),
    /**
     * REQUEST with end < start, REJECT with a reason outside RejectReason, PEERS with an id twice
     * or a byte no peer id has, SIGNAL of an unknown kind or with a byte its data may not have,
     * HAVE or HAVE_CHUNKS with a spare bit of its bitfield set.
     */
    outOfRange: fc.oneof(
      fc.tuple(id, u32, u32).filter(([, a, b]) => a !== b).map(([i, a, b]) => {
        const bytes = encodeFrame({ type: 'request', id: i, sha256: '00'.repeat(32), start: 0, end: 0 });
        const view = new DataView(bytes.buffer);
        view.setUint32(38, Math.max(a, b));
        view.setUint32(42, Math.min(a, b));
        return bytes;
      }),
      fc.tuple(id, byte.filter((r) => !(Object.values(RejectReason) as number[]).includes(r))).map(([i, r]) => {
        const bytes = encodeFrame({ type: 'reject', id: i, reason: RejectReason.NotFound });
        bytes[6] = r;
        return bytes;
      }),
      fc.tuple(id, fc.uniqueArray(peerId, { minLength: 1, maxLength: MAX_LISTED_PEERS - 1 }), fc.nat()).map(([i, peers, n]) =>
        encodeFrameUnchecked(FrameType.Peers, i, [peers.length + 1, ...[...peers, peers[n % peers.length]!].flatMap(idBytes)]),
      ),
      fc.tuple(id, fc.uniqueArray(peerId, { minLength: 1, maxLength: MAX_LISTED_PEERS }), fc.nat(), badIdByte).map(([i, peers, n, bad]) => {
        const bytes = encodeFrame({ type: 'peers', id: i, peers });
        const at = 7 + peers.slice(0, n % peers.length).reduce((sum, p) => sum + 1 + p.length, 0) + 1;
        bytes[at] = bad;
        return bytes;
      }),
      fc.tuple(signal, byte.filter((k) => !(Object.values(SignalKind) as number[]).includes(k))).map(([f, kind]) => {
        const bytes = encodeFrame(f);
        bytes[6] = kind;
        return bytes;
      }),
      fc.tuple(signal.filter((f) => f.data.length > 0), fc.nat(), byte.filter((b) => !((b >= 0x20 && b <= 0x7e) || b === 0x0a || b === 0x0d))).map(([f, n, bad]) => {
        const bytes = encodeFrame(f);
        bytes[signalDataAt(f) + (n % f.data.length)] = bad;
        return bytes;
      }),
      fc.tuple(fc.oneof(have, haveChunks).filter((f) => f.count % 8 !== 0), fc.nat()).map(([f, n]) => {
        const bytes = encodeFrame(f);
        const spare = 8 - (f.count % 8);
        bytes[bytes.length - 1]! |= 1 << (n % spare);
        return bytes;
      }),
    ),
    /** A valid frame with 1-3 bits flipped in its first 50 bytes. */
    bitFlipped: fc.tuple(encoded, fc.array(fc.nat({ max: 50 * 8 - 1 }), { minLength: 1, maxLength: 3 })).map(([b, bits]) => {
      const copy = b.slice();
      for (const bit of bits) copy[(bit >> 3) % copy.length]! ^= 1 << (bit & 7);
      return copy;
    }),
    /** Random bytes, some behind a plausible version and type, some up to 70 kB long. */
    random: fc.oneof(
      fc.uint8Array({ maxLength: 128 }),
      fc.tuple(fc.nat({ max: 9 }), fc.uint8Array({ maxLength: 128 })).map(([type, body]) => concat(Uint8Array.of(WIRE_VERSION, type), body)),
      bytes(0, 70_000),
    ),
  };
}

/** A header and a body as given, without the encoder's checks (to build frames it refuses). */
function encodeFrameUnchecked(type: number, id: number, body: readonly number[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(6 + body.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, WIRE_VERSION);
  view.setUint8(1, type);
  view.setUint32(2, id);
  bytes.set(body, 6);
  return bytes;
}

const idBytes = (peerId: string): number[] => [peerId.length, ...[...peerId].map((c) => c.charCodeAt(0))];

function repeat(pattern: Uint8Array, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  out.set(pattern.subarray(0, length));
  for (let filled = pattern.length; filled < length; filled *= 2) out.copyWithin(filled, 0, filled);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
