/**
 * Verified chunks of files still downloading, kept so that a reload (or a SW restart, or an
 * origin that went away mid-file) resumes where the download stopped instead of starting over.
 *
 * Key layout: one record per chunk, key `[fileSha256, chunkIndex]`, value the chunk's bytes: a
 * Blob made of the pieces it came in (no joined copy first, and in Chromium cheaper to store than
 * an ArrayBuffer: 145 against 210 ms of CPU for 5.8 MB). Earlier versions stored ArrayBuffers:
 * those are not read (like any other value), so such a chunk is fetched again and overwritten.
 * Keyed by content hash, like the content cache, so a file unchanged across deploys
 * keeps its chunks. IndexedDB orders array keys element by element and numbers before arrays, so
 * `[sha256, 0] .. [sha256, []]` is exactly one file's chunks (one range to read or delete).
 *
 * What comes back from storage is not trusted (invariant 2): `load` only parses the shape, and
 * FileDownload checks every chunk against the manifest's chunk hash before it uses it. A chunk
 * stored under another chunk size (a deploy that changed it) then fails that check on its length.
 *
 * Two implementations: IndexedDB through `idb` (database `deploynet`, store `partials`) for the
 * SW, and an in-memory one for unit tests. Either may reject; callers (file-partials.ts) treat
 * storage as optional.
 */
import { SHA256_HEX, joinParts, type ByteParts } from '../core/index.js';
import { PARTIALS_STORE, openDeployNetDb } from './idb-database.js';

export interface PartialStore {
  /** The stored chunks of one file, by index (parsed, not verified). */
  load(sha256: string): Promise<Map<number, Uint8Array>>;
  put(sha256: string, index: number, parts: ByteParts): Promise<void>;
  /** Deletes every stored chunk of one file. */
  drop(sha256: string): Promise<void>;
  /** Deletes the chunks of every file not in `keep`; resolves how many files were dropped. */
  retainOnly(keep: ReadonlySet<string>): Promise<number>;
}

/** A stored key, when it has this module's shape: `[sha256 hex, chunk index]`. */
export function parsePartialKey(key: unknown): { readonly sha256: string; readonly index: number } | null {
  if (!Array.isArray(key) || key.length !== 2) return null;
  const [sha256, index]: unknown[] = key;
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) return null;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return null;
  return { sha256, index };
}

/** A stored value's bytes when it is a Blob (as this module stores them), else null. */
export async function readStoredChunk(value: unknown): Promise<Uint8Array | null> {
  return value instanceof Blob ? new Uint8Array(await value.arrayBuffer()) : null;
}

/** For unit tests; `chunks(sha256)` shows what is stored. */
export class MemoryPartialStore implements PartialStore {
  private readonly files = new Map<string, Map<number, ArrayBuffer>>();

  async load(sha256: string): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>();
    for (const [index, bytes] of this.files.get(sha256) ?? []) out.set(index, new Uint8Array(bytes.slice(0)));
    return out;
  }

  async put(sha256: string, index: number, parts: ByteParts): Promise<void> {
    const file = this.files.get(sha256) ?? new Map<number, ArrayBuffer>();
    file.set(index, joinParts(parts).slice().buffer); // a copy, as IndexedDB makes one
    this.files.set(sha256, file);
  }

  async drop(sha256: string): Promise<void> {
    this.files.delete(sha256);
  }

  async retainOnly(keep: ReadonlySet<string>): Promise<number> {
    let dropped = 0;
    for (const sha256 of [...this.files.keys()]) {
      if (keep.has(sha256)) continue;
      this.files.delete(sha256);
      dropped++;
    }
    return dropped;
  }

  /** Stored chunk indices of a file, ascending. */
  chunks(sha256: string): number[] {
    return [...(this.files.get(sha256)?.keys() ?? [])].sort((a, b) => a - b);
  }
}

/** Every key of one file: `[sha256, 0]` up to (not including) `[sha256, []]`. */
function fileRange(sha256: string): IDBKeyRange {
  return IDBKeyRange.bound([sha256, 0], [sha256, []], false, true);
}

export interface IdbPartialStoreOptions {
  /** False once the kill switch has turned: nothing may be written any more. */
  readonly writable: () => boolean;
}

/** The SW's store, in the shared `deploynet` database (idb-database.ts). */
export function idbPartialStore(options: IdbPartialStoreOptions): PartialStore {
  const open = openDeployNetDb;
  return {
    async load(sha256) {
      const tx = (await open()).transaction(PARTIALS_STORE);
      const range = fileRange(sha256);
      // One transaction: keys and values of the same snapshot, in the same (key) order.
      const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
      const out = new Map<number, Uint8Array>();
      for (const [i, key] of keys.entries()) {
        const parsed = parsePartialKey(key);
        const bytes = await readStoredChunk(values[i]);
        if (parsed && parsed.sha256 === sha256 && bytes) out.set(parsed.index, bytes);
      }
      return out;
    },
    async put(sha256, index, parts) {
      if (!options.writable()) return;
      // The pieces view ArrayBuffers (page-bridge/sw-link.ts transfers them); Blob copies them.
      await (await open()).put(PARTIALS_STORE, new Blob([...parts] as Uint8Array<ArrayBuffer>[]), [sha256, index]);
    },
    async drop(sha256) {
      await (await open()).delete(PARTIALS_STORE, fileRange(sha256));
    },
    async retainOnly(keep) {
      const tx = (await open()).transaction(PARTIALS_STORE, 'readwrite');
      const deletes: Promise<void>[] = [];
      let dropped = 0;
      // One step per file, not per chunk: after looking at a file's first key, skip past its range.
      let cursor = await tx.store.openKeyCursor();
      while (cursor) {
        const parsed = parsePartialKey(cursor.key);
        if (!parsed) {
          deletes.push(tx.store.delete(cursor.key)); // not ours, or malformed
          cursor = await cursor.continue();
          continue;
        }
        if (!keep.has(parsed.sha256)) {
          deletes.push(tx.store.delete(fileRange(parsed.sha256)));
          dropped++;
        }
        cursor = await cursor.continue([parsed.sha256, []]);
      }
      await Promise.all([...deletes, tx.done]);
      return dropped;
    },
  };
}
