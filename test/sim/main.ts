/**
 * `npm run simulate -- <scenario>`: runs a named scenario (scenarios.ts), prints a summary, writes
 * results/sim/<scenario>/ (and the charts to docs/sim/<scenario>/), and prints wall time, CPU time
 * and peak memory. `list` names the scenarios.
 *
 * `reality-check` prints the simulator's offload next to real Chromium's for the same 4 visitors
 * (reality-check.ts): from the latest results/bench-offload.json (its date printed), or measured in
 * the same run with `--real` (npm run build first; inside node test/run-in-netns.mjs).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstVisitOverhead, measuredRealSide, recordedRealSide, type RealSide } from './reality-check.js';
import { printSummary, summarize, writeOutputs, type Summary } from './report.js';
import { SCENARIOS } from './scenarios.js';
import { exampleSite, type SimSite } from './site.js';
import { simulate } from './simulator.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The real side of the reality check, or why there is none (one sentence). */
async function realSide(live: boolean, visitors: number): Promise<RealSide | string> {
  try {
    return live ? await measuredRealSide(visitors) : await recordedRealSide(join(ROOT, 'results', 'bench-offload.json'), visitors);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function printRealityCheck(sim: Summary, real: RealSide | string, site: SimSite): void {
  if (typeof real === 'string') {
    console.log(`offload, the benchmark's formula: simulator ${pct(sim.benchOffload)}; real: ${real}`);
    return;
  }
  console.log(`\nreality check: ${real.swarm.visitors} first-time visitors one after another (offload = 1 - origin bytes until the last page loaded / page bytes)`);
  console.log(`  real Chromium   ${pct(real.swarm.offload).padStart(6)}   origin ${(real.swarm.originBytes / 1e6).toFixed(2)} MB, pages ${(real.swarm.pageBytes / 1e6).toFixed(2)} MB   (${real.source})`);
  console.log(`  simulator       ${pct(sim.benchOffload).padStart(6)}   first visit beyond its page: ${(site.bootstrapBytes / 1e3).toFixed(0)} kB, from the real lone visitor's origin - page bytes`);
  console.log(`  difference      ${((sim.benchOffload - real.swarm.offload) * 100).toFixed(1)} points; ideal (N-1)/N ${pct((real.swarm.visitors - 1) / real.swarm.visitors)}`);
}

async function main(): Promise<number> {
  const name = process.argv[2];
  if (name === undefined || name === 'list') {
    for (const s of Object.values(SCENARIOS)) console.log(`${s.name.padEnd(26)} ${s.description}`);
    return 0;
  }
  if (!(name in SCENARIOS)) {
    console.error(`No scenario named "${name}"; one of: ${Object.keys(SCENARIOS).join(', ')}.`);
    return 1;
  }
  const flags = process.argv.slice(3);
  const live = flags.includes('--real');
  const unknown = flags.filter((f) => f !== '--real');
  if (unknown.length > 0 || (live && name !== 'reality-check')) {
    console.error(unknown.length > 0 ? `Unknown option ${unknown[0]}; the only option is --real (with reality-check).` : '--real goes with reality-check only.');
    return 1;
  }
  const scenario = SCENARIOS[name]!;
  let site = exampleSite(join(ROOT, 'examples', 'site'));
  // The real side first: its lone visitor says what a first visit costs beyond the page.
  const real = name === 'reality-check' ? await realSide(live, scenario.visitors) : null;
  if (real !== null && typeof real !== 'string') site = { ...site, bootstrapBytes: firstVisitOverhead(real.lone) };
  const started = performance.now();
  const cpu = process.cpuUsage();
  let peakRss = 0;
  let peakHeap = 0;
  const watch = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 500);
  // Error stacks are never read here, and capturing them is a tenth of the run (DeployNetError, AbortError).
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const run = await simulate(scenario, site, {
    everyMs: Math.max(60_000, scenario.durationMs / 12),
    report: (ms, online, events) => {
      const rss = process.memoryUsage().rss;
      peakRss = Math.max(peakRss, rss);
      console.log(`  minute ${(ms / 60_000).toFixed(0)}: ${online} online, ${events} events, ${((performance.now() - started) / 1000).toFixed(0)} s wall, rss ${(rss / 1e6).toFixed(0)} MB`);
    },
  });
  Error.stackTraceLimit = stackLimit;
  clearInterval(watch);
  const summary: Summary = summarize(scenario, run);
  printSummary(summary);
  const written = await writeOutputs(join(ROOT, 'results', 'sim', scenario.name), summary, join(ROOT, 'docs', 'sim', scenario.name));
  if (real !== null) printRealityCheck(summary, real, site);
  if (real !== null && typeof real !== 'string') {
    // Both sides of the comparison, next to the simulator's summary.
    const file = join(ROOT, 'results', 'sim', scenario.name, 'real.json');
    const both = { real, simulated: { benchOffload: summary.benchOffload, firstVisitBytes: site.bootstrapBytes }, differencePoints: (summary.benchOffload - real.swarm.offload) * 100 };
    await writeFile(file, `${JSON.stringify(both, null, 2)}\n`);
    written.push(file);
  }
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  console.log(`wrote ${written.join(', ')}`);
  const used = process.cpuUsage(cpu);
  console.log(`wall time ${((performance.now() - started) / 1000).toFixed(1)} s (CPU ${((used.user + used.system) / 1e6).toFixed(1)} s); peak rss ${(peakRss / 1e6).toFixed(0)} MB, peak heapUsed ${(peakHeap / 1e6).toFixed(0)} MB`);
  return summary.badChunksServed === 0 && summary.errors.length === 0 ? 0 : 1;
}

const code = await main();
// The real side (--real) starts signal nodes, and a PeerServer leaves timers behind after close()
// (as the benchmark, which exits the same way): without this, the process would never end.
process.exit(code);
