/**
 * What a run shows: a summary (JSON-able), a printed table, and the files under
 * results/sim/<scenario>/: summary.json and the charts offload.svg, origin.svg, page-load.svg,
 * signaling.svg, uploads.svg (the charts also under docs/sim/<scenario>/, which the README shows;
 * results/ is not in git).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Source } from '../../core/index.js';
import { barChart, lineChart } from '../bench/svg-chart.js';
import type { Scenario, SimRun } from './simulator.js';

const SOURCES: readonly Source[] = ['cache', 'peer', 'origin'];

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(q * s.length))]!);
  return { count: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s.length === 0 ? 0 : s[s.length - 1]! };
}

export interface Summary {
  readonly scenario: string;
  readonly description: string;
  readonly visitors: number;
  readonly simulatedMinutes: number;
  readonly events: number;
  readonly peakOnline: number;
  readonly bytes: Record<Source, number>;
  /** peer / (peer + origin): what peers took off the origin, cached bytes aside. */
  readonly offload: number;
  /** Mean over minutes with traffic of (N-1)/N, N the visitors online (weighted by bytes). */
  readonly idealOffload: number;
  readonly timeline: ReadonlyArray<{ readonly minute: number; readonly online: number; readonly originBytes: number; readonly peerBytes: number; readonly offload: number | null; readonly ideal: number; readonly signalPerSec: readonly number[] }>;
  readonly pageLoadMs: Record<Source, Percentiles>;
  readonly fileLoadMs: Record<Source, Percentiles>;
  readonly signaling: { readonly meanPerSec: number; readonly peakPerSec: number; readonly perNodeMeanPerSec: readonly number[]; readonly byKind: Record<string, number> };
  readonly uploads: { readonly limitBytesPerSec: number; readonly bytes: Percentiles; readonly shareOfLimit: Percentiles; readonly maxShareOfLimit: number; readonly overLimit: number };
  readonly dials: { readonly opened: number; readonly failed: number; readonly refused: number };
  readonly bans: number;
  readonly badChunksRejected: number;
  readonly badChunksServed: number;
  readonly abandonedVisits: number;
  readonly filledVisitors: number;
  readonly originRequests: number;
  /** Origin bytes by why: navigation, bootstrap, no-peer-session, rendezvous, after-peers. */
  readonly originBytesBy: Record<string, number>;
  /** 1 - origin bytes until the last page load / page bytes loaded (the offload benchmark's formula). */
  readonly benchOffload: number;
  readonly errors: readonly string[];
}

