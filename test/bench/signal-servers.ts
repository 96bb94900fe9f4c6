/**
 * Signaling servers for bench:signal, each in a child process of its own so that its memory and
 * CPU are its own, not mixed with the load generator's:
 *
 *   stock      PeerServer from the `peer` package alone (PeerServer({ port, concurrent_limit })),
 *              WebSocket on /peerjs, key `peerjs`
 *   deploynet  startSignalNode from the built dist/index.js (npm run build), WebSocket on
 *              /peerjs/peerjs, key `deploynet`, with swarms, limits and metrics as shipped
 *
 * The child runs with --expose-gc and answers a `sample` request over IPC: three full GCs, then
 * process.memoryUsage() and process.cpuUsage(). So a memory figure is what the server holds live,
 * not garbage it has not collected yet. Forced GCs shrink the heap and leave the server doing
 * long GCs for seconds after (measured: 30-60 ms stalls up to 9 s later), so a latency
 * measurement never follows a `sample` on the same server; `load` (CPU time, and the server's
 * event-loop delay since the last `load`) answers without a GC.
 *
 * For diagnosis (bench:signal's quick mode, signal-quick.ts): `profile` runs V8's CPU profiler in
 * the child (node:inspector) and writes a .cpuprofile; SIGNAL_BENCH_SERVER_FLAGS adds Node flags,
 * and with --trace-gc each `load` also prints a marker line (time, CPU per thread) among the GC
 * lines, so a GC can be placed inside or outside the measured window.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERJS_KEY, PEERJS_MOUNT } from '../../core/swarm.js';
import type { SignalOptions } from '../../signal/signal-config.js';

const REPO = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** What a child says about itself after its GCs. */
export interface ServerSample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Process CPU time since it started, user + system, in ms. */
  readonly cpuMs: number;
}

export interface ServerLoad {
  /** Process CPU time since it started, user + system, in ms. */
  readonly cpuMs: number;
  /** The server's event-loop delay since the previous load() (or its start): p99 and max, in ms. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

export interface ServerChild {
  readonly kind: ServerKind;
  readonly pid: number;
  /** `http://127.0.0.1:PORT` */
  readonly httpUrl: string;
  /** The PeerServer WebSocket URL without a query. */
  readonly wsUrl: string;
  /** The PeerJS key its clients present. */
  readonly key: string;
  sample(): Promise<ServerSample>;
  /** CPU time and event-loop delay, with no GC first, so it can run around a latency measurement. */
  load(): Promise<ServerLoad>;
  /** Starts the V8 CPU profiler in the server; 'stop' writes its profile to `file` and resolves with the path. */
  profile(action: 'start' | 'stop', file?: string): Promise<string>;
  /** SIGKILL, and waits until it is gone. */
  kill(): Promise<void>;
}

export type ServerKind = 'stock' | 'deploynet';

/** The child's program: an ES module read from stdin, its imports resolved from the repository. */
const CHILD = `
const spec = JSON.parse(process.env.SIGNAL_BENCH_SERVER);
let port;
if (spec.kind === 'stock') {
  const { PeerServer } = await import('peer');
  port = await new Promise((resolve) => {
    const peerServer = PeerServer({ host: '127.0.0.1', port: 0, concurrent_limit: spec.maxPeers }, (server) => resolve(server.address().port));
    // PeerServer re-emits socket errors (a reset connection) on its app; unheard, they would end the process.
    peerServer.on('error', () => {});
  });
} else {
  const { startSignalNode } = await import(spec.dist ?? './dist/index.js');
  port = (await startSignalNode({ ...spec.options, port: 0, host: '127.0.0.1' })).port;
}
const { monitorEventLoopDelay } = await import('node:perf_hooks');
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const turn = () => new Promise((resolve) => setImmediate(resolve));
let session;
process.on('message', async (message) => {
  if (message === null || typeof message !== 'object') return;
  const { seq } = message;
  const c = () => process.cpuUsage();
  if (message.type === 'profile-start') {
    const { Session } = await import('node:inspector/promises');
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    process.send({ type: 'profile', seq, file: '' });
    return;
  }
  if (message.type === 'profile-stop') {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    (await import('node:fs')).writeFileSync(message.file, JSON.stringify(profile));
    process.send({ type: 'profile', seq, file: message.file });
    return;
  }
  if (message.type === 'load') {
    const cpu = c();
    // With --trace-gc, marks the measured window among the GC lines (same clock: ms since start).
    if (process.execArgv.includes('--trace-gc')) {
      // CPU ticks (user + system, 10 ms each) from /proc (Linux): the main (JS) thread's, and its helpers' by thread name.
      const fs = await import('node:fs');
      const threads = {};
      for (const t of fs.readdirSync('/proc/self/task')) {
        try {
          const stat = fs.readFileSync('/proc/self/task/' + t + '/stat', 'utf8');
          const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const who = t === String(process.pid) ? 'main' : name;
          threads[who] = (threads[who] ?? 0) + Number(f[11]) + Number(f[12]);
        } catch {}
      }
      console.log('[bench] load at ' + performance.now().toFixed(0) + ' ms, CPU user ' + (cpu.user / 1000).toFixed(0) + ' ms, system ' + (cpu.system / 1000).toFixed(0) + ' ms, ticks ' + JSON.stringify(threads));
    }
    process.send({ type: 'load', seq, cpuMs: (cpu.user + cpu.system) / 1000, loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6 });
    loop.reset();
    return;
  }
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await turn();
  }
  const m = process.memoryUsage();
  const cpu = c();
  process.send({ type: 'sample', seq, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, cpuMs: (cpu.user + cpu.system) / 1000 });
});
process.send({ type: 'ready', port });
`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`server child sent a bad ${what}: ${String(value)}`);
  return value;
}

