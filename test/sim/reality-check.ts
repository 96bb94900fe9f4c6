/**
 * The real side of `npm run simulate -- reality-check`: the offload benchmark's figures for a lone
 * first-time visitor and for 4 visitors one after another (real Chromium, real PeerServer, the
 * example site behind a 2 MB/s, 80 ms origin), either measured now (`--real`: the benchmark's own
 * scenario() in test/bench/offload-bench.ts, inside the loopback-only namespace) or read from the
 * latest results/bench-offload.json, whose date is printed with them.
 *
 * The lone visitor calibrates the one thing the simulator does not derive from the site: what a
 * first visit costs the origin beyond the page's own files (the page script, the SW and the signed
 * manifest, the uncontrolled first load the page stops and reloads under its SW, response
 * headers). The 4-visitor figure is the one compared; it is never fed back into the simulator.
 */
import { readFile } from 'node:fs/promises';

/** One row of the benchmark (offload-bench.ts's Scenario, the fields read here). */
export interface RealRow {
  readonly visitors: number;
  readonly originBytes: number;
  readonly pageBytes: number;
  readonly offload: number;
}

export interface RealSide {
  readonly lone: RealRow;
  readonly swarm: RealRow;
  /** Where the figures come from: "measured now, <chromium>" or "<file> of <date>". */
  readonly source: string;
}

/** Origin bytes a first visit costs beyond its page's files, by the lone visitor's row. */
export function firstVisitOverhead(lone: RealRow): number {
  return Math.max(0, lone.originBytes - lone.pageBytes);
}

function parseRow(value: unknown, visitors: number, file: string): RealRow {
  const rows = Array.isArray(value) ? (value as unknown[]) : [];
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const r = row as Record<string, unknown>;
    if (r.visitors !== visitors || r.arrival !== 'one after another') continue;
    if (typeof r.originBytes === 'number' && typeof r.pageBytes === 'number' && typeof r.offload === 'number') {
      return { visitors, originBytes: r.originBytes, pageBytes: r.pageBytes, offload: r.offload };
    }
  }
  throw new Error(`${file} has no complete ${visitors}-visitor "one after another" row: run npm run bench:offload, or reality-check --real.`);
}

/** The latest benchmark's figures, with the file's date. */
export async function recordedRealSide(file: string, visitors: number): Promise<RealSide> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`There is no ${file}: run npm run bench:offload first, or reality-check --real.`);
  }
  let bench: unknown;
  try {
    bench = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON: run npm run bench:offload again.`);
  }
  const b = (typeof bench === 'object' && bench !== null ? bench : {}) as Record<string, unknown>;
  return { lone: parseRow(b.results, 1, file), swarm: parseRow(b.results, visitors, file), source: `${file} of ${String(b.date ?? 'an unknown date')}` };
}

/**
 * Measures both rows now in real Chromium (npm run build first; run inside test/run-in-netns.mjs,
 * which keeps every socket on loopback).
 */
export async function measuredRealSide(visitors: number): Promise<RealSide> {
  // offload-bench.ts runs the whole benchmark when loaded as a script; this says it is imported.
  process.env.DEPLOYNET_OFFLOAD_BENCH_IMPORTED = '1';
  const { scenario } = await import('../bench/offload-bench.js');
  const { launchChromium } = await import('../browser/chromium.js');
  const browser = await launchChromium();
  try {
    const lone = await scenario(browser, 1, 'one after another');
    const swarm = await scenario(browser, visitors, 'one after another');
    return { lone, swarm, source: `measured now, ${await browser.version()}, ${new Date().toISOString()}` };
  } finally {
    await browser.close();
  }
}
