/**
 * What this visitor may seed: bytes in its verified content cache whose hash the manifest in force
 * lists (invariant 5), and chunks of listed files it is still downloading, from the SW's partial
 * store (read only). Everything else is "not found".
 *
 * Stored chunks were verified before the SW stored them, but storage is not trusted more than a
 * peer (sw/file-download.ts checks them again on resume): each one is checked against the
 * manifest's chunk hash before it is served, so a damaged store never gets this visitor banned.
 */
import { CONTENT_CACHE, chunkHashes, contentCacheKey, toHex, type CryptoProvider, type Manifest, type ManifestFile } from '../core/index.js';

export interface ContentProvider {
  /** A Blob (read lazily, slice by slice) of the verified file with this hash, or undefined. */
  get(sha256: string): Promise<Blob | undefined>;
  /**
   * Exactly bytes [start, end) of a listed file this visitor holds only in part, when every chunk
   * they fall in is held and verifies; else undefined. Optional: without it, whole files only.
   */
  range?(sha256: string, start: number, end: number): Promise<Blob | undefined>;
}

/** Chunks of partly downloaded files (stored-chunks.ts reads the SW's IndexedDB store). */
export interface StoredChunks {
  /** Whether this visitor announced it holds these chunks (no storage read for anything else). */
  holds(sha256: string, indices: readonly number[]): boolean;
  read(sha256: string, index: number): Promise<Uint8Array | undefined>;
}

export function cacheContentProvider(caches: CacheStorage, origin: string, manifest: Manifest, stored?: { chunks: StoredChunks; crypto: CryptoProvider }): ContentProvider {
  const files = new Map<string, ManifestFile>(Object.values(manifest.files).map((f) => [f.sha256, f]));
  // Opened once, not for every chunk asked (each open is a round trip to the browser process);
  // opened again after a failure.
  let content: Promise<Cache> | undefined;
  const open = () =>
    (content ??= caches.open(CONTENT_CACHE).catch((error: unknown) => {
      content = undefined;
      throw error;
    }));
  return {
    async get(sha256) {
      if (!files.has(sha256)) return undefined;
      const hit = await (await open()).match(contentCacheKey(origin, sha256));
      return hit ? hit.blob() : undefined;
    },
    ...(stored && { range: (sha256, start, end) => storedRange(files.get(sha256), manifest.chunkSize, start, end, stored.chunks, stored.crypto) }),
  };
}

async function storedRange(file: ManifestFile | undefined, chunkSize: number, start: number, end: number, stored: StoredChunks, crypto: CryptoProvider): Promise<Blob | undefined> {
  if (!file?.chunks || start >= end || end > file.size) return undefined;
  const first = Math.floor(start / chunkSize);
  const last = Math.floor((end - 1) / chunkSize);
  const indices = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  if (!stored.holds(file.sha256, indices)) return undefined;
  const hashes = chunkHashes(file);
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (const index of indices) {
    const bytes = await stored.read(file.sha256, index).catch(() => undefined);
    const length = Math.min(file.size, (index + 1) * chunkSize) - index * chunkSize;
    if (!bytes || bytes.length !== length || toHex(await crypto.sha256(bytes)) !== hashes[index]) return undefined;
    parts.push(new Uint8Array(bytes));
  }
  return new Blob(parts).slice(start - first * chunkSize, end - first * chunkSize);
}