export function summarize(s: Scenario, run: SimRun): Summary {
  const m = run.metrics;
  const sum = (a: readonly number[]) => a.reduce((x, y) => x + y, 0);
  const bytes = { cache: sum(m.cache), peer: sum(m.peer), origin: sum(m.origin) };
  // Whole buckets of the run only: events at its very end would make a last, nearly empty one.
  const minutes = Math.min(Math.ceil(s.durationMs / m.bucketMs), Math.max(m.origin.length, m.peer.length, m.onlineSum.length));
  const perSec = m.bucketMs / 1000;
  const timeline = Array.from({ length: minutes }, (_, i) => {
    const online = (m.onlineSum[i] ?? 0) / Math.max(1, m.samples[i] ?? 0);
    const o = m.origin[i] ?? 0;
    const p = m.peer[i] ?? 0;
    return {
      minute: (i * m.bucketMs) / 60_000,
      online,
      originBytes: o,
      peerBytes: p,
      offload: o + p > 0 ? p / (o + p) : null,
      ideal: online > 1 ? (online - 1) / online : 0,
      signalPerSec: m.signal.map((series) => (series[i] ?? 0) / perSec),
    };
  });
  const traffic = timeline.filter((t) => t.offload !== null);
  const weight = sum(traffic.map((t) => t.originBytes + t.peerBytes));
  const totals = timeline.map((t) => sum(t.signalPerSec));
  const byKind: Record<string, number> = {};
  for (const c of run.signal.counts) for (const [k, n] of Object.entries(c.byKind)) byKind[k] = (byKind[k] ?? 0) + n;
  const shares = m.uploads.filter((u) => Number.isFinite(u.limit)).map((u) => u.bytes / u.limit);
  const seconds = s.durationMs / 1000;
  return {
    scenario: s.name,
    description: s.description,
    visitors: m.arrivals,
    simulatedMinutes: s.durationMs / 60_000,
    events: run.world.clock.events,
    peakOnline: m.peakOnline,
    bytes,
    offload: bytes.peer + bytes.origin > 0 ? bytes.peer / (bytes.peer + bytes.origin) : 0,
    idealOffload: weight > 0 ? sum(traffic.map((t) => t.ideal * (t.originBytes + t.peerBytes))) / weight : 0,
    timeline,
    pageLoadMs: Object.fromEntries(SOURCES.map((k) => [k, percentiles(m.pageLoads[k])])) as Record<Source, Percentiles>,
    fileLoadMs: Object.fromEntries(SOURCES.map((k) => [k, percentiles(m.fileLoads[k])])) as Record<Source, Percentiles>,
    signaling: {
      meanPerSec: sum(run.signal.counts.map((c) => c.total)) / seconds,
      peakPerSec: Math.max(0, ...totals),
      perNodeMeanPerSec: run.signal.counts.map((c) => c.total / seconds),
      byKind,
    },
    uploads: { limitBytesPerSec: s.settings.uploadRateBytesPerSec, bytes: percentiles(m.uploads.map((u) => u.bytes)), shareOfLimit: percentiles(shares), maxShareOfLimit: Math.max(0, ...shares), overLimit: shares.filter((x) => x > 1 + 1e-9).length },
    dials: { ...m.dials },
    bans: m.bans,
    badChunksRejected: m.badRejected,
    badChunksServed: m.badServed,
    abandonedVisits: m.abandoned,
    filledVisitors: m.filled,
    originRequests: m.originRequests,
    originBytesBy: { ...m.originBy },
    benchOffload: m.pageBytesLoaded > 0 ? 1 - m.originAtLastPageLoad / m.pageBytesLoaded : 0,
    errors: run.errors.slice(0, 10),
  };
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function printSummary(x: Summary): void {
  const rows: Array<[string, string]> = [
    ['scenario', `${x.scenario}: ${x.description}`],
    ['visitors / peak online', `${x.visitors} / ${x.peakOnline}`],
    ['simulated / events', `${x.simulatedMinutes} min / ${x.events}`],
    ['bytes cache / peer / origin', `${MB(x.bytes.cache)} / ${MB(x.bytes.peer)} / ${MB(x.bytes.origin)}`],
    ['offload (ideal (N-1)/N)', `${pct(x.offload)} (${pct(x.idealOffload)})`],
    ['origin bytes by why', Object.entries(x.originBytesBy).map(([k, n]) => `${k} ${MB(n)}`).join(', ')],
    ...SOURCES.map((k): [string, string] => [`page load ${k} (n, p50/p90/p99 ms)`, `${x.pageLoadMs[k].count}, ${Math.round(x.pageLoadMs[k].p50)} / ${Math.round(x.pageLoadMs[k].p90)} / ${Math.round(x.pageLoadMs[k].p99)}`]),
    ['signal msgs/s mean / peak', `${x.signaling.meanPerSec.toFixed(1)} / ${x.signaling.peakPerSec.toFixed(1)}`],
    ['signal msgs/s per node', x.signaling.perNodeMeanPerSec.map((n) => n.toFixed(1)).join(', ')],
    ['signal msgs by kind', Object.entries(x.signaling.byKind).map(([k, n]) => `${k} ${Math.round(n)}`).join(', ')],
    ['upload per visitor p50/p99/max', `${MB(x.uploads.bytes.p50)} / ${MB(x.uploads.bytes.p99)} / ${MB(x.uploads.bytes.max)} (limit ${x.uploads.limitBytesPerSec > 0 ? `${x.uploads.limitBytesPerSec} B/s` : 'none'})`],
    ['upload max share of limit / over', `${x.uploads.limitBytesPerSec > 0 ? pct(x.uploads.maxShareOfLimit) : 'n/a'} / ${x.uploads.overLimit}`],
    ['dials opened / failed / refused', `${x.dials.opened} / ${x.dials.failed} / ${x.dials.refused}`],
    ['bad chunks rejected / bans', `${x.badChunksRejected} / ${x.bans}`],
    ['BAD CHUNKS SERVED', String(x.badChunksServed)],
    ['abandoned visits / filled', `${x.abandonedVisits} / ${x.filledVisitors}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  if (x.errors.length > 0) console.log(`errors (${x.errors.length}):\n${x.errors.join('\n')}`);
}

/** Writes summary.json and the charts into `dir`, and the charts alone into `chartsDir` when given (docs/sim/<scenario>/, for the README). */
export async function writeOutputs(dir: string, x: Summary, chartsDir?: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  if (chartsDir !== undefined) await mkdir(chartsDir, { recursive: true });
  const minutes = x.timeline.map((t) => t.minute);
  const files: Record<string, string> = {
    'summary.json': `${JSON.stringify(x, null, 2)}\n`,
    'offload.svg': lineChart({
      title: `${x.scenario}: offload over time`,
      x: minutes,
      xLabel: 'simulated minute',
      xMax: x.simulatedMinutes,
      yLabel: 'share of page bytes from peers',
      yMax: 1,
      format: (v) => `${Math.round(v * 100)}%`,
      series: [
        { name: 'offload', values: x.timeline.map((t) => t.offload), color: '#2b7bb9' },
        { name: 'ideal (N-1)/N', values: x.timeline.map((t) => t.ideal), color: '#222222', dashed: true },
      ],
    }),
    'origin.svg': lineChart({
      title: `${x.scenario}: bytes per ${x.timeline.length > 1 ? `${(x.timeline[1]!.minute - x.timeline[0]!.minute) * 60} s` : 'bucket'}`,
      x: minutes,
      xLabel: 'simulated minute',
      xMax: x.simulatedMinutes,
      yLabel: 'MB to pages',
      format: (v) => v.toFixed(0),
      series: [
        { name: 'origin', values: x.timeline.map((t) => t.originBytes / 1e6), color: '#d9534f' },
        { name: 'peers', values: x.timeline.map((t) => t.peerBytes / 1e6), color: '#2b7bb9' },
      ],
    }),
    'page-load.svg': barChart({
      title: `${x.scenario}: page load time by main source`,
      categories: SOURCES.map((k) => `${k} (n=${x.pageLoadMs[k].count})`),
      yLabel: 'ms',
      series: [
        { name: 'p50', values: SOURCES.map((k) => (x.pageLoadMs[k].count ? x.pageLoadMs[k].p50 : null)), color: '#5cb85c' },
        { name: 'p90', values: SOURCES.map((k) => (x.pageLoadMs[k].count ? x.pageLoadMs[k].p90 : null)), color: '#f0ad4e' },
        { name: 'p99', values: SOURCES.map((k) => (x.pageLoadMs[k].count ? x.pageLoadMs[k].p99 : null)), color: '#d9534f' },
      ],
    }),
    'signaling.svg': lineChart({
      title: `${x.scenario}: signal messages per second, per node`,
      x: minutes,
      xLabel: 'simulated minute',
      xMax: x.simulatedMinutes,
      yLabel: 'messages/s',
      series: (x.timeline[0]?.signalPerSec ?? []).map((_, node) => ({ name: `node ${node}`, values: x.timeline.map((t) => t.signalPerSec[node] ?? 0), color: ['#2b7bb9', '#d9534f', '#5cb85c', '#f0ad4e', '#777777'][node % 5]! })),
    }),
    'uploads.svg': barChart({
      title: `${x.scenario}: upload per visitor against its limit`,
      categories: ['p50', 'p90', 'p99', 'max'],
      yLabel: 'uploaded / (burst + rate x time online)',
      yMax: 1,
      format: (v) => `${Math.round(v * 100)}%`,
      series: [{ name: 'uploaded / limit', values: [x.uploads.shareOfLimit.p50, x.uploads.shareOfLimit.p90, x.uploads.shareOfLimit.p99, x.uploads.shareOfLimit.max], color: '#2b7bb9' }],
      marks: { name: 'limit', values: [1, 1, 1, 1] },
    }),
  };
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
    written.push(join(dir, name));
    if (chartsDir !== undefined && name.endsWith('.svg')) {
      await writeFile(join(chartsDir, name), text);
      written.push(join(chartsDir, name));
    }
  }
  return written;
}
