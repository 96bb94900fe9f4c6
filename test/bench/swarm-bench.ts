/**
 * Issue 4's swarm benchmark (not a test): one 32 MiB file from 1, 2 and 4 seeders to a fresh
 * visitor, real Chromium, real PeerServer, inside the loopback-only namespace.
 *
 *   npm run bench:swarm   (= build, then this file under vite-node inside test/run-in-netns.mjs)
 *
 * It measures only what a site sees: a fetch() in the visitor's page through the service worker,
 * the response's x-deploynet-source, and window.deploynet.stats(). So it keeps measuring the same
 * thing whatever the download path does inside (today: 256 KiB chunks from every connected
 * peer at once, streamed to the page in order).
 *
 * Per round: a new visitor (its own incognito context) waits until it is connected to all N
 * seeders, fetches the file, and reports time to first byte (first reader.read() of the body),
 * total time and MB/s; the bytes' SHA-256 must equal the origin file's, or the bench fails. Right
 * after, a raw RTCDataChannel moves the same number of bytes from the first seeder's page to that
 * visitor's page, so the peer/raw ratio comes from the same moment on this noisy machine. The
 * ratio compares like with like: both from the first byte to the last (the raw channel's clock
 * starts at its first message; the peer's at the first read, counting the first whole chunk as
 * read then, since the SW hands out whole chunks); the whole-fetch MB/s, time to first byte
 * included, is reported next to it.
 * Before any seeder exists, the first visitor's fetches come from the origin: that is the
 * origin-only line (a loopback origin, so it is a floor, not a WAN figure).
 *
 * Prints a table and writes results/bench-swarm.json.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'puppeteer-core';
import { CONTENT_CACHE, contentCacheKey } from '../../core/index.js';
import { BIG_BYTES, BIG_PATH, streamFetch, untilCached, waitForPeers, writeBigSite, type StreamedFetch } from '../browser/big-site.js';
import { launchChromium, newVisitor, type Visitor } from '../browser/chromium.js';
import { stats, visit } from '../browser/page-probe.js';
import { PATIENT_PEERS, startStack, type Stack } from '../browser/stack.js';
import { rawChannelClose, rawChannelOpen, rawChannelRound } from './raw-channel.js';

const FILE_PATH = BIG_PATH;
const FILE_BYTES = BIG_BYTES;
const SEEDER_COUNTS = [1, 2, 4] as const;
const ROUNDS = 5;
const ORIGIN_ROUNDS = 3;
/** How long a new visitor may take to open links to every seeder before the round goes ahead anyway. */
const ALL_PEERS_WAIT_MS = 20_000;
/** How long the service worker may take to store what it served (it does so after answering). */
const CACHED_WAIT_MS = 10_000;

/** A wrong byte is a bug in the download path, not noise: stop the bench there. */
function checkBytes(fetched: StreamedFetch, expectedSha256: string, what: string): void {
  if (fetched.status !== 200 || fetched.bytes !== FILE_BYTES || fetched.sha256 !== expectedSha256) {
    throw new Error(
      `${what}: got status ${fetched.status}, ${fetched.bytes} bytes, sha256 ${fetched.sha256} from ${fetched.source}; ` +
        `expected 200, ${FILE_BYTES} bytes, sha256 ${expectedSha256}`,
    );
  }
}

/** Removes the file from the visitor's content cache, once it has landed there. */
async function dropCached(page: Page, key: string): Promise<void> {
  await untilCached(page, key, CACHED_WAIT_MS);
  await page.evaluate(async (k, cacheName) => void (await (await caches.open(cacheName)).delete(k)), key, CONTENT_CACHE);
}

/** A new visitor on the bench page, controlled by the SW, its bridge settled. */
async function arrive(browser: Browser, origin: string): Promise<Visitor> {
  const visitor = await newVisitor(browser, origin);
  await visit(visitor.page, `${origin}/`);
  return visitor;
}

/**
 * Navigating away first makes the page leave the swarm (pagehide), so seeders drop the link at
 * once instead of keeping a slot for a dead peer into the next round.
 */
async function leave(visitor: Visitor): Promise<void> {
  await visitor.page.goto('about:blank');
  await visitor.close();
}


const uploadedBy = (seeders: readonly Visitor[]) => Promise.all(seeders.map(async (s) => (await stats(s.page)).uploadedBytes));

interface PeerRound {
  readonly seeders: number;
  readonly peersConnected: number;
  readonly source: string | null;
  readonly peerFailure: string | null;
  readonly ttfbMs: number;
  readonly totalMs: number;
  /** Whole fetch: bytes over total time, the wait for the first byte included. */
  readonly mbps: number;
  /** From the first byte to the last, measured as the raw channel is (see the header). */
  readonly steadyMbps: number;
  /** The visitor page's bytes from peers, by its own stats() (Resource Timing). */
  readonly statsPeerBytes: number;
  /** What each seeder sent during the round, by its stats().uploadedBytes. */
  readonly uploadedBySeeder: number[];
  readonly rawMbps: number;
}

