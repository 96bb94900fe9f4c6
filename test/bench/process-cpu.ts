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

/** `rootPid` and its living descendants with their CPU ticks so far; null when there is no /proc or no such process. */
function tree(rootPid: number): Map<number, number> | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null; // not Linux
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
  if (!ticks.has(rootPid)) return null;
  const out = new Map<number, number>();
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.set(pid, ticks.get(pid) ?? 0);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Milliseconds of CPU used so far by `rootPid` and its descendants (living ones: a child that exited is not counted). */
export function treeCpuMs(rootPid: number): number {
  const pids = tree(rootPid);
  if (!pids) return Number.NaN;
  let total = 0;
  for (const ticks of pids.values()) total += ticks;
  return (total * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU milliseconds so far of every thread in `rootPid`'s tree, keyed `pid type/thread`: the
 * process's Chromium `--type` (browser for the root) and the thread's name. For finding where a
 * transfer's CPU goes (p2p-bench.ts with DEPLOYNET_BENCH_THREADS=1); Linux only, empty elsewhere.
 */
export function threadCpuMs(rootPid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of tree(rootPid)?.keys() ?? []) {
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

/** Adds `after - before`, key by key, to `total`. */
export function addDeltas(total: Map<string, number>, before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): void {
  for (const [key, value] of after) total.set(key, (total.get(key) ?? 0) + value - (before.get(key) ?? 0));
}
