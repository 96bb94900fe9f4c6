/**
 * Issue 3, item 6: storage pressure. The visitor's quota is forced small (Chromium's
 * Storage.overrideQuotaForOrigin, through the DevTools protocol), so caching fails for real with
 * QuotaExceededError. Which files get dropped is unit-tested (sw/content-cache.test.ts); here the
 * point is the real browser's behaviour. DeployNet drops least-recently-used entries to make room, does not cache
 * what cannot fit, and every page still loads and renders; nothing is an error page.
 */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { CONTENT_CACHE } from '../../core/index.js';
import { useBrowser } from './browser-session.js';
import { fetchInPage, filled, rendered, visit } from './page-probe.js';
import { startStack } from './stack.js';

/** Less than the site without its panorama (~1.9 MB): something has to give. */
const QUOTA = 1.5 * 1024 * 1024;

async function cachedHashes(page: Page, name: string): Promise<string[]> {
  return page.evaluate(async (n) => (await (await caches.open(n)).keys()).map((r) => new URL(r.url).pathname.split('/').pop()!), name);
}

describe('storage pressure', () => {
  const session = useBrowser();

  it('a quota far smaller than the site: LRU entries are dropped, big files are not cached, every page renders', async () => {
    const stack = await session.track(startStack());
    const browser = session.browser;
    // The browser's default context (this test has its own browser): the quota override below
    // applies to the default storage partition, not to incognito contexts.
    const page = await browser.newPage();
    await browser.defaultBrowserContext().overridePermissions(stack.origin, ['camera', 'microphone']);
    const v = { page };
    const cdp = await v.page.createCDPSession();
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: stack.origin, quotaSize: QUOTA });

    for (const path of ['/', '/about.html', '/gallery.html', '/docs/index.html']) {
      await visit(v.page, `${stack.origin}${path}`);
      expect(await rendered(v.page), path).toEqual({ status: 'app.js loaded', fontLoaded: true });
      const broken = await v.page.evaluate(() => [...document.images].filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src));
      expect(broken, path).toEqual([]);
    }
    const fill = await filled(v.page);
    expect(fill.failed).toBe(0); // every fetch answered
    expect(fill.state).toBe('full'); // and the fill-in stopped once the SW could keep no more

    // Pages are told a fixed quota; the browser's real accounting comes from the DevTools protocol.
    const real = await cdp.send('Storage.getUsageAndQuota', { origin: stack.origin });
    expect(real).toMatchObject({ quota: QUOTA, overrideActive: true });
    expect(real.usage).toBeLessThanOrEqual(QUOTA);

    const held = await cachedHashes(v.page, CONTENT_CACHE);
    const files = stack.manifest.files;
    const panorama = files['/media/panorama.png']!;
    expect(held).not.toContain(panorama.sha256); // 5.5 MiB never fits in 1.5 MiB
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(Object.keys(files).length - 1); // something was dropped

    // The panorama still works, verified: from the network, or partly from the chunks an earlier
    // download kept in IndexedDB for resume (the fill-in's copy is dropped in the background
    // once the cache has refused it, and this fetch can come first).
    const big = await fetchInPage(v.page, '/media/panorama.png');
    expect(big).toMatchObject({ status: 200, sha256: panorama.sha256 });
    // The cache keeps working under pressure: a small file just used is kept and served from it.
    await fetchInPage(v.page, '/images/logo.svg');
    await v.page.waitForFunction(async () => (await fetch('/images/logo.svg')).headers.get('x-deploynet-source') === 'cache', { timeout: 5000, polling: 100 });
  });
});
