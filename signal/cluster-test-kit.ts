/**
 * Test kit for several signal nodes sharing Redis (not part of the node; nothing in index.ts
 * imports it): a real redis-server on a free port, and a signal node in a child process that a
 * test can kill outright (SIGKILL: no drain, no goodbye to Redis), which an in-process node
 * cannot imitate honestly.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { SignalOptions } from './signal-config.js';

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));

/** The redis-server binary, or a failure saying in one sentence how to get it. */
export function redisServerBinary(): string {
  if (existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path !== '') return path;
  throw new Error('redis-server is not installed: install it (on Debian: apt-get install redis-server) and run the tests again.');
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves with the first line of `stream` matching `pattern`, or fails after `ms`. */
function lineMatching(child: ChildProcess, pattern: RegExp, ms: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${ms} ms: ${seen}`)), ms);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((l) => pattern.test(l));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready: ${seen}`));
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** SIGKILL, and waits until it is gone. */
  kill(): Promise<void>;
}

/** Starts redis-server on a free port, no persistence, and waits until it accepts connections. */
export async function startRedis(port?: number): Promise<RedisServer> {
  const binary = redisServerBinary();
  const chosen = port ?? (await freePort());
  const child = spawn(binary, ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await lineMatching(child, /Ready to accept connections/, 10_000, 'redis-server');
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    kill: async () => {
      child.kill('SIGKILL');
      await stopped(child);
    },
  };
}

export interface ChildNode {
  readonly url: string;
  readonly port: number;
  /** SIGKILL: a crash. Resolves when the process is gone. */
  kill(): Promise<void>;
}

/** Starts a signal node (signal-node.ts, bundled by esbuild) in a child process. */
export async function startChildNode(options: SignalOptions): Promise<ChildNode> {
  const entry = [
    "import { startSignalNode } from './signal/signal-node.ts';",
    'const node = await startSignalNode(JSON.parse(process.env.SIGNAL_CHILD_OPTIONS));',
    "process.stdout.write(JSON.stringify({ url: node.url, port: node.port }) + '\\n');",
  ].join('\n');
  const bundle = await build({
    stdin: { contents: entry, resolveDir: REPO, loader: 'ts', sourcefile: 'child-node.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = bundle.outputFiles[0]?.text ?? '';
  // Bare imports of the stdin module resolve from cwd: the repository's node_modules.
  const child = spawn(process.execPath, ['--input-type=module'], {
    cwd: REPO,
    env: { ...process.env, SIGNAL_CHILD_OPTIONS: JSON.stringify({ port: 0, ...options }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin?.end(code);
  const line = await lineMatching(child, /^\{"url"/, 15_000, 'child signal node');
  const started: unknown = JSON.parse(line);
  if (typeof started !== 'object' || started === null || !('url' in started) || !('port' in started)) throw new Error(`child node said ${line}`);
  return {
    url: String(started.url),
    port: Number(started.port),
    kill: async () => {
      child.kill('SIGKILL');
      await stopped(child);
    },
  };
}

/** Polls the async `condition` until it holds or `ms` pass (a bounded wait, e.g. for a TTL). */
export async function eventually(condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
