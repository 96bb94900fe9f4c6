/**
 * Chunk maths. A chunk is the unit of verification (one SHA-256 in the manifest) and, later, of
 * scheduling across peers. It travels in wire frames of at most 64 KiB (see wire.ts).
 *
 * 256 KiB: large enough that the manifest of a 1 GiB site stays near 280 KB (4,096 hashes) and
 * that per-chunk overhead (one request, one hash) is small next to the transfer at data-channel
 * speeds (~35 ms per chunk at 7 MB/s); small enough that a bad chunk wastes little and that a
 * 5 MiB file spreads over 20 chunks for parallel download. WebTorrent picks the same order.
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
export const MIN_CHUNK_SIZE = 16 * 1024;
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;

export interface ByteRange {
  /** inclusive */
  readonly start: number;
  /** exclusive */
  readonly end: number;
}

export function chunkCount(size: number, chunkSize: number): number {
  if (size === 0) return 1;
  return Math.ceil(size / chunkSize);
}

export function chunkRange(index: number, size: number, chunkSize: number): ByteRange {
  const count = chunkCount(size, chunkSize);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`chunk ${index} out of range 0..${count - 1}`);
  }
  const start = index * chunkSize;
  return { start, end: Math.min(size, start + chunkSize) };
}

/** True when a file needs a per-chunk hash list in the manifest. */
export function isChunked(size: number, chunkSize: number): boolean {
  return size > chunkSize;
}

export function isValidChunkSize(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_CHUNK_SIZE && n <= MAX_CHUNK_SIZE && (n & (n - 1)) === 0;
}
