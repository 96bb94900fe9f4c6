/**
 * CPU time (user + system) of a process and all its descendants, from /proc (Linux only): what
 * the benchmarks report next to wall time, because on a shared 2-core machine wall time moves
 * with other people's load while the CPU a transfer costs hardly does.
 *
 * For Chromium, the tree under the browser process is every renderer (pages, service workers),
 * the network service and the GPU process: the whole cost of a transfer, wherever it runs.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on every Linux build we run on. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  readonly ppid: number;
  readonly ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // the process ended while we looked
  }
}

/** Milliseconds of CPU used so far by `rootPid` and its descendants (living ones: a child that exited is not counted). */
export function treeCpuMs(rootPid: number): number {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return Number.NaN; // not Linux
  }
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (!stat) continue;
    const pid = Number(entry);
    ticks.set(pid, stat.ticks);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  if (!ticks.has(rootPid)) return Number.NaN;
  let total = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return (total * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU milliseconds so far of every thread in `rootPid`'s tree, keyed `pid type/thread`: the
 * process's Chromium `--type` (browser for the root) and the thread's name. For finding where a
 * transfer's CPU goes (p2p-bench.ts with DEPLOYNET_BENCH_THREADS=1); Linux only, empty elsewhere.
 */
export function threadCpuMs(rootPid: number): Map<string, number> {
  const out = new Map<string, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    stack.push(...(children.get(pid) ?? []));
    let type = 'browser';
    try {
      // Chromium rewrites its children's command lines into one space-separated string.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
      type = cmdline.find((a) => a.startsWith('--utility-sub-type='))?.slice(19) ?? cmdline.find((a) => a.startsWith('--type='))?.slice(7) ?? type;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const stat = readStat(`${pid}/task/${tid}`);
        const key = `${pid} ${type}/${name}`;
        if (stat) out.set(key, (out.get(key) ?? 0) + (stat.ticks * 1000) / TICKS_PER_SECOND);
      }
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** `after - before` per key, largest first, the first `count`. */
export function topDeltas(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, count: number): Array<[string, number]> {
  return [...after].map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)]).filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]).slice(0, count);
}
