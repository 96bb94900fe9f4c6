/**
 * Issue 6, item 2: the example site's swarm dashboard shows a real swarm at work: a second
 * visitor's dashboard sees its peer, and a transfer it starts arrives from that peer.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { useBrowser } from './browser-session.js';
import { newVisitor } from './chromium.js';
import { emulateSaveData, visit } from './page-probe.js';
import { startStack } from './stack.js';

const text = (page: Page, id: string) => page.$eval(`#${id}`, (el) => el.textContent ?? '');

describe('swarm dashboard', () => {
  const session = useBrowser();

  it('shows the peer, the manifest, a transfer from the peer by source, and draws the chart', async () => {
    const stack = await session.track(startStack());
    const a = await session.track(newVisitor(session.browser, stack.origin));
    await visit(a.page, `${stack.origin}/gallery.html`);

    const b = await session.track(newVisitor(session.browser, stack.origin));
    // Save-Data turns B's background fill-in off, so the panorama arrives only when B clicks.
    await emulateSaveData(b.page);
    await visit(b.page, `${stack.origin}/dashboard.html`);
    await b.page.waitForFunction(() => /^1 connected/.test(document.getElementById('dash-peers')?.textContent ?? ''), { timeout: 10_000 });
    expect(await text(b.page, 'dash-manifest')).toBe(`version ${stack.manifest.version}`);

    await b.page.click('#dash-fetch');
    await b.page.waitForFunction(
      () => [...document.querySelectorAll('#dash-transfers tr')].some((tr) => tr.textContent?.includes('/media/panorama.png') && tr.textContent.includes('5.5 MiB of 5.5 MiB')),
      { timeout: 20_000 },
    );
    const row = await b.page.$$eval('#dash-transfers tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)).find((cells) => cells[0] === '/media/panorama.png'));
    expect(row?.[2]).toMatch(/^peer 5\.5 MiB$/);
    await b.page.waitForFunction(() => document.querySelectorAll('#dash-chart polygon').length === 3, { timeout: 5_000 });
    expect(await text(b.page, 'dash-totals')).toMatch(/peer \d/);
  });
});
