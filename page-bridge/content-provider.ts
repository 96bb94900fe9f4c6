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

/**
 * A file's bytes as the provider holds them: a Blob (read lazily, slice by slice) or, for a file
 * small enough to hold, its bytes in memory (each Blob slice read is a round trip to the browser
 * process, which a peer asking for a file chunk by chunk pays dozens of times).
 */
export type FileBody = Blob | Uint8Array;

/** The size of a FileBody. */
export function bodySize(body: FileBody): number {
  return body instanceof Uint8Array ? body.length : body.size;
}

/** Bytes [start, end) of a FileBody. */
export async function readBody(body: FileBody, start: number, end: number): Promise<Uint8Array> {
  return body instanceof Uint8Array ? body.subarray(start, end) : new Uint8Array(await body.slice(start, end).arrayBuffer());
}

export interface ContentProvider {
  /** The verified file with this hash, or undefined. */
  get(sha256: string): Promise<FileBody | undefined>;
  /**
   * Exactly bytes [start, end) of a listed file this visitor holds only in part, when every chunk
   * they fall in is held and verifies; else undefined. Optional: without it, whole files only.
   */
  range?(sha256: string, start: number, end: number): Promise<FileBody | undefined>;
}

/** Chunks of partly downloaded files (stored-chunks.ts reads the SW's IndexedDB store). */
export interface StoredChunks {
  /** Whether this visitor announced it holds these chunks (no storage read for anything else). */
  holds(sha256: string, indices: readonly number[]): boolean;
  read(sha256: string, index: number): Promise<Uint8Array | undefined>;
}

/** How many files stay at hand between chunk requests, and for how long after the last one. */
const RECENT_FILES = 2;
const RECENT_MS = 5000;
/** Files up to this size are read into memory once (at most RECENT_FILES of them); larger ones are sliced from their Blob. */
const IN_MEMORY_MAX = 8 * 1024 * 1024;

type Entry = { readonly body: Promise<FileBody | undefined>; timer: ReturnType<typeof setTimeout> };

/**
 * The files asked for last. A peer asks for a large file chunk by chunk, dozens of requests for
 * one file; matching the cache, taking the response's Blob and slicing it for each one cost the
 * seeder's page 130 ms of a 5.8 MB transfer's 210 in match and blob, and then 90 ms in Blob slices
 * once the Blob was kept. The bytes are content-addressed and were verified when cached, so a copy
 * taken a few seconds ago is still the file.
 */
class RecentFiles {
  readonly #entries = new Map<string, Entry>();

  get(sha256: string, read: () => Promise<FileBody | undefined>): Promise<FileBody | undefined> {
    const known = this.#entries.get(sha256);
    if (known) {
      this.#entries.delete(sha256); // re-inserted: the Map's order is the order of use
      clearTimeout(known.timer);
    }
    const body = known?.body ?? read();
    const entry: Entry = { body, timer: setTimeout(() => this.#forget(sha256, entry), RECENT_MS) };
    this.#entries.set(sha256, entry);
    // Only files that were there are kept: a miss may be cached a moment later.
    void body.then(
      (b) => b ?? this.#forget(sha256, entry),
      () => this.#forget(sha256, entry),
    );
    for (const [oldest, old] of this.#entries) {
      if (this.#entries.size <= RECENT_FILES) break;
      this.#forget(oldest, old);
    }
    return body;
  }

  #forget(sha256: string, entry: Entry): void {
    clearTimeout(entry.timer);
    if (this.#entries.get(sha256) === entry) this.#entries.delete(sha256);
  }
}

export function cacheContentProvider(caches: CacheStorage, origin: string, manifest: Manifest, stored?: { chunks: StoredChunks; crypto: CryptoProvider }): ContentProvider {
  const files = new Map<string, ManifestFile>(Object.values(manifest.files).map((f) => [f.sha256, f]));
  const recent = new RecentFiles();
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
      const file = files.get(sha256);
      if (!file) return undefined;
      return recent.get(sha256, async () => {
        const hit = await (await open()).match(contentCacheKey(origin, sha256));
        if (!hit) return undefined;
        return file.size <= IN_MEMORY_MAX ? new Uint8Array(await hit.arrayBuffer()) : hit.blob();
      });
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