/** One round: a fresh visitor fetches the file from the swarm, then the raw baseline runs on the same visitor's page. */
async function peerRound(browser: Browser, stack: Stack, seeders: readonly Visitor[], sha256: string, key: string): Promise<PeerRound> {
  const visitor = await arrive(browser, stack.origin);
  try {
    const peersConnected = await waitForPeers(visitor.page, seeders.length, ALL_PEERS_WAIT_MS);
    const before = await uploadedBy(seeders);
    const fetched = await streamFetch(visitor.page, FILE_PATH, FILE_BYTES);
    checkBytes(fetched, sha256, `visitor with ${seeders.length} seeder(s)`);
    const after = await uploadedBy(seeders);
    const { bytes } = await stats(visitor.page);
    // The visitor must not be able to serve the file to the next round's visitor.
    await dropCached(visitor.page, key);

    await rawChannelOpen(seeders[0]!.page, visitor.page);
    const rawMbps = await rawChannelRound(seeders[0]!.page, visitor.page, FILE_BYTES);
    await rawChannelClose(seeders[0]!.page, visitor.page);
    return {
      seeders: seeders.length,
      peersConnected,
      source: fetched.source,
      peerFailure: fetched.peerFailure,
      ttfbMs: fetched.ttfbMs,
      totalMs: fetched.totalMs,
      mbps: FILE_BYTES / (fetched.totalMs / 1000) / 1e6,
      steadyMbps: (FILE_BYTES - stack.manifest.chunkSize) / ((fetched.totalMs - fetched.ttfbMs) / 1000) / 1e6,
      statsPeerBytes: bytes.peer,
      uploadedBySeeder: after.map((a, i) => a - before[i]!),
      rawMbps,
    };
  } finally {
    await leave(visitor);
  }
}

