#!/usr/bin/env node
// Runs a command inside a fresh network namespace that has only loopback, so browsers, the
// signaling node and the origin can talk to each other over 127.0.0.1 and nothing can leave
// the machine (see /work/shared/chromium-webrtc-e2e.md).
//
//   node test/run-in-netns.mjs <command> [args...]
//
// As root: unshare -n; otherwise: unshare -rn (a user namespace mapping us to root inside).
// The child gets DEPLOYNET_NETNS=1. When that is already set we are inside: run the command as is.
// If the namespace cannot be made we exit non-zero with one sentence; we never fall back to
// running the command on the real network.
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';

const argv = process.argv.slice(2);
if (argv.length === 0) fail('usage: node test/run-in-netns.mjs <command> [args...]', 2);

const inside = process.env.DEPLOYNET_NETNS === '1';
// `ip` lives in /usr/sbin, which a non-root user's PATH often lacks.
const SBIN = 'PATH="$PATH:/usr/sbin:/sbin"';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

let file;
let args;
if (inside) {
  [file, ...args] = argv;
} else {
  for (const tool of ['unshare', 'ip']) {
    if (!onPath(tool)) {
      fail(`run-in-netns: \`${tool}\` was not found; install util-linux and iproute2 (apt-get install util-linux iproute2) so tests can run in a loopback-only network namespace.`);
    }
  }
  // Probe first, so a refusal (no privileges, user namespaces disabled) gets a clear message
  // instead of being confused with the test command's own exit code.
  const probe = spawnSync('unshare', [isRoot ? '-n' : '-rn', 'sh', '-c', `${SBIN} ip link set lo up`], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = (probe.error?.message ?? probe.stderr ?? '').trim().split('\n')[0];
    fail(`run-in-netns: could not create a loopback-only network namespace${why ? ` (${why})` : ''}; run as root, or enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), with util-linux and iproute2 installed.`);
  }
  file = 'unshare';
  // "$@" keeps every argument intact; `exec` makes the command the namespace's process, so
  // signals and the exit status reach us directly.
  args = [isRoot ? '-n' : '-rn', 'sh', '-c', `${SBIN} ip link set lo up && exec "$@"`, 'sh', ...argv];
}

const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, DEPLOYNET_NETNS: '1' } });

const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of forwarded) process.on(signal, forward);

child.on('error', (err) => {
  const detail = err.code === 'ENOENT' ? `\`${file}\` was not found on PATH` : err.message;
  fail(`run-in-netns: could not start the command: ${detail}.`, 127);
});

child.on('exit', (code, signal) => {
  for (const s of forwarded) process.off(s, forward);
  if (signal) {
    // Die of the same signal, so callers see what happened; fall back to 128+n if it is ignored.
    process.kill(process.pid, signal);
    process.exit(128 + (constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
});

function onPath(tool) {
  const r = spawnSync('sh', ['-c', `${SBIN} command -v ${tool}`], { stdio: 'ignore' });
  return r.status === 0;
}

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
