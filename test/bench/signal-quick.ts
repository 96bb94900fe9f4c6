/**
 * bench:signal's quick mode, for working on a node's relay latency: only the relay phase, stock
 * PeerServer and one DeployNet node side by side, several rounds (a fresh server each time, the
 * order flipped every round so that a machine getting busier or quieter hits both alike).
 * Nothing is written; it prints each run and, per round, the node's figures over stock's, then
 * the median ratios. On a shared machine a single run says little: judge by the ratios over
 * rounds, and by server CPU and event-loop stalls, which load elsewhere disturbs less than tails.
 *
 *   SIGNAL_BENCH_QUICK=3 npm run bench:signal
 *   SIGNAL_BENCH_QUICK=1 SIGNAL_BENCH_PROFILE=/tmp/prof npm run bench:signal   (CPU profiles; the
 *     profiler slows the servers, so latencies of a profiled run are not comparable)
 *   SIGNAL_BENCH_BASELINE=/abs/other/dist/index.js   adds a third server in every round: a node
 *     from another build (e.g. the last commit's), to compare a change with what it replaces
 */
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import type { CaseName, RelaySummary } from './signal-report.js';
import { LIMITS, PEERS, RATE, RELAY_MS, measureRelay } from './signal-relay.js';
import { type ServerChild, startServer } from './signal-servers.js';

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const FIGURES = [
  ['p50', (r: RelaySummary) => r.p50Ms],
  ['p99', (r: RelaySummary) => r.p99Ms],
  ['max', (r: RelaySummary) => r.maxMs],
  ['CPU', (r: RelaySummary) => r.serverCpuMsPerSecond],
  ['loop max', (r: RelaySummary) => r.serverLoopDelayMaxMs],
] as const;

type QuickCase = CaseName | 'baseline';

function start(name: QuickCase, baseline: string | undefined): Promise<ServerChild> {
  if (name === 'stock') return startServer('stock', { maxPeers: LIMITS.maxPeers });
  return name === 'baseline' ? startServer('deploynet', LIMITS, baseline) : startServer('deploynet', LIMITS);
}

async function relayOn(name: QuickCase, profileDir: string | undefined, baseline: string | undefined): Promise<RelaySummary> {
  const server = await start(name, baseline);
  try {
    const { relay, metrics } = await measureRelay(name, [server], { profileDir });
    const refused = Object.entries(metrics?.[0] ?? {}).filter(([k, v]) => k.startsWith('deploynet_signal_rejections_total') && v > 0);
    if (refused.length > 0) throw new Error(`${name}: the node refused clients or messages (${refused.map(([k, v]) => `${k} ${v}`).join(', ')})`);
    if (relay.misrouted > 0) throw new Error(`${name}: ${relay.misrouted} OFFERs went astray`);
    return relay;
  } finally {
    await server.kill();
  }
}

/** `rounds` is SIGNAL_BENCH_QUICK's text: a positive whole number. */
export async function runQuick(rounds: string, profileDir: string | undefined, baseline?: string): Promise<void> {
  const n = Number(rounds);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`SIGNAL_BENCH_QUICK must be a whole number of rounds from 1 to 20, not "${rounds}"`);
  if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });
  console.log(`\nbench:signal quick mode: relay only, stock PeerServer vs one DeployNet node, ${PEERS} peers, ${RATE} OFFERs/s for ${RELAY_MS / 1000} s, ${n} round(s)`);
  const ratios: number[][] = FIGURES.map(() => []);
  const baseRatios: number[][] = FIGURES.map(() => []);
  for (let round = 0; round < n; round++) {
    const cases: QuickCase[] = baseline === undefined ? ['stock', 'deploynet'] : ['stock', 'deploynet', 'baseline'];
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    const got = new Map<QuickCase, RelaySummary>();
    console.log(`  round ${round + 1} (load average ${(loadavg()[0] ?? 0).toFixed(2)})`);
    for (const name of order) got.set(name, await relayOn(name, profileDir, baseline));
    const stock = got.get('stock')!;
    const node = got.get('deploynet')!;
    const line = FIGURES.map(([label, pick], i) => {
      const ratio = pick(node) / pick(stock);
      ratios[i]!.push(ratio);
      return `${label} ${ratio.toFixed(2)}x`;
    });
    console.log(`    node / stock: ${line.join(', ')}`);
    const base = got.get('baseline');
    if (base !== undefined) {
      const baseLine = FIGURES.map(([label, pick], i) => {
        const ratio = pick(base) / pick(stock);
        baseRatios[i]!.push(ratio);
        return `${label} ${ratio.toFixed(2)}x`;
      });
      console.log(`    baseline / stock: ${baseLine.join(', ')}`);
    }
  }
  console.log(`\n  median node / stock over ${n} round(s): ${FIGURES.map(([label], i) => `${label} ${median(ratios[i]!).toFixed(2)}x`).join(', ')} (aim: p99 at most 1.25x)`);
  if (baseline !== undefined) console.log(`  median baseline / stock: ${FIGURES.map(([label], i) => `${label} ${median(baseRatios[i]!).toFixed(2)}x`).join(', ')}`);
}