function stopped(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts one server. `maxPeers` is stock PeerServer's concurrent_limit; a DeployNet node takes
 * its own SignalOptions (its maxPeers among them).
 */
export async function startServer(kind: 'stock', options: { readonly maxPeers: number }): Promise<ServerChild>;
export async function startServer(kind: 'deploynet', options: SignalOptions, dist?: string): Promise<ServerChild>;
export async function startServer(kind: ServerKind, options: SignalOptions | { readonly maxPeers: number }, dist?: string): Promise<ServerChild> {
  // `dist`: another build of the node (an absolute path to its dist/index.js), for A/B runs.
  const spec = kind === 'stock' ? { kind, maxPeers: options.maxPeers } : { kind, options, dist };
  // SIGNAL_BENCH_SERVER_FLAGS: extra Node flags for every server, for diagnosis (e.g. --trace-gc).
  const flags = (process.env.SIGNAL_BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, '--expose-gc', '--input-type=module'], {
    cwd: REPO,
    env: { ...process.env, SIGNAL_BENCH_SERVER: JSON.stringify(spec) },
    stdio: ['pipe', 'inherit', 'inherit', 'ipc'],
  });
  child.stdin?.end(CHILD);
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  let seq = 0;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start within 15 s`)), 15_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited (${code ?? signal}) before it was ready`));
    });
    child.on('message', (message: unknown) => {
      if (!isRecord(message)) return;
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(num(message.port, 'port'));
      } else if (message.type === 'sample' || message.type === 'load' || message.type === 'profile') {
        const seq = num(message.seq, 'seq');
        waiting.get(seq)?.(message);
        waiting.delete(seq);
      }
    });
  });
  const ask = (type: 'sample' | 'load' | 'profile-start' | 'profile-stop', file?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`${kind} server has exited (${child.exitCode ?? child.signalCode})`));
        return;
      }
      seq += 1;
      waiting.set(seq, resolve);
      child.send({ type, seq, file });
    });
  const httpUrl = `http://127.0.0.1:${port}`;
  const wsPath = kind === 'stock' ? '/peerjs' : `${PEERJS_MOUNT}/peerjs`;
  return {
    kind,
    pid: child.pid ?? -1,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}${wsPath}`,
    key: kind === 'stock' ? 'peerjs' : PEERJS_KEY,
    sample: async () => {
      const m = await ask('sample');
      return { rss: num(m.rss, 'rss'), heapUsed: num(m.heapUsed, 'heapUsed'), external: num(m.external, 'external'), arrayBuffers: num(m.arrayBuffers, 'arrayBuffers'), cpuMs: num(m.cpuMs, 'cpuMs') };
    },
    load: async () => {
      const m = await ask('load');
      return { cpuMs: num(m.cpuMs, 'cpuMs'), loopDelayP99Ms: num(m.loopDelayP99Ms, 'loopDelayP99Ms'), loopDelayMaxMs: num(m.loopDelayMaxMs, 'loopDelayMaxMs') };
    },
    profile: async (action, file) => {
      if (action === 'stop' && file === undefined) throw new Error('profile stop needs a file');
      const m = await ask(action === 'start' ? 'profile-start' : 'profile-stop', file);
      return String(m.file);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await stopped(child);
    },
  };
}
