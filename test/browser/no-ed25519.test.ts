/**
 * A browser whose WebCrypto cannot verify Ed25519 (Chrome before 137, Firefox before 129, Safari
 * before 17) can never accept a manifest. The page script notices before it installs anything: no
 * service worker, no first-visit stop-and-reload, and the page loads from the origin as if
 * DeployNet were not there. Simulated in real Chromium by refusing Ed25519 imports before any
 * script runs, in the page only (the probe is the page script's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { evaluateStable } from './page-probe.js';
import { startStack, type Stack } from './stack.js';

function refuseEd25519(): void {
  const importKey = SubtleCrypto.prototype.importKey;
  SubtleCrypto.prototype.importKey = function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto['importKey']>) {
    const algorithm = args[2];
    const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
    if (name === 'Ed25519') return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));
    return importKey.apply(this, args);
  } as SubtleCrypto['importKey'];
}

describe('a browser without Ed25519 in WebCrypto', () => {
  const session = useBrowser();
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.close());

  it('gets no service worker and no reload; the page loads from the origin and the bridge says off', async () => {
    const v = await session.track(newVisitor(session.browser, stack.origin));
    await v.page.evaluateOnNewDocument(refuseEd25519);
    await v.page.goto(`${stack.origin}/`, { waitUntil: 'load' });
    const seen = await evaluateStable(v.page, async () => {
      await window.deploynet!.ready;
      return {
        state: (await window.deploynet!.stats()).state,
        registrations: (await navigator.serviceWorker.getRegistrations()).length,
        controlled: navigator.serviceWorker.controller !== null,
        navigations: performance.getEntriesByType('navigation').map((n) => (n as PerformanceNavigationTiming).type),
        reloadFlag: sessionStorage.getItem('deploynet:first-visit-reloaded'),
        images: [...document.images].every((img) => img.complete && img.naturalWidth > 0),
      };
    });
    expect(seen).toEqual({ state: 'off', registrations: 0, controlled: false, navigations: ['navigate'], reloadFlag: null, images: true });
  });
});
