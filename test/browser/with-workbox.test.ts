/**
 * Issue 7, item 3: examples/with-workbox, a site whose own Workbox service worker imports DeployNet
 * (`deploynet build --sw-mode embed`, sw/embed.ts). Real Chromium visitors, a real signal node
 * and origin. The site's worker controls the pages; its shell comes from its Workbox precache; its
 * images and large file come through DeployNet (from another visitor, for the second one); its
 * data comes from its own NetworkFirst route; `?deploynet=off` turns DeployNet's part off and
 * leaves the site's worker and caches alone.
 */
import { execFile } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { CONTENT_CACHE, contentCacheKey } from '../../core/index.js';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { installEvilPeer, setEvilMode } from './evil-peer.js';
import { deliveredBy, fetchInPage, filled, newWorkerInControl, resourceSources, stats, visit } from './page-probe.js';
import { EXAMPLE_WITH_WORKBOX, PATIENT_PEERS, startStack, type StackOptions } from './stack.js';

const BUILD_SW = new URL('../../examples/with-workbox/build-sw.mjs', import.meta.url).pathname;
const SHELL = ['/', '/css/app.css', '/js/app.js'];
const IMAGES = ['/images/photo-100k.png', '/images/tile-dawn.png', '/images/tile-lake.png', '/images/tile-ridge.png'];
const BIG_FILE = '/files/readings-2025.csv';

/** The site's own build step, run as the site owner runs it. */
async function buildSiteWorker(siteDir: string): Promise<void> {
  await promisify(execFile)(process.execPath, [BUILD_SW, siteDir]);
}

function withWorkbox(extra: Partial<StackOptions> = {}): StackOptions {
  return { example: EXAMPLE_WITH_WORKBOX, beforeBuild: buildSiteWorker, build: { swMode: 'embed', ...PATIENT_PEERS }, ...extra };
}

/** The page's service worker registrations and controller, by script URL. */
async function workers(page: Page) {
  return page.evaluate(async () => ({
    registrations: (await navigator.serviceWorker.getRegistrations()).map((r) => ({ scope: r.scope, script: r.active?.scriptURL ?? null })),
    controller: navigator.serviceWorker.controller?.scriptURL ?? null,
  }));
}

async function cacheNames(page: Page): Promise<string[]> {
  return page.evaluate(() => caches.keys());
}

async function appStatus(page: Page): Promise<string> {
  await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'loading…');
  return page.evaluate(() => document.getElementById('status')?.textContent ?? '');
}

