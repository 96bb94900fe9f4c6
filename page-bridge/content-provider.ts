/**
 * What this visitor may seed: bytes in its verified content cache whose hash the manifest in force
 * lists (invariant 5). Everything else is "not found".
 */
import { CONTENT_CACHE, contentCacheKey, type Manifest } from '../core/index.js';

export interface ContentProvider {
  /** A Blob (read lazily, slice by slice) of the verified file with this hash, or undefined. */
  get(sha256: string): Promise<Blob | undefined>;
}

export function cacheContentProvider(caches: CacheStorage, origin: string, manifest: Manifest): ContentProvider {
  const listed = new Set(Object.values(manifest.files).map((f) => f.sha256));
  return {
    async get(sha256) {
      if (!listed.has(sha256)) return undefined;
      const cache = await caches.open(CONTENT_CACHE);
      const hit = await cache.match(contentCacheKey(origin, sha256));
      return hit ? hit.blob() : undefined;
    },
  };
}
