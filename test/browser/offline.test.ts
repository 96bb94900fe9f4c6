/**
 * Issue 3, item 1: seeding and offline. After one page is idle, the bridge fills in the rest of
 * the manifest (peers first, the origin last); then, with the origin and the signaling node both
 * stopped, every page of the example loads and renders from the visitor's cache.
 */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { FILL_PARAM } from '../../core/index.js';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { deliveredBy, filled, rendered, resourceSources, visit } from './page-probe.js';
import { PATIENT_PEERS, startStack } from './stack.js';

const PAGES = ['/', '/about.html', '/gallery.html', '/docs/index.html'];

/** Sources of the bridge's own fill-in requests, by path. */
async function fillSources(page: Page): Promise<Record<string, string | null>> {
  return page.evaluate((param) => {
    const out: Record<string, string | null> = {};
    for (const e of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
      const url = new URL(e.name);
      if (!url.searchParams.has(param)) continue;
      out[url.pathname] = e.serverTiming.find((t) => t.name === 'deploynet')?.description ?? null;
    }
    return out;
  }, FILL_PARAM);
}

describe('seeding and offline', () => {
  const session = useBrowser();

  it('fills in the rest of the site (peers first), then works with origin and signaling both down', async () => {
    const stack = await session.track(startStack({ build: PATIENT_PEERS }));
    const browser = session.browser;
    const files = Object.keys(stack.manifest.files).length;
    const a = await newVisitor(browser, stack.origin);
    await visit(a.page, `${stack.origin}/`);
    const aFill = await filled(a.page);
    expect(aFill).toMatchObject({ state: 'done', failed: 0 });
    expect(aFill.total).toBeGreaterThanOrEqual(5); // the other pages, the panorama, the tiles...
    expect(aFill.total).toBeLessThan(files);

    const b = await newVisitor(browser, stack.origin);
    await visit(b.page, `${stack.origin}/`);
    const bFill = await filled(b.page);
    expect(bFill).toEqual({ state: 'done', total: aFill.total, done: aFill.total, failed: 0 });
    const bSources = await fillSources(b.page);
    expect(Object.keys(bSources).length).toBe(bFill.total);
    for (const [path, source] of Object.entries(bSources)) expect({ path, source }).toEqual({ path, source: 'peer' });

    await stack.stopOrigin();
    await stack.stopSignal();
    for (const path of PAGES) {
      const s = await visit(b.page, `${stack.origin}${path}`);
      expect(s.manifestVersion).toBe(stack.manifest.version);
      expect(await rendered(b.page), path).toEqual({ status: 'app.js loaded', fontLoaded: true });
      const resources = (await resourceSources(b.page)).filter((r) => r.path in stack.manifest.files || r.path === path);
      expect(resources.length).toBeGreaterThan(3);
      for (const r of resources) expect({ path: r.path, source: deliveredBy(r) }).toEqual({ path: r.path, source: 'cache' });
      const brokenImages = await b.page.evaluate(() => [...document.images].filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.src));
      expect(brokenImages, path).toEqual([]);
    }
  });
});