describe('examples/with-workbox: DeployNet inside a site\'s own Workbox service worker', () => {
  const session = useBrowser();

  it('serves the shell from the site\'s precache, images and the large file through DeployNet (from a peer for the second visitor), and data from the site\'s own route', async () => {
    const originRequests: string[] = [];
    const stack = await session.track(startStack(withWorkbox({ origin: { onRequest: (r) => originRequests.push(r.path) } })));
    // The build wrote the library the site's worker imports, and no worker of DeployNet's own.
    expect((await fetch(`${stack.origin}/deploynet-sw.js`)).status).toBe(404);
    expect((await fetch(`${stack.origin}/deploynet-sw-lib.js`)).status).toBe(200);

    const a = await session.track(newVisitor(session.browser, stack.origin));
    await visit(a.page, `${stack.origin}/`);
    expect(await workers(a.page)).toEqual({ registrations: [{ scope: `${stack.origin}/`, script: `${stack.origin}/sw.js` }], controller: `${stack.origin}/sw.js` });
    expect(await appStatus(a.page)).toBe('app ready');
    const aSources = await resourceSources(a.page);
    for (const path of IMAGES) {
      const image = aSources.find((r) => r.path === path);
      expect({ path, source: image && deliveredBy(image) }).toEqual({ path, source: expect.stringMatching(/^(cache|peer|origin)$/) });
    }
    // Not DeployNet's: the page's own loads of its shell come from the site's precache route (a
    // later entry of the same path may be the fill-in's `?deploynet-fill=1` copy, which is DeployNet's).
    for (const path of SHELL) expect({ path, source: aSources.find((r) => r.path === path)?.sources[0] }).toEqual({ path, source: null });
    // The page script's background fill-in reaches DeployNet through the site's worker too.
    expect(await filled(a.page)).toMatchObject({ state: 'done', failed: 0 });

    // The shell again, with the origin watching: it comes from the Workbox precache, not the origin.
    originRequests.length = 0;
    await visit(a.page, `${stack.origin}/about.html`);
    await visit(a.page, `${stack.origin}/`);
    expect(await appStatus(a.page)).toBe('app ready');
    expect(originRequests.filter((path) => ['/', '/index.html', '/about.html', ...SHELL].includes(path))).toEqual([]);
    const names = await cacheNames(a.page);
    expect(names).toEqual(expect.arrayContaining(['deploynet-content-v1', 'site-data', expect.stringMatching(/^workbox-precache-v2-/)]));

    // Requests outside DeployNet's routes are the site's: its NetworkFirst route, its own cache.
    const data = await fetchInPage(a.page, '/data/latest.json');
    expect(data).toMatchObject({ status: 200, source: null, sha256: await stack.originSha256('/data/latest.json') });
    expect(await a.page.evaluate(async () => (await (await caches.open('site-data')).match('/data/latest.json')) !== undefined)).toBe(true);

    // A second visitor gets the images and the large file from the first, byte for byte.
    const b = await session.track(newVisitor(session.browser, stack.origin));
    await visit(b.page, `${stack.origin}/`);
    expect((await workers(b.page)).controller).toBe(`${stack.origin}/sw.js`);
    const bSources = await resourceSources(b.page);
    for (const path of IMAGES) {
      const image = bSources.find((r) => r.path === path);
      expect({ path, source: image && deliveredBy(image) }).toEqual({ path, source: 'peer' });
    }
    // The second visitor's own fill-in may have fetched the large file (from the first) already:
    // once it is done, its copy goes, so that this fetch asks the peer again.
    expect(await filled(b.page)).toMatchObject({ state: 'done', failed: 0 });
    const bigKey = contentCacheKey(stack.origin, stack.manifest.files[BIG_FILE]!.sha256);
    await b.page.evaluate(async (key, cacheName) => void (await (await caches.open(cacheName)).delete(key)), bigKey, CONTENT_CACHE);
    const big = await fetchInPage(b.page, BIG_FILE);
    expect(big).toEqual({ status: 200, source: 'peer', sha256: await stack.originSha256(BIG_FILE), size: stack.manifest.files[BIG_FILE]!.size });
    const bStats = await stats(b.page);
    expect(bStats.bytes.peer).toBeGreaterThan(100_000);
    expect(bStats.peerFaults).toBe(0);
  });

  it('never serves a tampered peer\'s bytes: the second visitor gets verified bytes from the origin', async () => {
    const stack = await session.track(startStack(withWorkbox()));
    const evil = await session.track(newVisitor(session.browser, stack.origin));
    await installEvilPeer(evil.page);
    await visit(evil.page, `${stack.origin}/`);
    expect(await filled(evil.page)).toMatchObject({ state: 'done', failed: 0 });
    await setEvilMode(evil.page, 'corrupt');

    const b = await session.track(newVisitor(session.browser, stack.origin));
    await visit(b.page, `${stack.origin}/about.html`);
    const big = await fetchInPage(b.page, BIG_FILE);
    expect(big).toMatchObject({ status: 200, sha256: await stack.originSha256(BIG_FILE) });
    expect(big.source).toBe('origin');
    expect((await stats(b.page)).peerFaults).toBeGreaterThan(0);
  });

  it('a deploy reaches the site\'s worker: the library\'s new bytes make the browser install it again, and it takes the new manifest', async () => {
    const stack = await session.track(startStack(withWorkbox()));
    const a = await session.track(newVisitor(session.browser, stack.origin));
    const before = await visit(a.page, `${stack.origin}/`);
    expect(before.manifestVersion).toBe(stack.manifest.version);

    // Only the data changes; the site's own sw.js stays byte for byte the same.
    const version = stack.manifest.version + 1;
    await stack.redeploy((dir) => appendFile(join(dir, 'files', 'readings-2025.csv'), 'S9,2026-01-01T00:00,1.0,50,2.0\n'), version);
    await newWorkerInControl(a.page);
    await visit(a.page, `${stack.origin}/`);
    expect((await stats(a.page)).manifestVersion).toBe(version);
    const big = await fetchInPage(a.page, BIG_FILE);
    // The new version's bytes, verified (from the origin, or the cache if the fill-in got there first).
    expect(big).toMatchObject({ status: 200, source: expect.stringMatching(/^(origin|cache)$/), sha256: await stack.originSha256(BIG_FILE), size: stack.manifest.files[BIG_FILE]!.size });
  });

  it('?deploynet=off clears DeployNet\'s caches and passes its routes through, and leaves the site\'s worker and caches', async () => {
    const stack = await session.track(startStack(withWorkbox()));
    const a = await session.track(newVisitor(session.browser, stack.origin));
    await visit(a.page, `${stack.origin}/`);
    expect(await filled(a.page)).toMatchObject({ state: 'done', failed: 0 });
    expect(await cacheNames(a.page)).toContain('deploynet-content-v1');

    await a.page.goto(`${stack.origin}/?deploynet=off`, { waitUntil: 'load' });
    // The page script tears down and reloads the clean URL.
    await a.page.waitForFunction(() => location.search === '' && document.readyState === 'complete' && window.deploynet !== undefined, { timeout: 20_000 });
    expect(await appStatus(a.page)).toBe('app ready');
    expect(await workers(a.page)).toEqual({ registrations: [{ scope: `${stack.origin}/`, script: `${stack.origin}/sw.js` }], controller: `${stack.origin}/sw.js` });
    const names = await cacheNames(a.page);
    expect(names.filter((n) => n.startsWith('deploynet-'))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/^workbox-precache-v2-/)]));
    expect((await stats(a.page)).state).toBe('off');
    // DeployNet's route now passes requests to the network: verified bytes, no DeployNet source.
    for (const path of [IMAGES[0]!, BIG_FILE]) {
      expect(await fetchInPage(a.page, path)).toMatchObject({ status: 200, source: null, sha256: await stack.originSha256(path) });
    }
    expect((await cacheNames(a.page)).filter((n) => n.startsWith('deploynet-'))).toEqual([]);
  });
});
