/**
 * Issue 6's offload and page-load benchmark (not a test): the example site's gallery (7.5 MB)
 * for swarms of 1, 2, 4 and 8 first-time visitors, arriving one after another and all at once,
 * real Chromium, real PeerServer, inside the loopback-only namespace, with the origin behind a
 * simulated WAN (`deploynet serve --latency 80 --rate 2000000`: 80 ms per request, 2 MB/s
 * shared). The same visitors load the same site without DeployNet from the same kind of origin,
 * in the same run.
 *
 *   npm run bench:offload   (= build, then this file under vite-node inside test/run-in-netns.mjs)
 *
 * Offload is measured at the origin: 1 - (bytes the origin sent, headers included, from the
 * first visitor's navigation until the last visitor's page has loaded) / (bytes the visitors'
 * pages received, by their own Resource Timing). The ideal for N visitors is (N-1)/N: the first
 * one has nobody to get the site from. The origin compresses text as real hosts do (serve.ts), for
 * both sites; the bytes counted are the bytes on the wire. Next to it, the origin bytes the same
 * visitors cost without DeployNet. Load time is from the navigation to the load event of the
 * page the visitor ends up with (DeployNet's one-time first-visit reload included), and largest
 * contentful paint likewise: both from the first navigation's start, which is what the visitor
 * waits through.
 *
 * Prints a table, writes results/bench-offload.json and the charts docs/bench/offload.svg and
 * docs/bench/page-load.svg.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'puppeteer-core';
import { FILL_PARAM } from '../../core/index.js';
import { serveSite } from '../../manifest-cli/serve.js';
import { launchChromium, newVisitor, type Visitor } from '../browser/chromium.js';
import { visit } from '../browser/page-probe.js';
import { EXAMPLE_SITE, startStack } from '../browser/stack.js';
import { barChart } from './svg-chart.js';

const SWARMS = [1, 2, 4, 8] as const;
const WAN = { latencyMs: 80, rateBytesPerSec: 2_000_000 } as const;
const PAGE = '/gallery.html';
/** Eight visitors sharing a 2 MB/s origin for 7.5 MB each take a while; puppeteer's default is 30 s. */
const NAVIGATION_TIMEOUT_MS = 180_000;
export type Arrival = 'one after another' | 'all at once';
const ARRIVALS: readonly Arrival[] = ['one after another', 'all at once'];

interface Load {
  /** From the test's navigation to the load event of the final page, ms. */
  readonly loadMs: number;
  /** Largest contentful paint of the final page, from the test's navigation, ms (null: none reported). */
  readonly lcpMs: number | null;
  /** Bytes the final page received (Resource Timing). */
  readonly bytes: number;
  /**
   * Bytes the origin sent from this visitor's navigation until its page had loaded; null when
   * visitors arrive all at once (they share the time). Earlier visitors' background fill-in
   * falls in the same window and counts here too.
   */
  readonly originBytes: number | null;
}

export interface Scenario {
  readonly visitors: number;
  readonly arrival: Arrival;
  readonly originBytes: number;
  /** Bytes the origin sent to the same visitors of the same site without DeployNet. */
  readonly plainOriginBytes: number;
  readonly pageBytes: number;
  readonly offload: number;
  readonly ideal: number;
  readonly withDeployNet: Load[];
  readonly withoutDeployNet: Load[];
}

/** How long after the last LCP entry to keep listening for a later, larger one. */
const LCP_QUIET_MS = 500;

