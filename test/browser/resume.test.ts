/**
 * Issue 4, item 3: resume. A visitor's download of a large file breaks off half-way (the origin
 * goes down mid-body); the chunks it had verified are in IndexedDB. The service worker is stopped
 * (so nothing survives in its memory), the origin comes back on the same URL, the page reloads and
 * asks again: the file completes byte-identical, the origin is asked only for the bytes from where
 * the download stopped, and the stored chunks are deleted once the file is in Cache Storage.
 * Origin only (maxPeers 0), so which bytes come from where is deterministic.
 */
import { rm } from 'node:fs/promises';
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { contentCacheKey } from '../../core/index.js';
import type { ServedRequest } from '../../manifest-cli/serve.js';
import { DB_NAME, PARTIALS_STORE } from '../../sw/idb-database.js';
import { BIG_PATH, streamFetch, untilCached, writeBigSite } from './big-site.js';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { visit } from './page-probe.js';
import { startStack } from './stack.js';

const SIZE = 4 * 1024 * 1024; // 16 chunks of 256 KiB
/** Slow enough that the test sees a few chunks stored well before the last one. */
const SLOW_ORIGIN = { rateBytesPerSec: 1_000_000 };
/** A file no manifest lists: its stored chunks must go at the SW's next cleanup. */
const ORPHAN = '0'.repeat(64);

/** Chunk indices stored in the SW's partial store for `sha256` (read from the page: same origin). */
async function storedChunks(page: Page, sha256: string): Promise<number[]> {
  return page.evaluate(
    async (dbName, storeName, sha) => {
      const request = indexedDB.open(dbName);
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        if (!db.objectStoreNames.contains(storeName)) return [];
        const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
          const r = db.transaction(storeName).objectStore(storeName).getAllKeys(IDBKeyRange.bound([sha, 0], [sha, []], false, true));
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        return keys.map((key) => (Array.isArray(key) && typeof key[1] === 'number' ? key[1] : -1));
      } finally {
        db.close(); // never hold the SW's database open: it would block a schema upgrade
      }
    },
    DB_NAME,
    PARTIALS_STORE,
    sha256,
  );
}

