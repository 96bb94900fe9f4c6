/**
 * A load process for bench:signal: a child Node process running one PeerLoad (peerjs-load.ts),
 * driven over IPC. The clients live outside the process that runs the bench so that the
 * generator's own garbage collections (10,000 WebSockets and their traffic make a heap of a
 * couple of hundred MB; its pauses land on the latency figures) stay small, and each case starts
 * with fresh heaps. Several load processes share the clients; latency is measured across them on
 * CLOCK_MONOTONIC (clockMs), which every process on the machine shares.
 *
 * The child is peerjs-load.ts and a small command loop, bundled by esbuild (bare imports stay
 * external and resolve from the repository's node_modules).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ConnectOptions, Endpoint, Received, Schedule } from './peerjs-load.js';

const REPO = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

const ENTRY = `
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PeerLoad } from './test/bench/peerjs-load.ts';
const load = new PeerLoad();
const handlers = {
  connect: ({ endpoint, count, options }) => load.connect(endpoint, count, options),
  expect: ({ run }) => load.expect(run),
  count: ({ run }) => load.count(run),
  collect: ({ run }) => load.collect(run),
  send: async ({ schedule }) => {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    await load.send(schedule);
    delay.disable();
    return { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 };
  },
  leave: () => load.leave(),
  status: () => ({ size: load.size, other: Object.fromEntries(load.other) }),
};
process.on('message', async ({ id, cmd, args }) => {
  try {
    process.send({ id, ok: true, result: (await handlers[cmd](args)) ?? null });
  } catch (error) {
    process.send({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
process.send({ id: 0, ok: true, result: 'ready' });
`;

let bundled: Promise<string> | undefined;

function childCode(): Promise<string> {
  bundled ??= build({
    stdin: { contents: ENTRY, resolveDir: REPO, loader: 'ts', sourcefile: 'load-process-child.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  }).then((b) => b.outputFiles[0]?.text ?? '');
  return bundled;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The generator's own event-loop delay while it sent (it adds to the latency it measures). */
export interface LoopDelay {
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface LoadStatus {
  readonly size: number;
  readonly other: Record<string, number>;
}

function parseReceived(value: unknown): Received[] {
  if (!Array.isArray(value)) throw new Error('load process: collect did not answer a list');
  return value.map((r: unknown) => {
    if (!Array.isArray(r) || typeof r[0] !== 'number' || typeof r[1] !== 'number' || typeof r[2] !== 'string' || typeof r[3] !== 'string') {
      throw new Error(`load process: bad received entry ${JSON.stringify(r)}`);
    }
    return [r[0], r[1], r[2], r[3]] as const;
  });
}

const num = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`load process: ${what} is not a number`);
  return value;
};

export class LoadProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #seq = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: unknown) => {
      if (!isRecord(message) || typeof message.id !== 'number') return;
      const waiter = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (message.ok === true) waiter?.resolve(message.result);
      else waiter?.reject(new Error(String(message.error)));
    });
    child.once('exit', (code, signal) => {
      for (const w of this.#waiting.values()) w.reject(new Error(`load process exited (${code ?? signal})`));
      this.#waiting.clear();
    });
  }

  static async start(): Promise<LoadProcess> {
    const child = spawn(process.execPath, ['--input-type=module'], { cwd: REPO, stdio: ['pipe', 'inherit', 'inherit', 'ipc'] });
    const load = new LoadProcess(child);
    const ready = new Promise<unknown>((resolve, reject) => load.#waiting.set(0, { resolve, reject }));
    child.stdin?.end(await childCode());
    await ready;
    return load;
  }

  #call(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#child.send({ id, cmd, args });
    });
  }

  /** Opens `count` more clients; resolves with their ids, in order. */
  async connect(endpoint: Endpoint, count: number, options: ConnectOptions): Promise<string[]> {
    const ids = await this.#call('connect', { endpoint, count, options });
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new Error('load process: connect did not answer ids');
    return ids;
  }

  async expect(run: number): Promise<void> {
    await this.#call('expect', { run });
  }

  async count(run: number): Promise<number> {
    return num(await this.#call('count', { run }), 'count');
  }

  async collect(run: number): Promise<Received[]> {
    return parseReceived(await this.#call('collect', { run }));
  }

  async send(schedule: Schedule): Promise<LoopDelay> {
    const result = await this.#call('send', { schedule });
    if (!isRecord(result)) throw new Error('load process: send answered nothing');
    return { p99Ms: num(result.p99Ms, 'p99Ms'), maxMs: num(result.maxMs, 'maxMs') };
  }

  /** Closes every client with a closing handshake. */
  async leave(): Promise<void> {
    await this.#call('leave');
  }

  async status(): Promise<LoadStatus> {
    const result = await this.#call('status');
    if (!isRecord(result) || !isRecord(result.other)) throw new Error('load process: bad status');
    const other: Record<string, number> = {};
    for (const [type, n] of Object.entries(result.other)) other[type] = num(n, type);
    return { size: num(result.size, 'size'), other };
  }

  /** SIGKILL (its clients' sockets close with it), and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }
}
