/**
 * A chunk's bytes as the pieces they arrived in: the payloads of its DATA frames, views into the
 * data channel's own message buffers. Joining them would copy every byte into new memory, which
 * costs more than the copy itself (in Chromium, 5.8 MB into fresh buffers took 31 ms, into reused
 * ones 1 ms); the pieces go on as they are: transferred to the SW, streamed into the Response and
 * the cache. Only hashing needs them in one piece, and it uses scratch buffers it reuses.
 */
import type { CryptoProvider } from './crypto-provider.js';

/** Bytes in order, in one or more pieces; each piece a view (not necessarily of a whole buffer). */
export type ByteParts = readonly Uint8Array[];

export function partsLength(parts: ByteParts): number {
  let n = 0;
  for (const part of parts) n += part.length;
  return n;
}

/** The bytes in one array: the only piece as it is, else a copy of them all. */
export function joinParts(parts: ByteParts): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return copyParts(parts, new Uint8Array(partsLength(parts)));
}

/** Writes the pieces one after another into `out` (at least as long as they are); returns it. */
function copyParts<T extends Uint8Array>(parts: ByteParts, out: T): T {
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The buffers the pieces view, each once: a postMessage transfer list that moves the pieces
 * without a copy (the views arrive onto the moved buffers; the sender's are detached). Null when
 * a piece views shared memory, which cannot be transferred. Whatever else a buffer holds goes
 * with it: for a DATA frame's payload, only the frame's 10-byte header.
 */
export function transferList(parts: ByteParts): ArrayBuffer[] | null {
  const buffers = new Set<ArrayBuffer>();
  for (const part of parts) {
    if (!(part.buffer instanceof ArrayBuffer)) return null;
    buffers.add(part.buffer);
  }
  return [...buffers];
}

/** SHA-256 of ByteParts; made by partsHasher. */
export type PartsHash = (parts: ByteParts) => Promise<Uint8Array>;

/**
 * SHA-256 of ByteParts. One piece is hashed as it is; several are copied into a scratch buffer
 * first, which is lent to one hash at a time and kept once its digest has resolved (so nothing
 * relies on when the digest reads its input; a hash that finds it lent out makes another). The
 * kept buffer is warm memory: no fresh pages to fault in for the next chunk.
 */
export function partsHasher(crypto: CryptoProvider): PartsHash {
  let spare = new Uint8Array(0);
  return async (parts) => {
    if (parts.length === 1) return crypto.sha256(parts[0]!);
    const n = partsLength(parts);
    const scratch = spare.length >= n ? spare : new Uint8Array(n);
    spare = new Uint8Array(0);
    copyParts(parts, scratch);
    try {
      return await crypto.sha256(scratch.subarray(0, n));
    } finally {
      spare = scratch;
    }
  };
}
