/**
 * Runs one scenario: visitors arrive (steady, or a flash crowd on top of a steady trickle), each
 * with its own last mile (round trip, up and down rates drawn from the scenario's distributions),
 * stays for a drawn session length and leaves; a share are returning visitors with the whole site
 * cached, a share malicious. Everything runs on one simulated clock (event-queue.ts).
 */
import { SimClock } from './event-queue.js';
import { Metrics } from './metrics.js';
import { Pipe } from './network.js';
import { visit } from './page-load.js';
import { Rng, draw, type Distribution } from './rng.js';
import { HEARTBEAT_MS, SignalModel } from './signal-model.js';
import type { SimSite } from './site.js';
import { Visitor } from './visitor.js';
import type { SimSettings, World } from './world.js';

export type Arrivals =
  | { readonly kind: 'steady' }
  /** `share` of the visitors arrive in a burst from `atMs`, exponentially spread with mean `meanMs`. */
  | { readonly kind: 'flash'; readonly atMs: number; readonly meanMs: number; readonly share: number }
  /** One after another, `gapMs` apart (the reality check). */
  | { readonly kind: 'sequential'; readonly gapMs: number };

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly visitors: number;
  /** Simulated time: arrivals spread over it, and the run stops at its end. */
  readonly durationMs: number;
  readonly arrivals: Arrivals;
  /** Time a visitor stays, ms. */
  readonly session: Distribution;
  readonly rttMs: Distribution;
  readonly upBytesPerSec: Distribution;
  readonly downBytesPerSec: Distribution;
  readonly maliciousShare: number;
  readonly returningShare: number;
  /** Signal nodes (K > 1: they share membership as through Redis). */
  readonly nodes: number;
  /** The origin's shared sending rate, bytes/s (Infinity: never the bottleneck). */
  readonly originBytesPerSec: number;
  readonly settings: SimSettings;
  readonly bucketMs: number;
  readonly seed: number;
}

/** Arrival times, ascending. */
export function arrivalTimes(s: Scenario, rng: Rng): Float64Array {
  const times = new Float64Array(s.visitors);
  const a = s.arrivals;
  for (let i = 0; i < s.visitors; i++) {
    if (a.kind === 'sequential') times[i] = i * a.gapMs;
    else if (a.kind === 'flash' && rng.chance(a.share)) times[i] = Math.min(s.durationMs - 1, a.atMs + rng.exponential(a.meanMs));
    else times[i] = rng.next() * s.durationMs;
  }
  return times.sort();
}

export interface SimRun {
  readonly world: World;
  readonly metrics: Metrics;
  readonly signal: SignalModel;
  /** Errors thrown inside a visit (a bug in the simulator or the code under test). */
  readonly errors: string[];
}

/** Hears the run's progress every `everyMs` of simulated time. */
export interface Progress {
  readonly everyMs: number;
  report(simulatedMs: number, online: number, events: number): void;
}

export async function simulate(s: Scenario, site: SimSite, progress?: Progress): Promise<SimRun> {
  const rng = new Rng(s.seed);
  const clock = new SimClock();
  const metrics = new Metrics(() => clock.now(), s.bucketMs, s.nodes);
  const signal = new SignalModel(s.nodes, new Rng(s.seed ^ 0x5bd1e995));
  signal.onMessage = (node, kind, n) => metrics.message(node, kind, n);
  const world: World = { clock, rng, seed: s.seed, site, settings: s.settings, signal, origin: new Pipe(s.originBytesPerSec), metrics, online: new Map() };
  const errors: string[] = [];
  const times = arrivalTimes(s, rng);
  const files = Object.values(site.manifest.files).map((f) => f.sha256);

  const arrive = (i: number) => {
    metrics.arrivals++;
    const profile = { rttMs: draw(rng, s.rttMs), up: new Pipe(draw(rng, s.upBytesPerSec)), down: new Pipe(draw(rng, s.downBytesPerSec)) };
    const malicious = rng.chance(s.maliciousShare);
    const returning = !malicious && rng.chance(s.returningShare);
    const v = new Visitor(world, `p${i.toString(36)}x${Math.floor(rng.next() * 1e9).toString(36)}`, i % s.nodes, profile, malicious, clock.now());
    world.online.set(v.id, v);
    clock.schedule(draw(rng, s.session), () => v.depart());
    if (malicious || returning) for (const sha of files) v.cache(sha);
    const run = malicious ? v.startBridge() : visit(v);
    run.catch((error: unknown) => errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error)));
    if (i + 1 < times.length) clock.schedule(times[i + 1]! - clock.now(), () => arrive(i + 1));
  };
  if (times.length > 0) clock.schedule(times[0]!, () => arrive(0));

  const SAMPLE_MS = 1000;
  const sample = () => {
    metrics.sample(world.online.size);
    const perNode = new Array<number>(s.nodes).fill(0);
    for (const v of world.online.values()) perNode[v.node]! += 1;
    // PeerJS heartbeats: one per connected peer per HEARTBEAT_MS, counted, not simulated.
    perNode.forEach((n, node) => n > 0 && signal.count(node, 'heartbeat', (n * SAMPLE_MS) / HEARTBEAT_MS));
    clock.schedule(SAMPLE_MS, sample);
  };
  clock.schedule(0, sample);
  if (progress) {
    const tell = () => {
      progress.report(clock.now(), world.online.size, clock.events);
      clock.schedule(progress.everyMs, tell);
    };
    clock.schedule(progress.everyMs, tell);
  }
  await clock.run(s.durationMs);
  for (const v of world.online.values()) metrics.departed(v); // still online at the end
  return { world, metrics, signal, errors };
}
