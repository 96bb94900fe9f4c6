/**
 * Issue 5's signaling benchmark (not a test): how many peers one signal node holds and what each
 * costs in memory, and how fast it relays, next to stock PeerServer measured in the same run.
 *
 *   npm run bench:signal   (= build, then this file under vite-node; no browser, no namespace)
 *
 * Three cases, one after another; every server in a child process of its own
 * (signal-servers.ts), the clients (signal-relay.ts) in LOAD_PROCESSES load processes (load-clients.ts over
 * load-process.ts running peerjs-load.ts: WebSocket clients speaking PeerServer's protocol as
 * PeerJS does, heartbeats included), so that a server's memory and CPU are its own and the
 * generator's garbage collections stay small:
 *
 *   stock      PeerServer (`peer` 1.0.2) alone, defaults but concurrent_limit
 *   deploynet  one DeployNet node (dist/index.js) with swarms, limits and metrics on; every client
 *              joins a swarm after OPEN, as the page does. The per-address limits are on, sized
 *              for one address (127.0.0.1: the generator) holding every peer (LIMITS below)
 *   two-nodes  two DeployNet nodes sharing a real redis-server, half the clients on each
 *
 * Memory (fresh servers): a warm-up (WARMUP_PEERS clients connect, relay, leave), the servers'
 * memory after three GCs with no clients, then again at each step of STEPS clients: memory per
 * peer is (memory at N - memory at 0) / N, as RSS and as V8 heap used + external.
 * Relay (fresh servers again: forced GCs disturb a server's latency for seconds after): PEERS
 * clients connected, OFFERs at RATE per second between random pairs (two nodes: senders on A,
 * receivers on B, so every message crosses Redis), WARMUP_RELAY_MS unmeasured then RELAY_MS
 * measured: one-way latency p50/p99 at the receiving client, losses, server CPU, and the
 * event-loop delay of the servers and of the load processes (which tells whose stall a tail is). A DeployNet
 * node's /metrics must show no rejection at all, or the bench fails (the limits shaped the load).
 *
 * Prints a table with the aims and writes results/bench-signal.json.
 *
 * Quick mode, for working on the node's relay (signal-quick.ts): SIGNAL_BENCH_QUICK=N runs only
 * the relay of stock PeerServer and of one DeployNet node, side by side, N rounds, prints the
 * ratios and writes nothing; SIGNAL_BENCH_PROFILE=DIR adds CPU profiles of the servers' measured
 * windows; SIGNAL_BENCH_SERVER_FLAGS adds Node flags to the servers (e.g. --trace-gc);
 * SIGNAL_BENCH_BASELINE=PATH adds a node from another build (its dist/index.js) to each round.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { redisServerBinary, startRedis } from '../../signal/cluster-test-kit.js';
import { type CaseName, type CaseResult, type MemoryStep, aims, kb, ms, printAims, printTable } from './signal-report.js';
import { FDS, LIMITS, LOAD_PROCESS_COUNT, PEERS, RATE, RELAY_MS, RELAY_TIMING, SETTLE_MS, WANTED_PEERS, measureRelay, sleep, startClients } from './signal-relay.js';
import { runQuick } from './signal-quick.js';
import { type ServerChild, type ServerSample, startServer } from './signal-servers.js';

const WARMUP_PEERS = 500;
/** A load process's own event-loop stall above this is worth a note next to the figures. */
const GENERATOR_STALL_MS = 50;
const STEPS = [...new Set([1000, 5000, PEERS].filter((n) => n <= PEERS))];

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

async function redisUsedMemory(redis: Redis): Promise<number> {
  const match = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
  if (!match) throw new Error('redis INFO memory has no used_memory');
  return Number(match[1]);
}

/** Memory per peer on fresh servers: warm-up, baseline with no clients, then each step. */
async function measureMemory(name: CaseName, servers: readonly ServerChild[], redis: Redis | undefined): Promise<{ baseline: ServerSample[]; memory: MemoryStep[] }> {
  const clients = await startClients(servers);
  try {
    // JIT, lazily built state and pools, so that the baseline is the idle server.
    await clients.connectTo(WARMUP_PEERS);
    await clients.relay(RATE / 2, 1000, servers.length > 1);
    await clients.leave();
    await sleep(SETTLE_MS);
    const baseline = await Promise.all(servers.map((s) => s.sample()));
    const redisBase = redis === undefined ? 0 : await redisUsedMemory(redis);
    const memory: MemoryStep[] = [];
    for (const peers of STEPS) {
      const t0 = Date.now();
      await clients.connectTo(peers);
      await sleep(SETTLE_MS);
      const now = await Promise.all(servers.map((s) => s.sample()));
      const grew = (pick: (s: ServerSample) => number) => (sum(now.map(pick)) - sum(baseline.map(pick))) / peers;
      const step: MemoryStep = {
        peers,
        rssBytesPerPeer: grew((s) => s.rss),
        heapExternalBytesPerPeer: grew((s) => s.heapUsed + s.external),
        ...(redis !== undefined && { redisBytesPerPeer: ((await redisUsedMemory(redis)) - redisBase) / peers }),
      };
      memory.push(step);
      console.log(
        `    ${name}: ${clients.size} peers (connected in ${((Date.now() - t0) / 1000).toFixed(1)} s): RSS ${kb(step.rssBytesPerPeer)}/peer, ` +
          `heap+external ${kb(step.heapExternalBytesPerPeer)}/peer${step.redisBytesPerPeer === undefined ? '' : `, Redis ${kb(step.redisBytesPerPeer)}/peer`}`,
      );
    }
    return { baseline, memory };
  } finally {
    await clients.kill();
  }
}

