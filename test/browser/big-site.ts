/**
 * A site with one large file, for swarm tests and the swarm benchmark: a page (fill-in off, so
 * visitors get the file only when a test asks) and 32 MiB of incompressible, deterministic bytes.
 * Written to a temp dir, never to the repo. Plus the page-side probes those tests share.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { CONTENT_CACHE, PEER_FAILURE_HEADER, PROGRESS_EVENT, type ProgressDetail } from '../../core/index.js';
import { stats } from './page-probe.js';

export const BIG_PATH = '/files/random-32mib.bin';
export const BIG_BYTES = 32 * 1024 * 1024;

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>DeployNet: one large file</title>
  <script src="/deploynet.js" type="module" async data-fill="off"></script>
</head>
<body><p>Tests and benchmarks fetch <code>${BIG_PATH}</code> from this page.</p></body>
</html>
`;

/** The AES-256-CTR keystream of a fixed key: the same bytes every run, and no transport can shrink them. */
export function deterministicBytes(size: number): Buffer {
  const key = createHash('sha256').update('deploynet swarm bench').digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** Writes the site to a new temp dir; returns the dir and the big file's SHA-256. */
export async function writeBigSite(size = BIG_BYTES): Promise<{ dir: string; sha256: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'deploynet-big-site-'));
  const bytes = deterministicBytes(size);
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, ...BIG_PATH.slice(1).split('/')), bytes);
  await writeFile(join(dir, 'index.html'), INDEX_HTML);
  return { dir, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export interface StreamedFetch {
  readonly status: number;
  readonly source: string | null;
  readonly peerFailure: string | null;
  readonly bytes: number;
  readonly sha256: string;
  /** From calling fetch() to the first chunk of the body. */
  readonly ttfbMs: number;
  /** From calling fetch() to the last byte of the body. */
  readonly totalMs: number;
  /**
   * How many deploynet:progress events for this URL had reached the page when it read its first
   * body bytes. Progress travels by postMessage, the body by the response stream, so the first
   * events may trail the first bytes; what matters is that the last one (loaded = total) came after.
   */
  readonly eventsAtFirstRead: number;
  /** Every deploynet:progress event for this URL during the fetch. */
  readonly progress: readonly ProgressDetail[];
}

/**
 * Fetches `path` in the page (through the SW), reading the body as a stream so the first chunk's
 * arrival is visible, and recording the page's deploynet:progress events; hashes the bytes after
 * the clock has stopped.
 */
export async function streamFetch(page: Page, path: string, size: number): Promise<StreamedFetch> {
  return page.evaluate(
    async (p, expectedSize, failureHeader, eventName) => {
      const url = new URL(p, location.href).href;
      const progress: ProgressDetail[] = [];
      const listen = (event: Event) => {
        const detail = (event as CustomEvent<ProgressDetail>).detail;
        if (detail.url === url) progress.push(detail);
      };
      window.addEventListener(eventName, listen);
      const t0 = performance.now();
      const response = await fetch(p, { cache: 'no-store' });
      const reader = response.body!.getReader();
      // Preallocated from the manifest's size, so every round costs the same; a body of another
      // size still ends up whole (and then fails the hash check).
      let body = new Uint8Array(expectedSize);
      let received = 0;
      let ttfbMs = -1;
      let eventsAtFirstRead = -1;
      for (;;) {
        const { done, value } = await reader.read();
        if (ttfbMs < 0) {
          ttfbMs = performance.now() - t0;
          eventsAtFirstRead = progress.length;
        }
        if (done) break;
        if (received + value.length > body.length) {
          const grown = new Uint8Array(Math.max(body.length * 2, received + value.length));
          grown.set(body.subarray(0, received));
          body = grown;
        }
        body.set(value, received);
        received += value.length;
      }
      const totalMs = performance.now() - t0;
      // The last progress message may trail the body by a moment.
      for (let waited = 0; waited < 2000 && progress.at(-1)?.loaded !== expectedSize; waited += 50) await new Promise((r) => setTimeout(r, 50));
      window.removeEventListener(eventName, listen);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body.subarray(0, received)));
      return {
        status: response.status,
        source: response.headers.get('x-deploynet-source'),
        peerFailure: response.headers.get(failureHeader),
        bytes: received,
        sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
        ttfbMs,
        totalMs,
        eventsAtFirstRead,
        progress,
      };
    },
    path,
    size,
    PEER_FAILURE_HEADER,
    PROGRESS_EVENT,
  );
}

/** Waits until the visitor's SW has stored the file (it stores after answering); then it can seed it. */
export async function untilCached(page: Page, key: string, timeoutMs = 20_000): Promise<void> {
  const cached = await page.evaluate(
    async (k, cacheName, limit) => {
      const cache = await caches.open(cacheName);
      for (let waited = 0; waited < limit; waited += 50) {
        if (await cache.match(k)) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    },
    key,
    CONTENT_CACHE,
    timeoutMs,
  );
  if (!cached) throw new Error(`the service worker never stored ${key}; a visitor without it cannot seed it`);
}

/**
 * Polls the visitor's peer links until `n` are open and have announced their holdings (HAVE: the
 * scheduler asks a link for what it announced, so a link whose HAVE is still on its way may be
 * skipped); returns how many there are.
 */
export async function waitForPeers(page: Page, n: number, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { peers, peersAnnounced } = await stats(page);
    const ready = Math.min(peers, peersAnnounced);
    if (ready >= n || Date.now() > deadline) return ready;
    await new Promise((r) => setTimeout(r, 100));
  }
}
