/**
 * `npm run simulate -- <scenario>`: runs a named scenario (scenarios.ts), prints a summary, writes
 * results/sim/<scenario>/ (and the charts to docs/sim/<scenario>/), and prints wall time and peak memory. `list` names the scenarios.
 * `reality-check` also prints the real Chromium offload for the same 4 visitors from the latest
 * results/bench-offload.json (npm run bench:offload), with its date.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSummary, summarize, writeOutputs, type Summary } from './report.js';
import { SCENARIOS } from './scenarios.js';
import { exampleSite } from './site.js';
import { simulate } from './simulator.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function realOffload(visitors: number): Promise<string> {
  const file = join(ROOT, 'results', 'bench-offload.json');
  try {
    const bench = JSON.parse(await readFile(file, 'utf8')) as { date?: unknown; results?: unknown };
    const rows = Array.isArray(bench.results) ? (bench.results as Array<Record<string, unknown>>) : [];
    const row = rows.find((r) => r.visitors === visitors && r.arrival === 'one after another');
    if (!row || typeof row.offload !== 'number') return `no ${visitors}-visitor row in ${file}`;
    return `${(row.offload * 100).toFixed(1)}% (ideal ${(Number(row.ideal) * 100).toFixed(0)}%), real Chromium, ${file} of ${String(bench.date)}`;
  } catch {
    return `no ${file}: run npm run bench:offload first`;
  }
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
  const scenario = SCENARIOS[name]!;
  const site = exampleSite(join(ROOT, 'examples', 'site'));
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
  if (name === 'reality-check') {
    console.log(`offload, the benchmark's formula: simulator ${(summary.benchOffload * 100).toFixed(1)}%; ${await realOffload(scenario.visitors)}`);
  }
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  console.log(`wrote ${written.join(', ')}`);
  const used = process.cpuUsage(cpu);
  console.log(`wall time ${((performance.now() - started) / 1000).toFixed(1)} s (CPU ${((used.user + used.system) / 1e6).toFixed(1)} s); peak rss ${(peakRss / 1e6).toFixed(0)} MB, peak heapUsed ${(peakHeap / 1e6).toFixed(0)} MB`);
  return summary.badChunksServed === 0 && summary.errors.length === 0 ? 0 : 1;
}

process.exitCode = await main();