/** A new seeder: visits, fetches the file (from the swarm when it can), and keeps it in its cache. */
async function addSeeder(browser: Browser, stack: Stack, sha256: string, key: string): Promise<{ seeder: Visitor; source: string | null }> {
  const seeder = await arrive(browser, stack.origin);
  const fetched = await streamFetch(seeder.page, FILE_PATH, FILE_BYTES);
  checkBytes(fetched, sha256, 'seeder');
  await untilCached(seeder.page, key, CACHED_WAIT_MS);
  return { seeder, source: fetched.source };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Summary {
  readonly seeders: number;
  readonly rounds: number;
  /** Rounds whose bytes came from peers; only these count in the medians below. */
  readonly peerRounds: number;
  readonly ttfbMsP50: number;
  readonly totalMsP50: number;
  /** From the first byte to the last, as the raw figure. */
  readonly mbpsP50: number;
  readonly rawMbpsP50: number;
  readonly ratio: number;
  /** The whole fetch, first byte's wait included. */
  readonly wholeMbpsP50: number;
  readonly wholeRatio: number;
}

function summarize(seeders: number, rounds: readonly PeerRound[]): Summary {
  const fromPeers = rounds.filter((r) => r.source === 'peer');
  const mbps = median(fromPeers.map((r) => r.steadyMbps));
  const whole = median(fromPeers.map((r) => r.mbps));
  const raw = median(rounds.map((r) => r.rawMbps));
  return {
    seeders,
    rounds: rounds.length,
    peerRounds: fromPeers.length,
    ttfbMsP50: median(fromPeers.map((r) => r.ttfbMs)),
    totalMsP50: median(fromPeers.map((r) => r.totalMs)),
    mbpsP50: mbps,
    rawMbpsP50: raw,
    ratio: mbps / raw,
    wholeMbpsP50: whole,
    wholeRatio: whole / raw,
  };
}

const MB = (n: number) => (n / 1e6).toFixed(1);

function printTable(summaries: readonly Summary[], origin: StreamedFetch[]): void {
  const rows = [
    ['N seeders', 'rounds (from peers)', 'TTFB p50', 'total p50', 'MB/s p50', 'raw MB/s p50', 'ratio', 'whole-fetch MB/s (ratio)'],
    ...summaries.map((s) => [
      String(s.seeders),
      `${s.rounds} (${s.peerRounds})`,
      `${s.ttfbMsP50.toFixed(0)} ms`,
      `${s.totalMsP50.toFixed(0)} ms`,
      s.mbpsP50.toFixed(2),
      s.rawMbpsP50.toFixed(2),
      s.ratio.toFixed(2),
      `${s.wholeMbpsP50.toFixed(2)} (${s.wholeRatio.toFixed(2)})`,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(`  ${row.map((cell, c) => cell.padStart(widths[c]!)).join('  ')}`);
  const originTotal = median(origin.map((f) => f.totalMs));
  console.log(
    `  origin only (no peers yet, loopback origin, ${origin.length} rounds): TTFB p50 ${median(origin.map((f) => f.ttfbMs)).toFixed(0)} ms, ` +
      `total p50 ${originTotal.toFixed(0)} ms, ${(FILE_BYTES / (originTotal / 1000) / 1e6).toFixed(2)} MB/s`,
  );
}

function printRound(r: PeerRound): void {
  const failure = r.peerFailure ? ` (${r.peerFailure})` : '';
  console.log(
    `    N=${r.seeders}: ${r.source}${failure}, ${r.peersConnected} peers, TTFB ${r.ttfbMs.toFixed(0)} ms, total ${r.totalMs.toFixed(0)} ms, ` +
      `${r.steadyMbps.toFixed(2)} MB/s first byte to last, ${r.mbps.toFixed(2)} whole (raw ${r.rawMbps.toFixed(2)}); stats peer ${MB(r.statsPeerBytes)} MB; seeders sent ${r.uploadedBySeeder.map(MB).join(' / ')} MB`,
  );
}

async function main(): Promise<void> {
  const site = await writeBigSite();
  const browser = await launchChromium();
  let stack: Stack | null = null;
  const visitors: Visitor[] = [];
  try {
    stack = await startStack({ example: site.dir, build: PATIENT_PEERS });
    await rm(site.dir, { recursive: true, force: true }); // startStack deployed a copy
    const file = stack.manifest.files[FILE_PATH];
    if (!file || file.sha256 !== site.sha256 || (await stack.originSha256(FILE_PATH)) !== site.sha256) {
      throw new Error(`${FILE_PATH} is missing from the manifest or differs from the bytes written`);
    }
    const key = contentCacheKey(stack.origin, file.sha256);
    const chromium = await browser.version();
    console.log(`\nDeployNet swarm benchmark: ${MB(FILE_BYTES)} MB (32 MiB) file, 1/2/4 seeders -> a fresh visitor, loopback namespace, ${chromium}`);

    // The first visitor has nobody to ask: its fetches are the origin-only figures, and the copy
    // its last fetch stores makes it the first seeder.
    const first = await arrive(browser, stack.origin);
    visitors.push(first);
    const origin: StreamedFetch[] = [];
    for (let i = 0; i < ORIGIN_ROUNDS; i++) {
      if (i > 0) await dropCached(first.page, key);
      const fetched = await streamFetch(first.page, FILE_PATH, FILE_BYTES);
      checkBytes(fetched, file.sha256, 'origin-only visitor');
      if (fetched.source !== 'origin') throw new Error(`the first visitor got ${FILE_PATH} from ${fetched.source}, not the origin`);
      origin.push(fetched);
    }
    await untilCached(first.page, key, CACHED_WAIT_MS);
    const seeders: Visitor[] = [first];
    const seederSources: Array<string | null> = ['origin'];

    const rounds: PeerRound[] = [];
    for (const n of SEEDER_COUNTS) {
      while (seeders.length < n) {
        const { seeder, source } = await addSeeder(browser, stack, file.sha256, key);
        visitors.push(seeder);
        seeders.push(seeder);
        seederSources.push(source);
      }
      for (let i = 0; i < ROUNDS; i++) {
        const round = await peerRound(browser, stack, seeders, file.sha256, key);
        printRound(round);
        rounds.push(round);
      }
    }

    const summaries = SEEDER_COUNTS.map((n) => summarize(n, rounds.filter((r) => r.seeders === n)));
    console.log(`  seeders got the file from: ${seederSources.join(', ')}\n`);
    printTable(summaries, origin);
    const notPeer = rounds.filter((r) => r.source !== 'peer');
    if (notPeer.length > 0) console.log(`  WARNING: ${notPeer.length} rounds were not served by peers; they are left out of the medians`);

    await mkdir('results', { recursive: true });
    const result = { date: new Date().toISOString(), chromium, file: { path: FILE_PATH, bytes: FILE_BYTES, sha256: file.sha256 }, summaries, origin, rounds, seederSources };
    await writeFile('results/bench-swarm.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log('  written to results/bench-swarm.json');
    if (summaries.some((s) => s.peerRounds === 0)) throw new Error('some seeder counts had no round served by peers: no peer figure for them');
  } finally {
    for (const v of visitors) await v.close().catch(() => undefined);
    await browser.close();
    await stack?.close();
    await rm(site.dir, { recursive: true, force: true });
  }
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error('\nswarm bench FAILED:', error instanceof Error ? error.message : error);
  process.exit(1);
}
