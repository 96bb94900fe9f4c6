/**
 * The benchmarks' fetches in a visitor's page, through its service worker, timed in the page:
 * what p2p-bench.ts and p2p-profile.ts measure. `uncache` first makes the next fetch miss the
 * visitor's content cache, so it really comes from a peer (or the origin).
 */
import type { Page } from 'puppeteer-core';
import { CONTENT_CACHE, contentCacheKey } from '../../core/index.js';

export interface Timed {
  readonly ms: number;
  readonly source: string | null;
  readonly bytes: number;
}

export interface Streamed extends Timed {
  /** When the first read of the body returned, and how many bytes it held. */
  readonly firstMs: number;
  readonly firstBytes: number;
}

/** Waits until the SW has stored this file (it does so after answering), 5 s at most. */
export async function untilStored(page: Page, origin: string, sha256: string): Promise<void> {
  await page.evaluate(
    async (key, cacheName) => {
      const cache = await caches.open(cacheName);
      for (let waited = 0; waited < 5000 && !(await cache.match(key)); waited += 10) await new Promise((r) => setTimeout(r, 10));
    },
    contentCacheKey(origin, sha256),
    CONTENT_CACHE,
  );
}

/**
 * Deletes the visitor's cached copy of this file, once the last fetch's copy has landed (else
 * that copy would land after the delete and answer the next fetch).
 */
export async function uncache(page: Page, origin: string, sha256: string): Promise<void> {
  await untilStored(page, origin, sha256);
  await page.evaluate(async (key, cacheName) => void (await (await caches.open(cacheName)).delete(key)), contentCacheKey(origin, sha256), CONTENT_CACHE);
}

/** Fetches through the SW (a cached copy answers if there is one), timed, the body read whole. */
export async function timedFetch(page: Page, path: string): Promise<Timed> {
  return page.evaluate(async (p) => {
    const t0 = performance.now();
    const response = await fetch(p, { cache: 'no-store' });
    const body = await response.arrayBuffer();
    return { ms: performance.now() - t0, source: response.headers.get('x-deploynet-source'), bytes: body.byteLength };
  }, path);
}

/** Like timedFetch, reading the body as a stream to time its first bytes too. */
export async function streamedFetch(page: Page, path: string): Promise<Streamed> {
  return page.evaluate(async (p) => {
    const t0 = performance.now();
    const response = await fetch(p, { cache: 'no-store' });
    const reader = response.body!.getReader();
    let bytes = 0;
    let firstMs = -1;
    let firstBytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (firstMs < 0) [firstMs, firstBytes] = [performance.now() - t0, value.length];
      bytes += value.length;
    }
    return { ms: performance.now() - t0, firstMs, firstBytes, source: response.headers.get('x-deploynet-source'), bytes };
  }, path);
}
