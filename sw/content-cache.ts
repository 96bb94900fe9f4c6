/**
 * Verified bytes in Cache Storage, keyed by content hash (core's contentCacheKey), so a file
 * unchanged across deploys is stored once and the page bridge can seed it by hash.
 * Only `put` after verification; nothing else writes this cache (invariant 2).
 *
 * Storage pressure: when a put fails for quota, the least useful entries are dropped (see
 * eviction-plan.ts) until the file's size is freed, and the put is tried once more. A file larger
 * than everything DeployNet holds is not cached at all (dropping the whole cache for one file
 * would throw away the site's offline copy). Browsers do not tell a page its real quota
 * (navigator.storage.estimate() reports a fixed figure), so the quota error itself is the signal.
 * Either way the response has been served already: caching never breaks a page.
 */
import { CONTENT_CACHE, contentCacheKey, type ManifestFile } from '../core/index.js';
import { planEviction, type CachedEntry } from './eviction-plan.js';

export interface ContentCacheDeps {
  readonly caches: CacheStorage;
  readonly origin: string;
  /** Hashes of every manifest still served: in force, or kept for pages loaded under it. */
  readonly listed: () => ReadonlySet<string>;
  readonly now: () => number;
  /** False once the kill switch has turned: nothing may be written any more. */
  readonly writable: () => boolean;
}

const KEY_PREFIX = '/.deploynet/sha256/';

export function isQuotaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'QuotaExceededError';
}

/** DeployNet's entries in the cache, with the content hash each is keyed by (others are skipped). */
async function contentEntries(cache: Cache): Promise<Array<[Request, string]>> {
  const out: Array<[Request, string]> = [];
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path.startsWith(KEY_PREFIX)) out.push([request, path.slice(KEY_PREFIX.length)]);
  }
  return out;
}

export class ContentCache {
  readonly #lastUsed = new Map<string, number>();

  readonly #deps: ContentCacheDeps;

  constructor(deps: ContentCacheDeps) {
    this.#deps = deps;
  }

  async get(file: ManifestFile): Promise<Response | undefined> {
    const cache = await this.#deps.caches.open(CONTENT_CACHE);
    const hit = await cache.match(this.#key(file.sha256));
    if (hit) this.#lastUsed.set(file.sha256, this.#deps.now());
    return hit;
  }

  /**
   * Stores verified bytes; resolves whether they were stored. With `evict`, a quota error makes
   * room by dropping other files first. Never throws: a failure is logged and the page carries on.
   */
  /** `body`: makes a stream of the file's verified bytes (called for each try). */
  async put(file: ManifestFile, body: () => ReadableStream<Uint8Array>, options: { readonly evict: boolean }): Promise<boolean> {
    if (!this.#deps.writable()) return false;
    try {
      const cache = await this.#deps.caches.open(CONTENT_CACHE);
      try {
        await this.#store(cache, file, body);
      } catch (error) {
        if (!options.evict || !isQuotaError(error) || !(await this.#makeRoom(cache, file))) throw error;
        await this.#store(cache, file, body);
      }
      return true;
    } catch (error) {
      console.warn('[deploynet] could not cache', file.sha256, error);
      return false;
    }
  }

  /** Content hashes of every cached file; empty when the cache cannot be read. Never throws. */
  async hashes(): Promise<Set<string>> {
    try {
      return new Set((await contentEntries(await this.#deps.caches.open(CONTENT_CACHE))).map(([, sha256]) => sha256));
    } catch (error) {
      console.warn('[deploynet] could not list the cache', error);
      return new Set();
    }
  }

  /** Deletes cached files whose hash no manifest in use lists (old deploys). Never throws. */
  async retainOnly(keep: ReadonlySet<string>): Promise<number> {
    try {
      const cache = await this.#deps.caches.open(CONTENT_CACHE);
      let dropped = 0;
      for (const [request, sha256] of await contentEntries(cache)) {
        if (keep.has(sha256)) continue;
        await cache.delete(request);
        this.#lastUsed.delete(sha256);
        dropped++;
      }
      return dropped;
    } catch (error) {
      console.warn('[deploynet] could not clean the cache', error);
      return 0;
    }
  }

  async #store(cache: Cache, file: ManifestFile, body: () => ReadableStream<Uint8Array>): Promise<void> {
    // Verified bytes are exactly file.size long.
    const headers = { 'content-type': file.type, 'content-length': String(file.size) };
    await cache.put(this.#key(file.sha256), new Response(body(), { headers }));
    this.#lastUsed.set(file.sha256, this.#deps.now());
  }

  /** Drops entries worth `file`'s size; false when it is not worth trying. */
  async #makeRoom(cache: Cache, file: ManifestFile): Promise<boolean> {
    const listed = this.#deps.listed();
    const entries: CachedEntry[] = [];
    for (const [request, sha256] of await contentEntries(cache)) {
      const size = Number((await cache.match(request))?.headers.get('content-length') ?? 0);
      entries.push({ sha256, size, lastUsed: this.#lastUsed.get(sha256), listed: listed.has(sha256) });
    }
    const held = entries.reduce((sum, e) => sum + (e.sha256 === file.sha256 ? 0 : e.size), 0);
    if (file.size > held) {
      console.warn(`[deploynet] storage full: ${file.sha256} (${file.size} bytes) exceeds the whole cache; not cached`);
      return false;
    }
    const drop = planEviction(entries, file.size, file.sha256);
    for (const sha256 of drop) {
      await cache.delete(this.#key(sha256));
      this.#lastUsed.delete(sha256);
    }
    console.warn(`[deploynet] storage full: dropped ${drop.length} cached files to store ${file.sha256}`);
    return drop.length > 0;
  }

  #key(sha256: string): string {
    return contentCacheKey(this.#deps.origin, sha256);
  }
}

