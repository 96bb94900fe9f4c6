/**
 * Issue 4, item 5: peer coordination. Peers announce what they hold (HAVE, HAVE_CHUNKS), so a
 * downloader asks only peers that hold a chunk; and in a new swarm, visitors downloading the same
 * file at once split it by rendezvous hashing over chunk ids: each fetches the chunks it owns from
 * the origin and the others from their owners, as they announce them.
 */
import { rm } from 'node:fs/promises';
import type { Page } from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { contentCacheKey } from '../../core/index.js';
import type { ServedRequest } from '../../manifest-cli/serve.js';
import { BIG_PATH, streamFetch, untilCached, waitForPeers, writeBigSite } from './big-site.js';
import { useBrowser } from './browser-session.js';
import { newVisitor, type Visitor } from './chromium.js';
import { stats, visit } from './page-probe.js';
import { PATIENT_PEERS, startStack, type Stack } from './stack.js';

const MiB = 1024 * 1024;

/** Bytes an origin request asked for: its Range, or the whole file. */
function askedBytes(request: ServedRequest, size: number): number {
  if (request.range === null) return size;
  const m = /^bytes=(\d+)-(\d*)$/.exec(request.range);
  if (!m) throw new Error(`unexpected range ${request.range}`);
  const end = m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
  return end - Number(m[1]) + 1;
}

declare global {
  interface Window {
    __deploynetAnswers?: number;
  }
}

/**
 * Counts the answers (DATA and REJECT frames, core/wire.ts byte 1 = 2 or 3) the page sends on its
 * data channels: every REQUEST it receives gets at least one, so 0 means it was never asked.
 */
async function countAnswers(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const send = RTCDataChannel.prototype.send;
    window.__deploynetAnswers = 0;
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
      const bytes = data as unknown;
      if (bytes instanceof Uint8Array && bytes.length >= 6 && bytes[0] === 1 && (bytes[1] === 2 || bytes[1] === 3)) window.__deploynetAnswers! += 1;
      return send.call(this, data);
    } as typeof send;
  });
}

describe('peer coordination: HAVE announcements and rendezvous over chunks', () => {
  const session = useBrowser();
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function setUp(size: number, log: ServedRequest[]): Promise<{ stack: Stack; sha256: string }> {
    const site = await writeBigSite(size);
    cleanups.push(() => rm(site.dir, { recursive: true, force: true }));
    const stack = await startStack({ example: site.dir, build: PATIENT_PEERS, origin: { onRequest: (r) => log.push(r) } });
    cleanups.push(() => stack.close());
    return { stack, sha256: site.sha256 };
  }

  async function visitor(stack: Stack, setup?: (page: Page) => Promise<void>): Promise<Visitor> {
    const v = await newVisitor(session.browser, stack.origin);
    cleanups.push(async () => {
      await v.page.goto('about:blank').catch(() => undefined); // pagehide: leave the swarm
      await v.close();
    });
    await setup?.(v.page);
    await visit(v.page, `${stack.origin}/`);
    return v;
  }

  it('asks only the peer that holds the file; the peer that announced it lacks it is never asked', async () => {
    const size = 2 * MiB;
    const { stack, sha256 } = await setUp(size, []);
    const holder = await visitor(stack, countAnswers);
    const got = await streamFetch(holder.page, BIG_PATH, size);
    expect(got.sha256).toBe(sha256);
    await untilCached(holder.page, contentCacheKey(stack.origin, sha256));
    const lacking = await visitor(stack, countAnswers);
    const downloader = await visitor(stack);
    expect(await waitForPeers(downloader.page, 2)).toBe(2);

    const fetched = await streamFetch(downloader.page, BIG_PATH, size);
    expect({ bytes: fetched.bytes, sha256: fetched.sha256 }).toEqual({ bytes: size, sha256 });
    expect(fetched.progress.at(-1)?.bytes.peer).toBe(size);
    expect((await stats(holder.page)).uploadedBytes).toBeGreaterThanOrEqual(size);
    expect(await holder.page.evaluate(() => window.__deploynetAnswers)).toBeGreaterThan(0); // the counter counts
    expect(await lacking.page.evaluate(() => window.__deploynetAnswers)).toBe(0); // never asked
    expect((await stats(lacking.page)).uploadedBytes).toBe(0);
    expect((await stats(downloader.page)).peerFaults).toBe(0);
  });

  it('a new swarm: three visitors download the same file at once, split it, and the origin serves well under three copies', async () => {
    const size = 8 * MiB;
    const log: ServedRequest[] = [];
    const { stack, sha256 } = await setUp(size, log);
    const visitors = [await visitor(stack), await visitor(stack), await visitor(stack)];
    for (const v of visitors) expect(await waitForPeers(v.page, 2)).toBe(2);

    const results = await Promise.all(visitors.map((v) => streamFetch(v.page, BIG_PATH, size)));
    for (const r of results) expect({ status: r.status, bytes: r.bytes, sha256: r.sha256 }, `peer failure: ${r.peerFailure ?? 'none'}`).toEqual({ status: 200, bytes: size, sha256 });

    const originBytes = log.filter((r) => r.path === BIG_PATH).reduce((sum, r) => sum + askedBytes(r, size), 0);
    expect(originBytes, `origin requests: ${log.map((r) => r.range ?? 'whole').join(', ')}`).toBeLessThan(2 * size);
    // Each took a share from the origin, and they traded the rest. On a loaded 2-core machine one
    // visitor may finish from the origin before it hears of the others (a CI run with a
    // benchmark beside it saw that once), so at least two must have got bytes from peers.
    const split = results.map((r) => r.progress.at(-1)!.bytes);
    for (const bytes of split) expect(bytes.origin, JSON.stringify(split)).toBeGreaterThan(0);
    expect(split.filter((b) => b.peer > 0).length, JSON.stringify(split)).toBeGreaterThanOrEqual(2);
    expect(split.reduce((sum, b) => sum + b.origin, 0)).toBeLessThan(2 * size);
  });
});