/** Load and LCP of the page now in `page`, relative to `startedAt` (epoch ms), and its bytes. */
async function measure(page: Page, startedAt: number, originBytes: number | null): Promise<Load> {
  const m = await page.evaluate(async (quietMs, fillParam) => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    // An image's LCP entry comes once it is decoded and painted, which for the 5.5 MiB panorama
    // is well after the load event. Read at the load event, only the text had an entry (LCP
    // 0.25 s for a page whose main picture appears after 4 s), so wait for every image to be
    // decoded and two frames to be drawn, then take the last entry.
    await Promise.all([...document.images].map((img) => img.decode().catch(() => undefined)));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const lcp = await new Promise<number | null>((resolve) => {
      let last: number | null = null;
      let quiet = setTimeout(() => resolve(last), quietMs);
      new PerformanceObserver((list) => {
        last = list.getEntries().at(-1)?.startTime ?? last;
        clearTimeout(quiet);
        quiet = setTimeout(() => resolve(last), quietMs);
      }).observe({ type: 'largest-contentful-paint', buffered: true });
    });
    // The page's own loads only: the background fill-in (?deploynet-fill=1) starts once the page
    // has loaded, so some of it falls into the wait above; it is not what the page needed.
    const own = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => !new URL(e.name).searchParams.has(fillParam));
    const entries = [nav, ...own];
    return { timeOrigin: performance.timeOrigin, loadEventEnd: nav.loadEventEnd, lcp, bytes: entries.reduce((sum, e) => sum + e.encodedBodySize, 0) };
  }, LCP_QUIET_MS, FILL_PARAM);
  return { loadMs: m.timeOrigin + m.loadEventEnd - startedAt, lcpMs: m.lcp === null ? null : m.timeOrigin + m.lcp - startedAt, bytes: m.bytes, originBytes };
}

/** One visitor with DeployNet: navigate, wait for the settled final page, measure. */
async function withDeployNet(browser: Browser, origin: string, originBytesSent: (() => number) | null): Promise<{ visitor: Visitor; load: Load }> {
  const visitor = await newVisitor(browser, origin);
  visitor.page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  const before = originBytesSent?.() ?? 0;
  const startedAt = Date.now();
  // Eight visitors at once behind the 2 MB/s origin take 25-30 s to load on this machine kind.
  await visit(visitor.page, `${origin}${PAGE}`, NAVIGATION_TIMEOUT_MS);
  const originBytes = originBytesSent ? originBytesSent() - before : null;
  return { visitor, load: await measure(visitor.page, startedAt, originBytes) };
}

/** One visitor of the plain site: navigate, wait for load, measure. */
async function withoutDeployNet(browser: Browser, origin: string): Promise<{ visitor: Visitor; load: Load }> {
  const visitor = await newVisitor(browser, origin);
  visitor.page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  const startedAt = Date.now();
  await visitor.page.goto(`${origin}${PAGE}`, { waitUntil: 'load' });
  return { visitor, load: await measure(visitor.page, startedAt, null) };
}

async function arrive<T extends { visitor: Visitor }>(n: number, arrival: Arrival, one: () => Promise<T>): Promise<T[]> {
  if (arrival === 'all at once') return Promise.all(Array.from({ length: n }, one));
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await one());
  return out;
}

/** One swarm of `n` first-time visitors (exported for `npm run simulate -- reality-check --real`). */
export async function scenario(browser: Browser, n: number, arrival: Arrival): Promise<Scenario> {
  const stack = await startStack({ origin: WAN });
  const plain = await serveSite({ siteDir: EXAMPLE_SITE, port: 0, host: '127.0.0.1', ...WAN });
  try {
    const before = stack.originBytesSent();
    const perVisitor = arrival === 'one after another' ? () => stack.originBytesSent() : null;
    const dn = await arrive(n, arrival, () => withDeployNet(browser, stack.origin, perVisitor));
    const originBytes = stack.originBytesSent() - before;
    for (const d of dn) await d.visitor.close();
    const plainBefore = plain.bytesSent();
    const plainVisits = await arrive(n, arrival, () => withoutDeployNet(browser, plain.url));
    const plainOriginBytes = plain.bytesSent() - plainBefore;
    for (const p of plainVisits) await p.visitor.close();
    const pageBytes = dn.reduce((sum, d) => sum + d.load.bytes, 0);
    return {
      visitors: n,
      arrival,
      originBytes,
      plainOriginBytes,
      pageBytes,
      offload: 1 - originBytes / pageBytes,
      ideal: (n - 1) / n,
      withDeployNet: dn.map((d) => d.load),
      withoutDeployNet: plainVisits.map((p) => p.load),
    };
  } finally {
    await plain.close();
    await stack.close();
  }
}

