/**
 * Issue 5, item 4: a signal node with site tokens (--site-tokens) admits the pages of a site built
 * with that token (build --signal-token) and refuses others; a refused page still loads, from the
 * origin.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SCRIPT_PATH } from '../../core/index.js';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { deliveredBy, rendered, resourceSources, visit } from './page-probe.js';
import { startStack, type Stack } from './stack.js';

const TOKEN = 'lakeside-site-token-0123456789';

async function secondVisitorSources(stack: Stack, session: ReturnType<typeof useBrowser>) {
  const a = await session.track(newVisitor(session.browser, stack.origin));
  await visit(a.page, `${stack.origin}/gallery.html`);
  const b = await session.track(newVisitor(session.browser, stack.origin));
  const stats = await visit(b.page, `${stack.origin}/gallery.html`);
  const sources = (await resourceSources(b.page)).filter((s) => s.path !== '/gallery.html' && s.path !== PAGE_SCRIPT_PATH && s.path in stack.manifest.files);
  expect(await rendered(b.page)).toEqual({ status: 'app.js loaded', fontLoaded: true });
  return { stats, sources: sources.map(deliveredBy) };
}

describe('site tokens on the signal node', () => {
  const session = useBrowser();

  it('pages built with the site token join the swarm and get assets from peers', async () => {
    const stack = await session.track(startStack({ signal: { siteTokens: [TOKEN] }, build: { signalToken: TOKEN } }));
    const { stats, sources } = await secondVisitorSources(stack, session);
    expect(stats.peers).toBe(1);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    // All from the peer, give or take one asset a loaded machine let the SW race to the origin.
    expect(sources.filter((s) => s === 'peer').length).toBeGreaterThanOrEqual(sources.length - 1);
  });

  it('pages built without it are refused by the node, and load from the origin', async () => {
    const stack = await session.track(startStack({ signal: { siteTokens: [TOKEN] } }));
    const { stats, sources } = await secondVisitorSources(stack, session);
    expect(stats.peers).toBe(0);
    expect(stats.state).toBe('no-peers');
    expect(sources.every((s) => s === 'origin')).toBe(true);
  });
});
