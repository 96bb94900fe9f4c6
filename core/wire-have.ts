/**
 * The bodies of the two holdings frames of core/wire.ts (same 6-byte header; wire.ts dispatches):
 * what a peer can serve, so a downloader asks only peers that hold a chunk (and, in a new swarm,
 * knows who else is downloading a file: see page-bridge/holdings.ts). Integers are unsigned
 * big-endian. A bitfield is BitTorrent's: bit i is byte i >> 3, mask 0x80 >> (i & 7); the spare
 * bits of the last byte are 0. Header id: unused, senders put 0.
 *
 * HAVE (type 7), either direction: "of the manifest I run, these files I hold whole". Each HAVE
 * replaces the previous one from that link. A receiver running another version, or a manifest of
 * another file count, ignores it (peers of one swarm run one version; a pinned page may not).
 *   6      8     manifest version (at most 2^53 - 1)
 *   14     4     n, the manifest's file count, 1 <= n <= MAX_HAVE_FILES
 *   18     ...   ceil(n / 8) bytes: bit i set when the file i-th in sorted path order is held
 *
 * HAVE_CHUNKS (type 8): "of the file with this hash, which I am downloading, I hold these
 * chunks" (verified, stored, servable). It replaces the previous HAVE_CHUNKS for that file from
 * that link; an all-zero bitfield says "downloading, nothing yet". A receiver whose manifest does
 * not list the hash, or lists it with another chunk count, ignores it.
 *   6      32    SHA-256 of the whole file
 *   38     4     n, the file's chunk count, 1 <= n <= MAX_HAVE_CHUNKS
 *   42     ...   ceil(n / 8) bytes: bit i set when chunk i is held
 *
 * Both frames are exactly as long as their fields say: anything after or missing is malformed.
 */
import { fromHex, toHex } from './encoding.js';
import { DeployNetError } from './errors.js';

/** Largest file count a HAVE carries (its bitfield fills a 64 KiB frame). */
export const MAX_HAVE_FILES = (64 * 1024 - 18) * 8;
/** Largest chunk count a HAVE_CHUNKS carries (4 GiB in 16 KiB chunks needs 262,144). */
export const MAX_HAVE_CHUNKS = (64 * 1024 - 42) * 8;

export interface HaveFrame {
  readonly type: 'have';
  readonly id: number;
  readonly version: number;
  /** The manifest's file count. */
  readonly count: number;
  /** Indices (sorted path order) of the files held whole, ascending. */
  readonly files: readonly number[];
}

export interface HaveChunksFrame {
  readonly type: 'have-chunks';
  readonly id: number;
  readonly sha256: string;
  /** The file's chunk count. */
  readonly count: number;
  /** Indices of the chunks held, ascending. */
  readonly chunks: readonly number[];
}

function malformed(why: string): never {
  throw new DeployNetError('FRAME_MALFORMED', `malformed frame: ${why}`);
}

/** A bitfield of `count` bits with `set` on; RangeError for an index out of range or a repeat. */
export function encodeBitfield(count: number, set: readonly number[]): Uint8Array {
  const bits = new Uint8Array(Math.ceil(count / 8));
  let previous = -1;
  for (const i of set) {
    if (!Number.isInteger(i) || i <= previous || i >= count) throw new RangeError('indices must be ascending, distinct and below the count');
    bits[i >> 3]! |= 0x80 >> (i & 7);
    previous = i;
  }
  return bits;
}

/** The set bits of a bitfield of `count` bits, ascending; FRAME_MALFORMED when a spare bit is set. */
export function decodeBitfield(count: number, bits: Uint8Array): number[] {
  if (bits.length !== Math.ceil(count / 8)) malformed('bitfield of the wrong length');
  const out: number[] = [];
  for (let byte = 0; byte < bits.length; byte++) {
    const b = bits[byte]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((b & (0x80 >> bit)) === 0) continue;
      const i = byte * 8 + bit;
      if (i >= count) malformed('a spare bit of the bitfield is set');
      out.push(i);
    }
  }
  return out;
}

function countIn(count: number, max: number, what: string): number {
  if (!Number.isInteger(count) || count < 1 || count > max) throw new RangeError(`${what} must be 1..${max}`);
  return count;
}

export function encodeHaveBody(frame: HaveFrame): Uint8Array {
  if (!Number.isSafeInteger(frame.version) || frame.version < 1) throw new RangeError('version must be a positive safe integer');
  const bits = encodeBitfield(countIn(frame.count, MAX_HAVE_FILES, 'file count'), frame.files);
  const body = new Uint8Array(12 + bits.length);
  const view = new DataView(body.buffer);
  view.setUint32(0, Math.floor(frame.version / 2 ** 32));
  view.setUint32(4, frame.version >>> 0);
  view.setUint32(8, frame.count);
  body.set(bits, 12);
  return body;
}

export function decodeHaveBody(id: number, body: Uint8Array): HaveFrame {
  if (body.length < 12) malformed('have is cut short');
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const version = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
  if (version < 1 || !Number.isSafeInteger(version)) malformed('have version out of range');
  const count = view.getUint32(8);
  if (count < 1 || count > MAX_HAVE_FILES) malformed('have file count out of range');
  return { type: 'have', id, version, count, files: decodeBitfield(count, body.subarray(12)) };
}

export function encodeHaveChunksBody(frame: HaveChunksFrame): Uint8Array {
  const bits = encodeBitfield(countIn(frame.count, MAX_HAVE_CHUNKS, 'chunk count'), frame.chunks);
  const sha = fromHex(frame.sha256);
  if (sha.length !== 32) throw new RangeError('sha256 must be 32 bytes of hex');
  const body = new Uint8Array(36 + bits.length);
  body.set(sha, 0);
  new DataView(body.buffer).setUint32(32, frame.count);
  body.set(bits, 36);
  return body;
}

export function decodeHaveChunksBody(id: number, body: Uint8Array): HaveChunksFrame {
  if (body.length < 36) malformed('have-chunks is cut short');
  const count = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(32);
  if (count < 1 || count > MAX_HAVE_CHUNKS) malformed('have-chunks chunk count out of range');
  return { type: 'have-chunks', id, sha256: toHex(body.subarray(0, 32)), count, chunks: decodeBitfield(count, body.subarray(36)) };
}
