/**
 * Issue 3, item 5: Range requests answered by the service worker, from the cache and from peers,
 * always cut from the whole verified file. Real Chromium visitors, real signal node and origin,
 * inside the loopback-only namespace; bytes are compared with the files on disk.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_CACHE, contentCacheKey } from '../../core/index.js';
import { launchChromium, newVisitor, type Visitor } from './chromium.js';
import { deliveredBy, emulateSaveData, evaluateStable, fetchInPage, resourceSources, visit } from './page-probe.js';
import { PATIENT_PEERS, startStack, type Stack } from './stack.js';

const AUDIO = '/media/chime.wav';
const PANORAMA = '/media/panorama.png';

interface RangeAnswer {
  readonly status: number;
  readonly source: string | null;
  readonly serverTiming: boolean;
  readonly contentRange: string | null;
  readonly contentLength: string | null;
  readonly contentType: string | null;
  readonly acceptRanges: string | null;
  readonly size: number;
  readonly sha256: string;
  /** The first bytes of the body (at most 16). */
  readonly head: number[];
}

/** Fetches `path` with a Range header in the page (through the SW) and describes the answer. */
async function fetchRange(page: Page, path: string, range: string): Promise<RangeAnswer> {
  return page.evaluate(
    async (p, r) => {
      const response = await fetch(p, { headers: { Range: r } });
      const body = new Uint8Array(await response.arrayBuffer());
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
      const h = response.headers;
      return {
        status: response.status,
        source: h.get('x-deploynet-source'),
        serverTiming: (h.get('server-timing') ?? '').startsWith('deploynet;'),
        contentRange: h.get('content-range'),
        contentLength: h.get('content-length'),
        contentType: h.get('content-type'),
        acceptRanges: h.get('accept-ranges'),
        size: body.byteLength,
        sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
        head: [...body.subarray(0, 16)],
      };
    },
    path,
    range,
  );
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What a 206 for bytes first..last (inclusive) of `disk` must look like. */
function partial(disk: Buffer, first: number, last: number, source: string, type: string): Partial<RangeAnswer> {
  const bytes = disk.subarray(first, last + 1);
  return {
    status: 206,
    source,
    serverTiming: true,
    contentRange: `bytes ${first}-${last}/${disk.length}`,
    contentLength: String(bytes.length),
    contentType: type,
    acceptRanges: 'bytes',
    size: bytes.length,
    sha256: sha256(bytes),
    head: [...bytes.subarray(0, 16)],
  };
}

/** Waits until the page's verified content cache holds every one of `paths`. */
async function waitCached(page: Page, stack: Stack, paths: readonly string[]): Promise<void> {
  const keys = paths.map((p) => contentCacheKey(stack.origin, stack.manifest.files[p]!.sha256));
  await page.waitForFunction(
    async (name: string, wanted: string[]) => {
      const cache = await caches.open(name);
      for (const key of wanted) if (!(await cache.match(key))) return false;
      return true;
    },
    { timeout: 30_000, polling: 200 },
    CONTENT_CACHE,
    keys,
  );
}

interface AudioState {
  readonly readyState: number;
  readonly duration: number;
  readonly currentTime: number;
  readonly error: number | null;
}

/** Waits for the page's <audio> to have data, plays it muted (autoplay policy) for a moment. */
async function playAudio(page: Page): Promise<AudioState> {
  await page.waitForFunction(() => (document.querySelector('audio')?.readyState ?? 0) >= 2, { timeout: 30_000, polling: 100 });
  return evaluateStable(page, async () => {
    const audio = document.querySelector('audio')!;
    audio.muted = true;
    await audio.play();
    const started = Date.now();
    while (audio.currentTime < 0.2 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
    audio.pause();
    return { readyState: audio.readyState, duration: audio.duration, currentTime: audio.currentTime, error: audio.error?.code ?? null };
  });
}

describe('Range requests through the service worker', () => {
  let browser: Browser;
  let stack: Stack;
  let seeder: Visitor;
  let b: Visitor;
  let audio: Buffer;
  let panorama: Buffer;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack({ build: PATIENT_PEERS });
    open.push(stack);
    audio = await readFile(join(stack.siteDir, 'media', 'chime.wav'));
    panorama = await readFile(join(stack.siteDir, 'media', 'panorama.png'));
    expect(stack.manifest.files[AUDIO]).toMatchObject({ size: audio.length, type: 'audio/wav' });

    // The seeder holds the gallery: the audio (fetched by its <audio>, through the SW) and the panorama.
    seeder = await newVisitor(browser, stack.origin);
    open.push(seeder);
    await visit(seeder.page, `${stack.origin}/gallery.html`);
    await waitCached(seeder.page, stack, [AUDIO, PANORAMA]);

    // B has been to the home page only, which has neither the audio nor the panorama.
    b = await newVisitor(browser, stack.origin);
    open.push(b);
    await emulateSaveData(b.page); // no background fill-in: B holds only what its page loaded
    const bStats = await visit(b.page, `${stack.origin}/index.html`);
    expect(bStats.peers).toBeGreaterThanOrEqual(1);
    expect(bStats.fill.state).toBe('off');
  });

  afterAll(async () => {
    for (const thing of open.reverse()) await thing.close().catch(() => undefined);
    await browser?.close();
  });

  it('a: a first range of a file B does not hold comes from a peer: 206, one byte, Content-Range', async () => {
    const got = await fetchRange(b.page, AUDIO, 'bytes=0-0');
    expect(got).toEqual(partial(audio, 0, 0, 'peer', 'audio/wav'));
    expect(got.head).toEqual([audio[0]]);
    // The whole file was verified and cached on the way: the next range is from the cache.
    await waitCached(b.page, stack, [AUDIO]);
  });

  it('b: a suffix range gives the last bytes', async () => {
    const got = await fetchRange(b.page, AUDIO, 'bytes=-100');
    expect(got).toEqual(partial(audio, audio.length - 100, audio.length - 1, 'cache', 'audio/wav'));
  });

  it('c: a range past the end is 416 with Content-Range: bytes */size', async () => {
    const got = await fetchRange(b.page, AUDIO, `bytes=${audio.length}-`);
    expect(got).toMatchObject({ status: 416, contentRange: `bytes */${audio.length}`, size: 0, source: 'cache', acceptRanges: 'bytes' });
    // What the SW ignores (several ranges) is answered whole with 200.
    const whole = await fetchRange(b.page, AUDIO, 'bytes=0-1,4-5');
    expect(whole).toMatchObject({ status: 200, contentRange: null, size: audio.length, sha256: sha256(audio), acceptRanges: 'bytes' });
  });

  it('d: ranges of the 5.5 MiB panorama get only the chunks they need: from a peer, then from the stored chunks; the whole file after them', async () => {
    const type = stack.manifest.files[PANORAMA]!.type;
    const range = 'bytes=1000000-1065535';
    const first = await fetchRange(b.page, PANORAMA, range);
    expect(first).toEqual(partial(panorama, 1000000, 1065535, 'peer', type));

    // The range's chunk stays in the partial store (resume), not in Cache Storage (whole files
    // only): asked again, the same range comes from it, with no peer or origin involved.
    let again = await fetchRange(b.page, PANORAMA, range);
    for (let tries = 0; again.source !== 'cache' && tries < 25; tries++) {
      await new Promise((r) => setTimeout(r, 200)); // the chunk's write lands after the answer
      again = await fetchRange(b.page, PANORAMA, range);
    }
    expect(again).toEqual(partial(panorama, 1000000, 1065535, 'cache', type));

    const middle = Math.floor(panorama.length / 2);
    const later = await fetchRange(b.page, PANORAMA, `bytes=${middle}-${middle + 1024 * 1024 - 1}`);
    expect(later).toEqual(partial(panorama, middle, middle + 1024 * 1024 - 1, 'peer', type));

    // The whole file resumes from the stored chunks and gets the rest; then it is cached.
    const whole = await fetchInPage(b.page, PANORAMA);
    expect(whole).toMatchObject({ status: 200, sha256: sha256(panorama), size: panorama.length });
    await waitCached(b.page, stack, [PANORAMA]);
    const cached = await fetchRange(b.page, PANORAMA, range);
    expect(cached).toEqual(partial(panorama, 1000000, 1065535, 'cache', type));
  });

  it("e: a first-time visitor's <audio> on the gallery plays from a peer, through the SW", async () => {
    const c = await newVisitor(browser, stack.origin);
    open.push(c);
    await emulateSaveData(c.page);
    await visit(c.page, `${stack.origin}/gallery.html`);
    const state = await playAudio(c.page);
    expect(state.error).toBeNull();
    expect(state.readyState).toBeGreaterThanOrEqual(2);
    expect(state.duration).toBeCloseTo(3, 1);
    expect(state.currentTime).toBeGreaterThan(0);

    const loads = (await resourceSources(c.page)).find((r) => r.path === AUDIO);
    expect(loads, 'the audio has Resource Timing entries').toBeDefined();
    expect(loads!.sources.every((s) => s !== null), 'every load of the audio went through the SW').toBe(true);
    expect(deliveredBy(loads!)).toBe('peer');
    // Chromium's media stack asks with Range (bytes=0-): the SW answered 206.
    const statuses = await c.page.evaluate(
      (path) =>
        performance
          .getEntriesByType('resource')
          .filter((e) => new URL(e.name).pathname === path)
          .map((e) => (e as PerformanceResourceTiming).responseStatus),
      AUDIO,
    );
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 206)).toBe(true);
  });
});
