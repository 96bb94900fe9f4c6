/**
 * bench:signal's relay measurement, shared by the full run (signal-bench.ts) and the quick
 * side-by-side mode (signal-quick.ts): PEERS clients connected to fresh servers, OFFERs at RATE
 * per second between random pairs (two nodes: senders on A, receivers on B, so every message
 * crosses Redis), WARMUP_RELAY_MS unmeasured then RELAY_MS measured: one-way latency p50/p99 at
 * the receiving client, losses, server CPU, and the event-loop delay of the servers and of the
 * load processes (which tells whose stall a tail is).
 */
import { spawnSync } from 'node:child_process';
import { LoadClients } from './load-clients.js';
import type { Endpoint } from './peerjs-load.js';
import { type CaseName, type CaseResult, type RelaySummary, ms } from './signal-report.js';
import type { ServerChild } from './signal-servers.js';

const WANTED_PEERS = 10_000;
const LOAD_PROCESSES = 4;
export const RATE = 1000;
const WARMUP_RELAY_MS = 2000;
export const RELAY_MS = 10_000;
const GRACE_MS = 3000;
const CONCURRENCY = 32;
const SWARMS = 16;
const ORIGIN = 'https://bench.deploynet.example';
/** After connecting, before measuring: let heartbeats start and queues drain. */
export const SETTLE_MS = 1000;

export const RELAY_TIMING = { perSecond: RATE, warmupMs: WARMUP_RELAY_MS, measuredMs: RELAY_MS } as const;
export const LOAD_PROCESS_COUNT = LOAD_PROCESSES;

/** File descriptors one process may open (each server and load process inherits it). */
function fdLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
}

export const FDS = fdLimit();
export { WANTED_PEERS };
/** The most peers one server can hold here (a few hundred descriptors spare), in thousands. */
export const PEERS = Math.min(WANTED_PEERS, Math.floor((FDS - 500) / 1000) * 1000);
/**
 * The node's limits, on but sized for one address holding every peer: PEERS connections, 2
 * messages per second per peer held (PeerJS heartbeats are 0.2 per second, the relay 0.1).
 */
export const LIMITS = { maxPeers: PEERS + 2000, maxConnectionsPerAddress: PEERS + 2000, messageRate: 2 * PEERS, messageBurst: 2 * PEERS } as const;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
export const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function endpointOf(server: ServerChild): Endpoint {
  return server.kind === 'stock' ? { wsUrl: server.wsUrl, key: server.key } : { wsUrl: server.wsUrl, key: server.key, joinBase: server.httpUrl };
}

export function startClients(servers: readonly ServerChild[]): Promise<LoadClients> {
  return LoadClients.start(servers.map(endpointOf), { processes: LOAD_PROCESSES, connect: { concurrency: CONCURRENCY, origin: ORIGIN, swarms: SWARMS }, graceMs: GRACE_MS });
}

/** Every deploynet_signal_* sample of a node's /metrics, `name{labels}` → value. */
export async function scrapeMetrics(server: ServerChild): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(deploynet_signal_\S+) (\S+)$/.exec(line);
    if (match) out[match[1]!] = Number(match[2]);
  }
  return out;
}

export interface RelayOptions {
  /** Writes CPU profiles of each server, over the connect phase and over the measured window, into this directory. */
  readonly profileDir?: string | undefined;
}

/** Relay latency with PEERS clients on fresh servers that never had a forced GC. */
export async function measureRelay(name: CaseName | 'baseline', servers: readonly ServerChild[], options: RelayOptions = {}): Promise<Pick<CaseResult, 'relay' | 'otherMessages' | 'metrics'>> {
  const clients = await startClients(servers);
  try {
    const { profileDir } = options;
    if (profileDir !== undefined) await Promise.all(servers.map((s) => s.profile('start')));
    await clients.connectTo(PEERS);
    if (profileDir !== undefined) await Promise.all(servers.map((s, i) => s.profile('stop', `${profileDir}/${name}-connect-${i}-${Date.now()}.cpuprofile`)));
    await sleep(SETTLE_MS);
    await clients.relay(RATE, WARMUP_RELAY_MS, servers.length > 1);
    if (profileDir !== undefined) await Promise.all(servers.map((s) => s.profile('start')));
    const before = await Promise.all(servers.map((s) => s.load()));
    const run = await clients.relay(RATE, RELAY_MS, servers.length > 1);
    const after = await Promise.all(servers.map((s) => s.load()));
    if (profileDir !== undefined) {
      const files = await Promise.all(servers.map((s, i) => s.profile('stop', `${profileDir}/${name}-${i}-${Date.now()}.cpuprofile`)));
      console.log(`    ${name}: CPU profiles ${files.join(', ')}`);
    }
    const cpuMs = sum(after.map((l) => l.cpuMs)) - sum(before.map((l) => l.cpuMs));
    const latencies = run.received.map((r) => r[1]).sort((a, b) => a - b);
    const relay: RelaySummary = {
      peers: clients.size,
      sent: run.sent,
      delivered: run.received.length,
      lost: run.sent - run.received.length - run.misrouted,
      misrouted: run.misrouted,
      offeredPerSecond: run.sent / (run.sendMs / 1000),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      serverCpuMsPerSecond: cpuMs / (run.sendMs / 1000),
      serverLoopDelayP99Ms: Math.max(...after.map((l) => l.loopDelayP99Ms)),
      serverLoopDelayMaxMs: Math.max(...after.map((l) => l.loopDelayMaxMs)),
      generatorLoopDelayP99Ms: run.loop.p99Ms,
      generatorLoopDelayMaxMs: run.loop.maxMs,
    };
    console.log(
      `    ${name}: relay among ${relay.peers} peers, ${relay.delivered}/${relay.sent} at ${relay.offeredPerSecond.toFixed(0)}/s: ` +
        `p50 ${ms(relay.p50Ms)}, p99 ${ms(relay.p99Ms)}, max ${ms(relay.maxMs)}, lost ${relay.lost}, server CPU ${relay.serverCpuMsPerSecond.toFixed(0)} ms/s, ` +
        `loop delay max: server ${ms(relay.serverLoopDelayMaxMs)}, generator ${ms(relay.generatorLoopDelayMaxMs)}`,
    );
    const metrics = servers[0]?.kind === 'deploynet' ? await Promise.all(servers.map(scrapeMetrics)) : undefined;
    return { relay, otherMessages: await clients.otherMessages(), ...(metrics && { metrics }) };
  } finally {
    await clients.kill();
  }
}