/** Stores one chunk for `sha256` the way the SW does, from the page. */
async function plantChunk(page: Page, sha256: string): Promise<void> {
  await page.evaluate(
    async (dbName, storeName, sha) => {
      const request = indexedDB.open(dbName);
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        const tx = db.transaction(storeName, 'readwrite');
        tx.objectStore(storeName).put(new Blob([new Uint8Array(16)]), [sha, 0]);
        await new Promise<void>((resolve, reject) => {
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
      } finally {
        db.close();
      }
    },
    DB_NAME,
    PARTIALS_STORE,
    sha256,
  );
}

/** Polls the stored chunks until `done` says so; returns the last reading. */
async function untilStored(page: Page, sha256: string, done: (indices: number[]) => boolean, what: string): Promise<number[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const indices = await storedChunks(page, sha256);
    if (done(indices)) return indices;
    if (Date.now() > deadline) throw new Error(`stored chunks never ${what}: ${JSON.stringify(indices)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts reading `path` in the page; window.__download says how far it got and how it ended. */
async function startDownload(page: Page, path: string): Promise<void> {
  await page.evaluate((p) => {
    const state = { received: 0, ended: null as null | 'complete' | 'failed' };
    Object.assign(window, { __download: state });
    void (async () => {
      try {
        const reader = (await fetch(p, { cache: 'no-store' })).body!.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          state.received += value.length;
        }
        state.ended = 'complete';
      } catch {
        state.ended = 'failed';
      }
    })();
  }, path);
}

async function downloadEnded(page: Page): Promise<{ received: number; ended: string }> {
  const handle = await page.waitForFunction(
    () => {
      const state = (window as unknown as { __download: { received: number; ended: string | null } }).__download;
      return state.ended === null ? false : { received: state.received, ended: state.ended };
    },
    { timeout: 30_000, polling: 50 },
  );
  return (await handle.jsonValue()) as { received: number; ended: string };
}

/** Stops every service worker of the page's browser context and waits until they are stopped. */
async function stopServiceWorkers(page: Page): Promise<void> {
  const cdp = await page.createCDPSession();
  const running = new Map<string, string>();
  cdp.on('ServiceWorker.workerVersionUpdated', (event: { versions: Array<{ versionId: string; runningStatus: string }> }) => {
    for (const version of event.versions) running.set(version.versionId, version.runningStatus);
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  const deadline = Date.now() + 10_000;
  while (running.size === 0 || [...running.values()].some((status) => status !== 'stopped')) {
    if (Date.now() > deadline) throw new Error(`the service worker did not stop: ${JSON.stringify([...running])}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await cdp.detach();
}

describe('resume: a download that broke off continues where it stopped', () => {
  const session = useBrowser();

  it('stores verified chunks, asks the origin only for the rest after a reload, and cleans up', async () => {
    const site = await writeBigSite(SIZE);
    try {
      const stack = await session.track(startStack({ example: site.dir, build: { maxPeers: 0 } }));
      const file = stack.manifest.files[BIG_PATH]!;
      const chunkSize = stack.manifest.chunkSize;
      const count = file.chunks!.length;
      expect({ sha256: file.sha256, count }).toEqual({ sha256: site.sha256, count: SIZE / chunkSize });
      const v = await session.track(newVisitor(session.browser, stack.origin));
      await visit(v.page, `${stack.origin}/`);

      // 1. A slow origin; the download starts, and the origin goes down once some chunks are stored.
      const before: ServedRequest[] = [];
      await stack.restartOrigin({ ...SLOW_ORIGIN, onRequest: (r) => before.push(r) });
      await startDownload(v.page, BIG_PATH);
      await untilStored(v.page, file.sha256, (i) => i.length >= 3, 'reached 3');
      await stack.stopOrigin();
      const broken = await downloadEnded(v.page);
      expect(broken.ended).toBe('failed');
      expect(before.filter((r) => r.path === BIG_PATH)).toEqual([{ method: 'GET', path: BIG_PATH, range: null }]);

      // 2. Nothing survives in the SW's memory: what the next download has is what IndexedDB has.
      await stopServiceWorkers(v.page);
      const stored = await storedChunks(v.page, file.sha256);
      expect(stored.length).toBeGreaterThanOrEqual(3);
      expect(stored.length).toBeLessThan(count);
      // The origin streams in order, so the stored chunks are the first ones, with no gap.
      expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => i));
      expect(broken.received).toBeLessThanOrEqual(stored.length * chunkSize);
      await plantChunk(v.page, ORPHAN);
      expect(await storedChunks(v.page, ORPHAN)).toEqual([0]);

      // 3. The origin is back on the same URL; the page reloads and asks again.
      const after: ServedRequest[] = [];
      await stack.restartOrigin({ onRequest: (r) => after.push(r) });
      await visit(v.page, `${stack.origin}/`);
      const got = await streamFetch(v.page, BIG_PATH, SIZE);
      expect({ status: got.status, bytes: got.bytes, sha256: got.sha256 }).toEqual({ status: 200, bytes: SIZE, sha256: site.sha256 });
      const resumedAt = stored.length * chunkSize;
      expect(got.source).toBe('cache'); // chunk 0 came from the stored chunks
      expect(after.filter((r) => r.path === BIG_PATH)).toEqual([{ method: 'GET', path: BIG_PATH, range: `bytes=${resumedAt}-${SIZE - 1}` }]);
      expect(got.progress.at(-1)).toMatchObject({ loaded: SIZE, bytes: { cache: resumedAt, peer: 0, origin: SIZE - resumedAt } });

      // 4. Once the file is cached, its stored chunks go; the orphan went at the SW's cleanup.
      await untilCached(v.page, contentCacheKey(stack.origin, file.sha256));
      await untilStored(v.page, file.sha256, (i) => i.length === 0, 'were deleted after the file was cached');
      await untilStored(v.page, ORPHAN, (i) => i.length === 0, 'of an unlisted file were deleted');
    } finally {
      await rm(site.dir, { recursive: true, force: true });
    }
  });
});