/** Memory on one set of servers, then relay on a fresh set. */
async function runCase(name: CaseName, start: () => Promise<ServerChild[]>, redis?: Redis): Promise<CaseResult> {
  const on = async <T>(measure: (servers: ServerChild[]) => Promise<T>): Promise<T> => {
    await redis?.flushall();
    const servers = await start();
    try {
      return await measure(servers);
    } finally {
      for (const s of servers) await s.kill();
    }
  };
  const { baseline, memory } = await on((servers) => measureMemory(name, servers, redis));
  const relayed = await on((servers) => measureRelay(name, servers));
  return { name, servers: baseline.length, baseline, memory, ...relayed };
}

/** Fails when a node refused anything (then the limits, not the node, shaped the figures) or a message went astray. */
function check(result: CaseResult): void {
  for (const [i, m] of (result.metrics ?? []).entries()) {
    const refused = Object.entries(m).filter(([k, v]) => k.startsWith('deploynet_signal_rejections_total') && v > 0);
    if (refused.length > 0) throw new Error(`${result.name}: node ${i} refused clients or messages (${refused.map(([k, v]) => `${k} ${v}`).join(', ')}); its limits throttled the load`);
  }
  if (result.relay.misrouted > 0) throw new Error(`${result.name}: ${result.relay.misrouted} OFFERs reached the wrong client, with a wrong src, or twice`);
}

async function main(): Promise<void> {
  const quick = process.env.SIGNAL_BENCH_QUICK;
  if (quick !== undefined && quick !== '') {
    await runQuick(quick, process.env.SIGNAL_BENCH_PROFILE, process.env.SIGNAL_BENCH_BASELINE);
    return;
  }
  try {
    redisServerBinary();
  } catch {
    throw new Error('redis-server is not installed; install it (on Debian: apt-get install redis-server) to run bench:signal.');
  }
  console.log(`\nDeployNet signal benchmark: ${PEERS} peers, ${RATE} OFFERs/s for ${RELAY_MS / 1000} s; stock PeerServer, a DeployNet node, two DeployNet nodes + Redis`);
  if (PEERS < WANTED_PEERS) console.log(`  NOTE: ulimit -n is ${FDS}, so a server here holds ${PEERS} peers, not ${WANTED_PEERS}: the figures are for ${PEERS}.`);
  console.log(`  DeployNet limits, sized for one address holding every peer: ${JSON.stringify(LIMITS)}`);
  const loadBefore = loadavg()[0] ?? 0;
  if (loadBefore > 0.5 * availableParallelism()) console.log(`  NOTE: the machine is busy before the bench starts (load average ${loadBefore.toFixed(2)} on ${availableParallelism()} cores): latency figures will be noisy.`);

  const results: CaseResult[] = [];
  results.push(await runCase('stock', async () => [await startServer('stock', { maxPeers: LIMITS.maxPeers })]));
  results.push(await runCase('deploynet', async () => [await startServer('deploynet', LIMITS)]));
  const redisServer = await startRedis();
  const redis = new Redis(redisServer.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const options = { ...LIMITS, redis: redisServer.url };
    results.push(await runCase('two-nodes', async () => [await startServer('deploynet', options), await startServer('deploynet', options)], redis));
  } finally {
    redis.disconnect();
    await redisServer.kill();
  }

  const [stock, node, two] = results;
  const loadAfter = loadavg()[0] ?? 0;
  if (!stock || !node || !two) throw new Error('a case is missing');
  console.log('');
  printTable(results);
  const aimList = aims(stock, node, two);
  printAims(aimList);
  for (const r of results) {
    if (r.relay.generatorLoopDelayMaxMs > GENERATOR_STALL_MS) {
      console.log(`  ${r.name}: a load process stalled for ${ms(r.relay.generatorLoopDelayMaxMs)} while sending (server: ${ms(r.relay.serverLoopDelayMaxMs)}); part of this case's tail is the generator's`);
    }
    const other = Object.entries(r.otherMessages);
    if (other.length > 0) console.log(`  ${r.name}: clients also received ${other.map(([t, n]) => `${n} ${t}`).join(', ')}`);
  }

  await mkdir('results', { recursive: true });
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    fdLimit: FDS,
    peers: PEERS,
    steps: STEPS,
    loadProcesses: LOAD_PROCESS_COUNT,
    cores: availableParallelism(),
    loadAverage: { before: loadBefore, after: loadAfter },
    relay: RELAY_TIMING,
    deploynetLimits: LIMITS,
    memoryNote: 'per peer = (server memory at N peers - at 0 peers after a warm-up) / N, each after three full GCs; RSS, and V8 heapUsed + external',
    aims: aimList,
    cases: results,
  };
  await writeFile('results/bench-signal.json', `${JSON.stringify(out, null, 2)}\n`);
  console.log('  written to results/bench-signal.json');
  for (const r of results) check(r);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error('\nsignal bench FAILED:', error instanceof Error ? error.message : error);
  process.exit(1);
}
