/**
 * Issue 3, item 7: examples/pwa, an installable, offline-first app delivered by DeployNet.
 * (a) Chromium fetches and parses its web app manifest, downloads its icons through DeployNet's
 *     service worker, and reports it installable.
 * (b) A note written in the app survives the origin and the signaling node going away: after the
 *     fill-in, every page renders from the visitor's cache with the note still listed.
 */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { deliveredBy, filled, resourceSources, visit } from './page-probe.js';
import { EXAMPLE_PWA, startStack, type Stack } from './stack.js';

const PAGES = ['/', '/about.html'];
const MANIFEST = '/manifest.webmanifest';
const ICONS = ['/icons/icon-192.png', '/icons/icon-512.png', '/icons/maskable-512.png', '/apple-touch-icon.png'];
const NOTE = 'Heron on the jetty at 7:40, water calm';

/** What Chromium itself makes of the page's manifest (DevTools protocol, as DevTools > Application shows). */
async function chromiumView(page: Page) {
  const cdp = await page.createCDPSession();
  try {
    const manifest = await cdp.send('Page.getAppManifest', {});
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    const { primaryIcon } = await cdp.send('Page.getManifestIcons');
    return { manifest, installabilityErrors, primaryIcon };
  } finally {
    await cdp.detach();
  }
}

/** Fetches each path in the page (through the SW) and reports status, type and source. */
async function fetchHeads(page: Page, paths: readonly string[]) {
  return page.evaluate(async (list) => {
    const out = [];
    for (const path of list) {
      const r = await fetch(path);
      const size = (await r.arrayBuffer()).byteLength;
      out.push({ path, status: r.status, type: r.headers.get('content-type'), source: r.headers.get('x-deploynet-source'), size });
    }
    return out;
  }, paths);
}

async function appState(page: Page) {
  return page.evaluate(() => ({
    status: document.getElementById('status')?.textContent ?? '',
    count: document.getElementById('note-count')?.textContent ?? '',
    notes: [...document.querySelectorAll('#notes .note-text')].map((p) => p.textContent),
  }));
}

function expectManifestParsed(view: Awaited<ReturnType<typeof chromiumView>>, stack: Stack): void {
  const { manifest } = view;
  expect(manifest.url).toBe(`${stack.origin}${MANIFEST}`);
  expect(manifest.errors).toEqual([]);
  // Chromium 156 reports `display` by its internal enum name (`kStandalone`); accept the spec's too.
  const display = expect.stringMatching(/^(standalone|kStandalone)$/);
  expect(manifest.manifest).toMatchObject({ name: 'Field Notes', startUrl: `${stack.origin}/`, scope: `${stack.origin}/`, display });
  const icons = (manifest.manifest.icons ?? []).map((i) => ({ url: new URL(i.url).pathname, sizes: i.sizes }));
  expect(icons).toEqual(expect.arrayContaining([
    { url: '/icons/icon-192.png', sizes: '192x192' },
    { url: '/icons/icon-512.png', sizes: '512x512' },
  ]));
  // Chromium downloaded the icon it would put on the launcher (base64 PNG).
  expect(view.primaryIcon?.length ?? 0).toBeGreaterThan(100);
}

describe('examples/pwa: an installable, offline-first app', () => {
  const session = useBrowser();

  it('has a web app manifest Chromium parses, icons served by the SW, and is installable', async () => {
    const stack = await session.track(startStack({ example: EXAMPLE_PWA }));
    // The signed manifest tells the SW the type to answer with; the origin says the same.
    expect(stack.manifest.files[MANIFEST]?.type).toMatch(/^application\/manifest\+json(;|$)/);
    expect((await fetch(`${stack.origin}${MANIFEST}`)).headers.get('content-type')).toMatch(/^application\/manifest\+json(;|$)/);

    // A normal (non-incognito) profile: Chromium never offers to install from an incognito one.
    const page = await session.track(session.browser.defaultBrowserContext().newPage());
    await visit(page, `${stack.origin}/`);
    const view = await chromiumView(page);
    expectManifestParsed(view, stack);
    // Empty in headless Chromium 156 too: none of the criteria it checks needs a window or engagement.
    expect(view.installabilityErrors).toEqual([]);

    // The tests' usual visitor is an incognito context; there the one reason is exactly that.
    const v = await session.track(newVisitor(session.browser, stack.origin));
    await visit(v.page, `${stack.origin}/`);
    const incognito = await chromiumView(v.page);
    expectManifestParsed(incognito, stack);
    expect(incognito.installabilityErrors).toEqual([{ errorId: 'in-incognito', errorArguments: [] }]);

    for (const r of await fetchHeads(v.page, [MANIFEST, ...ICONS])) {
      const type = r.path === MANIFEST ? expect.stringMatching(/^application\/manifest\+json/) : 'image/png';
      expect(r).toMatchObject({ path: r.path, status: 200, type, source: expect.stringMatching(/^(cache|peer|origin)$/) });
    }
    // The app never registers a worker of its own: DeployNet's is the only one, at scope /.
    const workers = await v.page.evaluate(async () =>
      (await navigator.serviceWorker.getRegistrations()).map((r) => ({ scope: r.scope, script: r.active?.scriptURL })),
    );
    expect(workers).toEqual([{ scope: `${stack.origin}/`, script: `${stack.origin}/deploynet-sw.js` }]);
  });

  it('keeps a note written in the app, and every page, with origin and signaling both down', async () => {
    const stack = await session.track(startStack({ example: EXAMPLE_PWA }));
    const v = await session.track(newVisitor(session.browser, stack.origin));
    await visit(v.page, `${stack.origin}/`);
    expect(await appState(v.page)).toEqual({ status: 'app ready', count: '0', notes: [] });

    await v.page.type('#note-text', NOTE);
    await v.page.click('#add-note');
    await v.page.waitForFunction(() => document.getElementById('status')?.textContent === 'note saved');
    expect(await appState(v.page)).toEqual({ status: 'note saved', count: '1', notes: [NOTE] });
    expect(await filled(v.page)).toMatchObject({ state: 'done', failed: 0 });

    await stack.stopOrigin();
    await stack.stopSignal();
    await v.page.reload({ waitUntil: 'load' });
    for (const path of PAGES) {
      await visit(v.page, `${stack.origin}${path}`);
      const state = await appState(v.page);
      expect(state, path).toEqual({ status: 'app ready', count: '1', notes: path === '/' ? [NOTE] : [] });
      const resources = (await resourceSources(v.page)).filter((r) => r.path in stack.manifest.files || r.path === path);
      expect(resources.map((r) => r.path)).toEqual(expect.arrayContaining([path, '/css/app.css', '/js/app.js']));
      for (const r of resources) expect({ path: r.path, source: deliveredBy(r) }).toEqual({ path: r.path, source: 'cache' });
      const brokenImages = await v.page.evaluate(() => [...document.images].filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.src));
      expect(brokenImages, path).toEqual([]);
    }

    // The manifest and its icons still load, from the cache, and Chromium still parses them.
    for (const r of await fetchHeads(v.page, [MANIFEST, ...ICONS])) expect(r).toMatchObject({ status: 200, source: 'cache' });
    expectManifestParsed(await chromiumView(v.page), stack);
  });
});
