/**
 * Signed response headers in real Chromium. A site's `_headers` file gives /page.html a CSP that
 * blocks inline scripts and X-Frame-Options: DENY. The origin here (manifest-cli/serve.ts) sends
 * neither, so whatever the page gets can only come from the signed manifest through the SW.
 * Visitor B gets page.html from visitor A (its background fill-in, peers only), then opens it
 * with the origin down: the inline script must not run, the document must report the violation,
 * and the page must refuse to be framed (X-Frame-Options, and CSP frame-ancestors on another page).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILL_PARAM } from '../../core/index.js';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { filled, visit } from './page-probe.js';
import { PATIENT_PEERS, startStack } from './stack.js';

const CSP = "script-src 'self'";

const SITE: Record<string, string> = {
  'index.html': '<!doctype html><html><head><meta charset="utf-8"><title>home</title></head><body><p>home</p></body></html>\n',
  // Listens for CSP violations before the inline script comes (an external script: 'self' allows it).
  'listen.js': "window.violations = [];\ndocument.addEventListener('securitypolicyviolation', (e) => window.violations.push({ directive: e.effectiveDirective, policy: e.originalPolicy }));\nwindow.listenerRan = true;\n",
  'page.html':
    '<!doctype html><html><head><meta charset="utf-8"><title>csp</title><script src="/listen.js"></script></head>' +
    '<body><p>page</p><script>window.inlineRan = true;</script></body></html>\n',
  // Framing refused by CSP alone (a directive a <meta> policy cannot carry).
  'no-frames.html': '<!doctype html><html><head><meta charset="utf-8"><title>no frames</title></head><body><p>not in a frame</p></body></html>\n',
  _headers: `# security headers\n/*\n  X-Content-Type-Options: nosniff\n/page.html\n  Content-Security-Policy: ${CSP}\n  X-Frame-Options: DENY\n/no-frames.html\n  Content-Security-Policy: frame-ancestors 'none'\n`,
};

interface PageFacts {
  readonly listenerRan: boolean;
  readonly inlineRan: boolean;
  readonly violations: ReadonlyArray<{ directive: string; policy: string }>;
}

declare global {
  interface Window {
    listenerRan?: boolean;
    inlineRan?: boolean;
    violations?: Array<{ directive: string; policy: string }>;
  }
}

async function pageFacts(page: Page): Promise<PageFacts> {
  // The violation event is queued as a task: wait for it (the test fails by timeout if it never comes).
  await page.waitForFunction(() => (window.violations?.length ?? 0) > 0 || window.inlineRan === true, { timeout: 10_000 });
  return page.evaluate(() => ({ listenerRan: window.listenerRan === true, inlineRan: window.inlineRan === true, violations: window.violations ?? [] }));
}

/** Where B's fill-in got a path: Server-Timing of its `?deploynet-fill` request. */
async function fillSource(page: Page, path: string): Promise<string | null | undefined> {
  return page.evaluate(
    (param, p) => {
      const entry = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => {
        const url = new URL(e.name);
        return url.pathname === p && url.searchParams.has(param);
      });
      return entry && (entry.serverTiming.find((t) => t.name === 'deploynet')?.description ?? null);
    },
    FILL_PARAM,
    path,
  );
}

describe('signed response headers', () => {
  const session = useBrowser();
  let example = '';
  beforeAll(async () => {
    example = await mkdtemp(join(tmpdir(), 'deploynet-headers-site-'));
    for (const [name, text] of Object.entries(SITE)) await writeFile(join(example, name), text);
  });
  afterAll(async () => {
    if (example) await rm(example, { recursive: true, force: true });
  });

  it('a page from a peer keeps its CSP and X-Frame-Options: the inline script is blocked and framing refused', async () => {
    const stack = await session.track(startStack({ example, build: PATIENT_PEERS }));
    const pageFile = stack.manifest.files['/page.html']!;
    expect(pageFile.headers).toBeDefined();
    expect(stack.manifest.headers?.[pageFile.headers!]).toEqual({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
    // The origin itself sends no CSP: anything the page gets comes from DeployNet.
    const fromOrigin = await fetch(`${stack.origin}/page.html`);
    expect(fromOrigin.headers.get('content-security-policy')).toBeNull();
    expect(fromOrigin.headers.get('x-frame-options')).toBeNull();

    const a = await session.track(newVisitor(session.browser, stack.origin));
    await visit(a.page, `${stack.origin}/`);
    expect(await filled(a.page)).toMatchObject({ state: 'done', failed: 0 });

    const b = await session.track(newVisitor(session.browser, stack.origin));
    await visit(b.page, `${stack.origin}/`);
    expect(await filled(b.page)).toMatchObject({ state: 'done', failed: 0 });
    expect(await fillSource(b.page, '/page.html')).toBe('peer');
    await stack.stopOrigin();

    const response = await b.page.goto(`${stack.origin}/page.html`, { waitUntil: 'load' });
    expect(response?.fromServiceWorker()).toBe(true);
    const headers = response!.headers();
    expect(headers['x-deploynet-source']).not.toBe('origin');
    expect(headers['content-security-policy']).toBe(CSP);
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');

    const facts = await pageFacts(b.page);
    expect(facts.listenerRan).toBe(true);
    expect(facts.inlineRan).toBe(false);
    expect(facts.violations).toContainEqual({ directive: 'script-src-elem', policy: CSP });

    // Every answer the SW builds for the file carries them: a 206 too, from the cache.
    const ranged = await b.page.evaluate(async () => {
      const r = await fetch('/page.html', { headers: { Range: 'bytes=0-9' } });
      return { status: r.status, csp: r.headers.get('content-security-policy'), xfo: r.headers.get('x-frame-options'), source: r.headers.get('x-deploynet-source') };
    });
    expect(ranged).toEqual({ status: 206, csp: CSP, xfo: 'DENY', source: 'cache' });

    // A file without those rules gets only its own (the /* rule), and framing is refused both by
    // X-Frame-Options and by CSP frame-ancestors: the home page cannot frame either page (a frame
    // that loaded would expose its document), while a page without them can be framed.
    await visit(b.page, `${stack.origin}/`);
    const home = await b.page.evaluate(async () => {
      const r = await fetch('/');
      const framed = async (src: string) => {
        const frame = document.createElement('iframe');
        const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
        frame.src = src;
        document.body.append(frame);
        await loaded;
        return frame.contentDocument !== null;
      };
      return {
        csp: r.headers.get('content-security-policy'),
        nosniff: r.headers.get('x-content-type-options'),
        framed: { xfo: await framed('/page.html'), frameAncestors: await framed('/no-frames.html'), plain: await framed('/listen.js') },
      };
    });
    expect(home).toEqual({ csp: null, nosniff: 'nosniff', framed: { xfo: false, frameAncestors: false, plain: true } });
  });
});