const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)}`);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function print(results: readonly Scenario[]): void {
  console.log('\n  visitors  arrival            origin MB  pages MB  offload  ideal   of ideal  origin MB without');
  for (const r of results) {
    console.log(
      `  ${String(r.visitors).padStart(8)}  ${r.arrival.padEnd(17)}  ${(r.originBytes / 1e6).toFixed(2).padStart(9)}  ${(r.pageBytes / 1e6).toFixed(2).padStart(8)}  ${pct(r.offload).padStart(7)}  ${pct(r.ideal).padStart(6)}  ${r.ideal > 0 ? pct(r.offload / r.ideal).padStart(8) : '       -'}  ${(r.plainOriginBytes / 1e6).toFixed(2).padStart(17)}`,
    );
  }
  console.log('\n  origin kB while each visitor loaded, one after another (earlier visitors\' fill-in included)');
  for (const r of results.filter((x) => x.arrival === 'one after another')) {
    console.log(`  N=${r.visitors}: ${r.withDeployNet.map((d) => (d.originBytes === null ? '-' : (d.originBytes / 1e3).toFixed(0))).join('  ')}`);
  }
  console.log('\n  load event / LCP per visitor (ms), with DeployNet | without, in arrival order');
  for (const r of results) {
    const pairs = r.withDeployNet.map((d, i) => `${ms(d.loadMs)}/${ms(d.lcpMs)} | ${ms(r.withoutDeployNet[i]!.loadMs)}/${ms(r.withoutDeployNet[i]!.lcpMs)}`);
    console.log(`  N=${r.visitors} ${r.arrival}: ${pairs.join('   ')}`);
  }
}

export async function charts(results: readonly Scenario[]): Promise<void> {
  await mkdir('docs/bench', { recursive: true });
  const byArrival = (a: Arrival) => SWARMS.map((n) => results.find((r) => r.visitors === n && r.arrival === a)?.offload ?? null).map((v) => (v === null ? null : v * 100));
  await writeFile(
    'docs/bench/offload.svg',
    barChart({
      title: 'Origin offload by swarm size (gallery, 7.5 MB; origin at 2 MB/s, 80 ms)',
      categories: SWARMS.map((n) => `${n} visitor${n > 1 ? 's' : ''}`),
      series: [
        { name: 'one after another', values: byArrival('one after another'), color: '#2f9e6f' },
        { name: 'all at once', values: byArrival('all at once'), color: '#3a78d1' },
      ],
      marks: { name: 'ideal (N-1)/N', values: SWARMS.map((n) => ((n - 1) / n) * 100) },
      yLabel: 'offload, %',
      yMax: 100,
      format: (v) => `${Math.round(v)}%`,
    }),
  );
  const eight = results.find((r) => r.visitors === 8 && r.arrival === 'one after another');
  if (eight) {
    await writeFile(
      'docs/bench/page-load.svg',
      barChart({
        title: 'Load event and LCP per visitor, 8 arriving one after another (origin at 2 MB/s, 80 ms)',
        categories: eight.withDeployNet.map((_d, i) => `#${i + 1}`),
        series: [
          { name: 'load, with DeployNet', values: eight.withDeployNet.map((d) => d.loadMs), color: '#2f9e6f' },
          { name: 'load, without', values: eight.withoutDeployNet.map((d) => d.loadMs), color: '#d1693a' },
          { name: 'LCP, with DeployNet', values: eight.withDeployNet.map((d) => d.lcpMs), color: '#8fd1b3' },
          { name: 'LCP, without', values: eight.withoutDeployNet.map((d) => d.lcpMs), color: '#ebb08f' },
        ],
        yLabel: 'ms from the first navigation',
      }),
    );
  }
}

async function main(): Promise<void> {
  const browser = await launchChromium();
  try {
    const results: Scenario[] = [];
    for (const arrival of ARRIVALS) for (const n of SWARMS) results.push(await scenario(browser, n, arrival));
    console.log(`\nDeployNet offload benchmark: ${PAGE} of the example site, origin ${WAN.rateBytesPerSec / 1e6} MB/s + ${WAN.latencyMs} ms, ${await browser.version()}`);
    print(results);
    await mkdir('results', { recursive: true });
    await writeFile('results/bench-offload.json', `${JSON.stringify({ date: new Date().toISOString(), chromium: await browser.version(), wan: WAN, results }, null, 2)}\n`);
    await charts(results);
    console.log('\n  written to results/bench-offload.json, docs/bench/offload.svg, docs/bench/page-load.svg');
  } finally {
    await browser.close();
  }
}

// A script (npm run bench:offload), unless imported for scenario() by the simulator's reality
// check, which says so first (vite-node leaves no file name in argv to tell the two apart).
if (process.env.DEPLOYNET_OFFLOAD_BENCH_IMPORTED !== '1') {
  await main();
  process.exit(0);
}
