/**
 * Verified bytes in Cache Storage, keyed by content hash (core's contentCacheKey), so a file
 * unchanged across deploys is stored once and the page bridge can seed it by hash.
 * Only `put` after verification; nothing else writes this cache (invariant 2).
 */
import { CONTENT_CACHE, contentCacheKey, type ManifestFile } from '../core/index.js';

export class ContentCache {
  constructor(
    private readonly caches: CacheStorage,
    private readonly origin: string,
  ) {}

  async get(file: ManifestFile): Promise<Response | undefined> {
    const cache = await this.caches.open(CONTENT_CACHE);
    return cache.match(contentCacheKey(this.origin, file.sha256));
  }

  /** Stores verified bytes. A failure (quota) is logged and ignored: the response is served anyway. */
  async put(file: ManifestFile, body: ArrayBuffer): Promise<void> {
    try {
      const cache = await this.caches.open(CONTENT_CACHE);
      await cache.put(
        contentCacheKey(this.origin, file.sha256),
        new Response(body, { headers: { 'content-type': file.type, 'content-length': String(body.byteLength) } }),
      );
    } catch (error) {
      console.warn('[deploynet] could not cache', file.sha256, error);
    }
  }
}
