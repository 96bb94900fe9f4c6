/** What a test reads from a visitor's page: settled bridge, sources by resource, bytes by hash. */
import type { Page } from 'puppeteer-core';
import type { DeployNetStats } from '../../core/index.js';
import type {} from '../../page-bridge/page-api.js'; // window.deploynet

const CONTEXT_GONE = /Execution context was destroyed|Cannot find context|Target closed|detached/i;

/** Evaluates `fn` in the page, retrying while a navigation (the first-visit reload) replaces it. */
export async function evaluateStable<T>(page: Page, fn: () => Promise<T> | T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await page.evaluate(fn);
    } catch (error) {
      if (!CONTEXT_GONE.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Opens `url` as a person would and waits until the page is controlled by the service worker,
 * fully loaded, and its bridge has settled (connected to peers, or knows there are none), for
 * at most `settleMs` after the first load event.
 */
export async function visit(page: Page, url: string, settleMs = 30_000): Promise<DeployNetStats> {
  await page.goto(url, { waitUntil: 'load' });
  const deadline = Date.now() + settleMs;
  for (;;) {
    const settled = await evaluateStable(page, async () => {
      if (!navigator.serviceWorker.controller || document.readyState !== 'complete' || !window.deploynet) return null;
      await window.deploynet.ready;
      return window.deploynet.stats();
    });
    if (settled) return settled;
    if (Date.now() > deadline) throw new Error(`page ${url} never settled under DeployNet`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stats(page: Page): Promise<DeployNetStats> {
  return evaluateStable(page, async () => {
    if (!window.deploynet) throw new Error('window.deploynet is missing');
    return window.deploynet.stats();
  });
}

export interface ResourceSource {
  readonly path: string;
  /**
   * Where the SW got each load of this path, in order: Server-Timing's description, or null when
   * the SW did not produce the response. A path loaded twice (an image that is also the favicon)
   * has two entries; the later one usually comes from the cache the first one filled.
   */
  readonly sources: ReadonlyArray<string | null>;
}

/** Every resource the current page loaded (navigation included) with where the SW got it. */
export async function resourceSources(page: Page): Promise<ResourceSource[]> {
  const all = await evaluateStable(page, () =>
    [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => {
      const entry = e as PerformanceResourceTiming;
      const timing = entry.serverTiming.find((t) => t.name === 'deploynet');
      return { path: new URL(entry.name).pathname, source: timing ? timing.description : null };
    }),
  );
  const byPath = new Map<string, Array<string | null>>();
  for (const { path, source } of all) byPath.set(path, [...(byPath.get(path) ?? []), source]);
  // The favicon is fetched by the browser through the SW but gets no Resource Timing entry, so
  // an <img> of the same file may only show the cache the favicon load filled.
  const icon = await page.evaluate(() => {
    const href = document.querySelector<HTMLLinkElement>('link[rel~="icon"]')?.href;
    return href ? new URL(href).pathname : null;
  });
  return [...byPath].filter(([path, sources]) => !(path === icon && sources.every((s) => s === 'cache'))).map(([path, sources]) => ({ path, sources }));
}

/** The one source that delivered a path's bytes: repeats served from the cache do not count. */
export function deliveredBy(resource: ResourceSource): string | null | 'mixed' {
  const firsts = new Set(resource.sources.filter((s) => s !== 'cache'));
  if (firsts.size === 0) return 'cache';
  return firsts.size === 1 ? [...firsts][0]! : 'mixed';
}

export interface FetchedAsset {
  readonly status: number;
  readonly source: string | null;
  readonly sha256: string;
  readonly size: number;
}

/** Fetches `path` in the page (through the SW) and hashes the body there. */
export async function fetchInPage(page: Page, path: string): Promise<FetchedAsset> {
  return page.evaluate(async (p) => {
    const response = await fetch(p);
    const body = await response.arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
    return {
      status: response.status,
      source: response.headers.get('x-deploynet-source'),
      sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
      size: body.byteLength,
    };
  }, path);
}

/** The page rendered: app.js ran and the web font is in use. */
export async function rendered(page: Page): Promise<{ status: string; fontLoaded: boolean }> {
  return page.evaluate(async () => {
    await document.fonts.ready;
    return {
      status: document.getElementById('status')?.textContent ?? '',
      fontLoaded: [...document.fonts].some((f) => f.family.includes('DejaVu') && f.status === 'loaded'),
    };
  });
}

/** Waits until the bridge's background fill-in of the rest of the site has finished (or stopped, storage full). */
export async function filled(page: Page, timeoutMs = 60_000): Promise<{ state: string; total: number; done: number; failed: number }> {
  await page.waitForFunction(async () => ['done', 'full'].includes((await window.deploynet!.stats()).fill.state), { timeout: timeoutMs, polling: 250 });
  return (await stats(page)).fill;
}

/**
 * Makes the visitor's browser report Save-Data before any script runs: the page script then
 * neither fills in the rest of the site nor uploads. For tests that need a visitor to hold only
 * what its pages loaded.
 */
export async function emulateSaveData(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const connection = (navigator as Navigator & { connection?: object }).connection;
    if (connection) Object.defineProperty(Object.getPrototypeOf(connection), 'saveData', { get: () => true, configurable: true });
  });
}

/**
 * Has the browser check for a new deploynet-sw.js (what a navigation does on its own) and waits
 * until the new SW controls the page. The check repeats because an update job already running
 * (one a navigation scheduled) may have fetched the SW before the redeploy, and the browser folds
 * an update() into it. Nothing is sent to the active SW meanwhile: Chromium activates a waiting
 * SW (even with skipWaiting) only once the active one has no events in flight.
 */
export async function newWorkerInControl(page: Page): Promise<void> {
  const swapped = await page.evaluate(async () => {
    const container = navigator.serviceWorker;
    let changed = false;
    container.addEventListener('controllerchange', () => (changed = true), { once: true });
    const registration = await container.getRegistration();
    for (let tries = 0; tries < 15 && !changed; tries++) {
      await registration?.update().catch(() => undefined);
      for (let waited = 0; waited < 2000 && !changed; waited += 100) await new Promise((r) => setTimeout(r, 100));
    }
    return changed;
  });
  if (!swapped) {
    const workers = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return { installing: r?.installing?.state, waiting: r?.waiting?.state, active: r?.active?.state };
    });
    throw new Error(`the new service worker never took control: ${JSON.stringify(workers)}`);
  }
}
