/**
 * Issue 2's first benchmark (not a test): the example site with one seeder and one first-time
 * visitor, real Chromium, real PeerServer, inside the loopback-only namespace.
 *
 *   npm run bench:p2p    (= build, then this file under vite-node inside test/run-in-netns.mjs;
 *                         `npm run bench` runs it as part of the suite, test/bench/suite.ts)
 *
 * Prints, and writes to results/bench-p2p.json:
 *  - bytes by source for the visitor's first visit to /gallery.html;
 *  - p50/p95 time to get a 100 KiB asset through the SW from a warm peer (connection open; the
 *    visitor's cached copy is deleted before each round so it really comes from the peer);
 *  - throughput of the 5.5 MiB file from the peer, next to a raw RTCDataChannel between the same
 *    two pages (64 KiB messages, the same backpressure) in the same run, rounds interleaved. Both
 *    are measured alike, from the first byte the receiving page gets to the last (the bytes after
 *    the first read, or the first whole chunk for the peer since the SW hands out whole chunks,
 *    over the time after it); the time to that first byte is the latency figures' business, and
 *    is reported here too, with the whole-fetch MB/s it gives. A third figure in the same rounds:
 *    the raw channel's bytes relayed through a bare service worker into a fetch (relay-channel.ts),
 *    the least any SW-first design pays. Next to them, the CPU time (user + sys) all of Chromium's
 *    processes spent per round, which other people's load on the machine hardly moves: the peer
 *    round's includes the service worker storing the file afterwards;
 *  - p50/p95 of the same 100 KiB asset by source: cache, warm peer, cold peer (a new visitor's
 *    first page, connection set-up included) and origin (a site built without peers).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium, newVisitor } from '../browser/chromium.js';
import { filled, stats, visit } from '../browser/page-probe.js';
import { startStack } from '../browser/stack.js';
import { addDeltas, threadCpuMs, treeCpuMs } from './process-cpu.js';
import { type Streamed, type Timed, streamedFetch, timedFetch, uncache, untilStored } from './page-fetch.js';
import { rawChannelClose, rawChannelOpen, rawChannelRound } from './raw-channel.js';
import { openRelayPage, relayedChannelRound, writeRelayFiles } from './relay-channel.js';

const ROUNDS_SMALL = 30;
const ROUNDS_LARGE = 9;
const ROUNDS_COLD = 8;
const SMALL = '/images/photo-100k.png';
const LARGE = '/media/panorama.png';

/** Deletes the visitor's cached copy (once it is there), then fetches through the SW and times it. */
async function timedPeerFetch(page: Page, origin: string, path: string, sha256: string): Promise<Timed> {
  await uncache(page, origin, sha256);
  return timedFetch(page, path);
}

/** Like timedPeerFetch, reading the body as a stream to time its first bytes too. */
async function streamedPeerFetch(page: Page, origin: string, path: string, sha256: string): Promise<Streamed> {
  await uncache(page, origin, sha256);
  return streamedFetch(page, path);
}

/**
 * A cold peer: a new visitor's first page (with its one-time reload), whose 100 KiB image comes
 * from the seeder over a connection opened for it; the image's own Resource Timing duration
 * includes waiting for that connection.
 */
