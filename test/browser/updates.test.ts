/**
 * Issue 3, item 2: a new deploy switches atomically. A page loaded under version 1 keeps getting
 * version-1 files after version 2 is in force (and hears `deploynet:update`); the next navigation
 * gets version 2; unchanged files are not fetched again; version 1's files leave the cache once
 * no page uses them.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_CACHE } from '../../core/index.js';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { fetchInPage, filled, newWorkerInControl, rendered, resourceSources, deliveredBy, stats, visit } from './page-probe.js';
import { startStack } from './stack.js';

const CSS = '/css/site.css';

describe('updates across deploys', () => {
  const session = useBrowser();

  it('a page keeps its version; the next navigation gets the new one; old files are cleaned up', async () => {
    const stack = await session.track(startStack({ build: { version: 1 } }));
    const v1 = stack.manifest;
    const v = await session.track(newVisitor(session.browser, stack.origin));
    await visit(v.page, `${stack.origin}/`);
    await filled(v.page);
    await v.page.evaluate(() => {
      const w = window as unknown as { updates: unknown[] };
      w.updates = [];
      window.addEventListener('deploynet:update', (e) => w.updates.push((e as CustomEvent).detail));
    });

    const v2 = await stack.redeploy((dir) => appendFile(join(dir, 'css', 'site.css'), '\n/* deploy 2 */\n'), 2);
    expect(v2.files[CSS]!.sha256).not.toBe(v1.files[CSS]!.sha256);
    await newWorkerInControl(v.page);

    // The open page: version 2 is in force, the page keeps version 1 and its files.
    const during = await stats(v.page);
    expect({ inForce: during.manifestVersion, page: during.pageManifestVersion }).toEqual({ inForce: 2, page: 1 });
    await v.page.waitForFunction(() => (window as unknown as { updates: unknown[] }).updates.length > 0, { timeout: 5000 });
    expect(await v.page.evaluate(() => (window as unknown as { updates: unknown[] }).updates)).toEqual([{ version: 2, pageVersion: 1 }]);
    const oldCss = await fetchInPage(v.page, CSS);
    expect(oldCss).toMatchObject({ status: 200, sha256: v1.files[CSS]!.sha256, source: 'cache' });

    // The next navigation: version 2; unchanged files still come from the cache.
    await visit(v.page, `${stack.origin}/about.html`);
    const after = await stats(v.page);
    expect({ inForce: after.manifestVersion, page: after.pageManifestVersion }).toEqual({ inForce: 2, page: 2 });
    const sources = await resourceSources(v.page);
    const css = sources.find((r) => r.path === CSS)!;
    expect(deliveredBy(css)).toBe('origin'); // the changed file, fetched once
    for (const r of sources.filter((r) => r.path !== CSS && r.path !== '/about.html' && r.path in v2.files)) {
      expect({ path: r.path, source: deliveredBy(r) }).toEqual({ path: r.path, source: 'cache' }); // unchanged: reused
    }
    expect((await fetchInPage(v.page, CSS)).sha256).toBe(v2.files[CSS]!.sha256);
    expect(await rendered(v.page)).toEqual({ status: 'app.js loaded', fontLoaded: true });

    // Version 1's own files go once no page is loaded under it.
    const oldKey = `/.deploynet/sha256/${v1.files[CSS]!.sha256}`;
    await v.page.waitForFunction(
      async (name, key) => !(await (await caches.open(name)).keys()).some((r) => new URL(r.url).pathname === key),
      { timeout: 10_000, polling: 500 },
      CONTENT_CACHE,
      oldKey,
    );
  });
});