async function coldPeerRound(browser: Browser, origin: string): Promise<Timed> {
  const v = await newVisitor(browser, origin);
  try {
    await visit(v.page, `${origin}/`);
    return await v.page.evaluate((path) => {
      const entry = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => new URL(e.name).pathname === path)!;
      return { ms: entry.duration, source: entry.serverTiming.find((t) => t.name === 'deploynet')?.description ?? null, bytes: entry.encodedBodySize };
    }, SMALL);
  } finally {
    await v.page.goto('about:blank').catch(() => undefined); // leave the swarm at once
    await v.close();
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function main(): Promise<void> {
  const browser = await launchChromium();
  const stack = await startStack({ afterBuild: writeRelayFiles });
  try {
    const seeder = await newVisitor(browser, stack.origin);
    await visit(seeder.page, `${stack.origin}/`);
    await visit(seeder.page, `${stack.origin}/gallery.html`);

    const visitor = await newVisitor(browser, stack.origin);
    const firstStarted = Date.now();
    await visit(visitor.page, `${stack.origin}/gallery.html`);
    const firstVisitMs = Date.now() - firstStarted;
    const first = await stats(visitor.page);
    // Let both finish filling in the rest of the site, so the timed rounds run on a quiet link.
    await filled(seeder.page);
    await filled(visitor.page);

    const small = stack.manifest.files[SMALL]!;
    const large = stack.manifest.files[LARGE]!;
    const smallRounds: Timed[] = [];
    for (let i = 0; i < ROUNDS_SMALL; i++) smallRounds.push(await timedPeerFetch(visitor.page, stack.origin, SMALL, small.sha256));
    const largeRounds: Streamed[] = [];
    const rawRounds: number[] = [];
    const peerCpuMs: number[] = [];
    const rawCpuMs: number[] = [];
    const relayRounds: number[] = [];
    const relayCpuMs: number[] = [];
    const chromiumPid = browser.process()?.pid ?? -1;
    await rawChannelOpen(seeder.page, visitor.page);
    await rawChannelRound(seeder.page, visitor.page, large.size); // warm-up, like the warm peer link
    const relayPage = await openRelayPage(visitor.context, stack.origin);
    await rawChannelOpen(seeder.page, relayPage, 'relay');
    await relayedChannelRound(seeder.page, relayPage, large.size);
    await untilStored(visitor.page, stack.origin, large.sha256); // the fill-in's copy, which the first round deletes
    const threads = process.env.DEPLOYNET_BENCH_THREADS === '1';
    /** With DEPLOYNET_BENCH_THREADS=1: CPU ms by process and thread, summed over the rounds. */
    const peerThreads = new Map<string, number>();
    const rawThreads = new Map<string, number>();
    for (let i = 0; i < ROUNDS_LARGE; i++) {
      const t0 = threads ? threadCpuMs(chromiumPid) : null;
      const cpu0 = treeCpuMs(chromiumPid);
      largeRounds.push(await streamedPeerFetch(visitor.page, stack.origin, LARGE, large.sha256));
      await untilStored(visitor.page, stack.origin, large.sha256);
      const cpu1 = treeCpuMs(chromiumPid);
      const t1 = threads ? threadCpuMs(chromiumPid) : null;
      rawRounds.push(await rawChannelRound(seeder.page, visitor.page, large.size));
      if (t0 && t1) {
        addDeltas(peerThreads, t0, t1);
        addDeltas(rawThreads, t1, threadCpuMs(chromiumPid));
      }
      peerCpuMs.push(cpu1 - cpu0);
      const cpu2 = treeCpuMs(chromiumPid);
      rawCpuMs.push(cpu2 - cpu1);
      relayRounds.push(await relayedChannelRound(seeder.page, relayPage, large.size));
      relayCpuMs.push(treeCpuMs(chromiumPid) - cpu2);
    }
    if (threads) {
      // Diagnosis: the seeder's renderer and the visitor's have pids of their own.
      console.log('  CPU ms per round by process and thread, peer | raw:');
      const perRound = (ms: number | undefined) => ((ms ?? 0) / ROUNDS_LARGE).toFixed(0).padStart(5);
      for (const [key, ms] of [...peerThreads].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`    ${key.padEnd(52)} ${perRound(ms)} | ${perRound(rawThreads.get(key))}`);
    }
    await rawChannelClose(seeder.page, visitor.page, relayPage);
    await relayPage.close();
    // The same 100 KiB asset from this visitor's cache, then cold peers (new visitors).
    const cacheRounds: Timed[] = [];
    await timedFetch(visitor.page, SMALL); // the last peer round's copy lands in the cache
    await untilStored(visitor.page, stack.origin, small.sha256); // the SW stores it after answering
    for (let i = 0; i < ROUNDS_SMALL; i++) cacheRounds.push(await timedFetch(visitor.page, SMALL));
    const coldRounds: Timed[] = [];
    for (let i = 0; i < ROUNDS_COLD; i++) coldRounds.push(await coldPeerRound(browser, stack.origin));
    // And from the origin: a site built without peers, the same origin kind (loopback).
    const plain = await startStack({ build: { maxPeers: 0 } });
    const originRounds: Timed[] = [];
    try {
      const solo = await newVisitor(browser, plain.origin);
      await visit(solo.page, `${plain.origin}/`);
      const sha = plain.manifest.files[SMALL]!.sha256;
      for (let i = 0; i < ROUNDS_SMALL; i++) originRounds.push(await timedPeerFetch(solo.page, plain.origin, SMALL, sha));
      await solo.close();
    } finally {
      await plain.close();
    }
    const notPeer = [...smallRounds, ...largeRounds, ...coldRounds].filter((r) => r.source !== 'peer').length;
    const notCache = cacheRounds.filter((r) => r.source !== 'cache').length;
    const wrongSource = notCache + originRounds.filter((r) => r.source !== 'origin').length;
    const times = (rounds: Timed[]) => ({ rounds: rounds.length, p50ms: percentile(rounds.map((r) => r.ms), 50), p95ms: percentile(rounds.map((r) => r.ms), 95) });
    const smallMs = smallRounds.map((r) => r.ms);
    // From the first read on, as the raw figure; the whole first chunk counts as read then.
    const afterFirst = (r: Streamed) => r.bytes - Math.max(r.firstBytes, Math.min(r.bytes, stack.manifest.chunkSize));
    const peerMBps = largeRounds.map((r) => afterFirst(r) / ((r.ms - r.firstMs) / 1000) / 1e6);
    const wholeMBps = largeRounds.map((r) => r.bytes / (r.ms / 1000) / 1e6);
    const result = {
      date: new Date().toISOString(),
      chromium: await browser.version(),
      firstVisit: { ms: firstVisitMs, bytes: first.bytes, requests: first.requests },
      warmPeer100KiB: { rounds: ROUNDS_SMALL, p50ms: percentile(smallMs, 50), p95ms: percentile(smallMs, 95) },
      perSource100KiB: { cache: times(cacheRounds), warmPeer: times(smallRounds), coldPeer: times(coldRounds), origin: times(originRounds) },
      largeFile: {
        bytes: large.size,
        rounds: ROUNDS_LARGE,
        peerMBpsMedian: percentile(peerMBps, 50),
        rawChannelMBpsMedian: percentile(rawRounds, 50),
        ratio: percentile(peerMBps, 50) / percentile(rawRounds, 50),
        /** Interleaved pairs: each peer round over the raw round right after it. */
        ratioPerRound: peerMBps.map((p, i) => p / rawRounds[i]!),
        firstByteMsP50: percentile(largeRounds.map((r) => r.firstMs), 50),
        /** Bytes over the whole fetch, first byte's wait included. */
        wholeFetchMBpsMedian: percentile(wholeMBps, 50),
        wholeFetchRatio: percentile(wholeMBps, 50) / percentile(rawRounds, 50),
        /** The raw channel relayed through a bare SW into a fetch (relay-channel.ts), and its ratios. */
        swRelayedMBpsMedian: percentile(relayRounds, 50),
        swRelayedOverRaw: percentile(relayRounds, 50) / percentile(rawRounds, 50),
        peerOverSwRelayed: percentile(peerMBps, 50) / percentile(relayRounds, 50),
        /** CPU (user + sys) of every Chromium process per round; raw / peer is the CPU efficiency. */
        cpuMs: {
          peerMedian: percentile(peerCpuMs, 50),
          rawMedian: percentile(rawCpuMs, 50),
          swRelayedMedian: percentile(relayCpuMs, 50),
          rawOverPeer: percentile(rawCpuMs, 50) / percentile(peerCpuMs, 50),
        },
      },
      roundsNotFromPeer: notPeer,
      roundsFromAnotherSource: wrongSource,
    };
    const mb = (n: number) => (n / 1e6).toFixed(2);
    console.log('\nDeployNet P2P benchmark: example site, 1 seeder + 1 first-time visitor, loopback namespace');
    console.log(`  ${result.chromium}`);
    console.log(`  first visit to /gallery.html (with the one-time reload): ${firstVisitMs} ms`);
    console.log(`    bytes by source   peer ${mb(first.bytes.peer)} MB   origin ${mb(first.bytes.origin)} MB   cache ${mb(first.bytes.cache)} MB`);
    console.log(`    requests          peer ${first.requests.peer}   origin ${first.requests.origin}   cache ${first.requests.cache}`);
    console.log(`  100 KiB asset from a warm peer (${ROUNDS_SMALL} rounds): p50 ${result.warmPeer100KiB.p50ms.toFixed(1)} ms, p95 ${result.warmPeer100KiB.p95ms.toFixed(1)} ms`);
    const lf = result.largeFile;
    console.log(`  ${mb(large.size)} MB file (${ROUNDS_LARGE} rounds, medians, first byte to last): peer ${lf.peerMBpsMedian.toFixed(2)} MB/s, raw RTCDataChannel ${lf.rawChannelMBpsMedian.toFixed(2)} MB/s, ratio ${lf.ratio.toFixed(2)}`);
    console.log(`    per round: ${lf.ratioPerRound.map((r) => r.toFixed(2)).join(' ')}; first byte after ${lf.firstByteMsP50.toFixed(0)} ms; whole fetch ${lf.wholeFetchMBpsMedian.toFixed(2)} MB/s (ratio ${lf.wholeFetchRatio.toFixed(2)})`);
    console.log(`    raw channel relayed through a bare SW into a fetch: ${lf.swRelayedMBpsMedian.toFixed(2)} MB/s (${lf.swRelayedOverRaw.toFixed(2)} of raw); peer / SW-relayed ${lf.peerOverSwRelayed.toFixed(2)}`);
    console.log(`    CPU, all Chromium processes: peer ${lf.cpuMs.peerMedian.toFixed(0)} ms (SW storing the file included), raw ${lf.cpuMs.rawMedian.toFixed(0)} ms, SW-relayed ${lf.cpuMs.swRelayedMedian.toFixed(0)} ms per round (raw/peer ${lf.cpuMs.rawOverPeer.toFixed(2)})`);
    const src = result.perSource100KiB;
    const line = (name: string, t: { p50ms: number; p95ms: number; rounds: number }) => console.log(`    ${name.padEnd(10)} p50 ${t.p50ms.toFixed(1)} ms, p95 ${t.p95ms.toFixed(1)} ms (${t.rounds} rounds)`);
    console.log('  100 KiB asset by source, through the SW:');
    line('cache', src.cache);
    line('warm peer', src.warmPeer);
    line('cold peer', src.coldPeer);
    line('origin', src.origin);
    console.log('    (cold peer: a new visitor\'s first page, connection set-up included; origin: loopback)');
    if (notPeer > 0) console.log(`  WARNING: ${notPeer} timed rounds were not served by a peer; their figures are not peer figures`);
    if (wrongSource > 0) console.log(`  WARNING: ${wrongSource} cache/origin rounds came from another source (${notCache} of them cache rounds)`);
    await mkdir('results', { recursive: true });
    await writeFile('results/bench-p2p.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log('  written to results/bench-p2p.json');
  } finally {
    await browser.close();
    await stack.close();
  }
}

await main();
process.exit(0);
