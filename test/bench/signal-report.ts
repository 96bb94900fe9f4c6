/**
 * bench:signal's figures: what one case measured, the table it prints, and issue 5's aims.
 */
import type { ServerSample } from './signal-servers.js';

export type CaseName = 'stock' | 'deploynet' | 'two-nodes';

export interface MemoryStep {
  readonly peers: number;
  readonly rssBytesPerPeer: number;
  readonly heapExternalBytesPerPeer: number;
  /** Two nodes: what Redis holds per peer (INFO memory used_memory). */
  readonly redisBytesPerPeer?: number;
}

export interface RelaySummary {
  readonly peers: number;
  readonly sent: number;
  readonly delivered: number;
  readonly lost: number;
  /** Arrived at a client other than the one addressed, with another src, or twice. */
  readonly misrouted: number;
  readonly offeredPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU time of the server(s) over the measured relay, in ms per second. */
  readonly serverCpuMsPerSecond: number;
  /** The server's event-loop delay over the measured relay (two nodes: the worse), p99 and max. */
  readonly serverLoopDelayP99Ms: number;
  readonly serverLoopDelayMaxMs: number;
  /** The load processes' own event-loop delay while sending, worst of them (it adds to latency). */
  readonly generatorLoopDelayP99Ms: number;
  readonly generatorLoopDelayMaxMs: number;
}

export interface CaseResult {
  readonly name: CaseName;
  readonly servers: number;
  readonly baseline: readonly ServerSample[];
  readonly memory: readonly MemoryStep[];
  readonly relay: RelaySummary;
  /** Messages the clients got besides OPEN and the bench's OFFERs, by type. */
  readonly otherMessages: Record<string, number>;
  /** DeployNet nodes: counters and gauges from /metrics after the relay. */
  readonly metrics?: readonly Record<string, number>[];
}

export interface Aim {
  readonly what: string;
  readonly value: number;
  readonly limit: number;
  readonly met: boolean;
}

export const kb = (bytes: number): string => `${(bytes / 1000).toFixed(2)} KB`;
export const ms = (v: number): string => `${v.toFixed(2)} ms`;

function last<T>(list: readonly T[]): T {
  const item = list.at(-1);
  if (item === undefined) throw new Error('no measurement');
  return item;
}

/** The aims of issue 5, item 6, on the largest step's memory and the relay p99. */
export function aims(stock: CaseResult, node: CaseResult, two: CaseResult): Aim[] {
  const s = last(stock.memory);
  const n = last(node.memory);
  const aim = (what: string, value: number, limit: number): Aim => ({ what, value, limit, met: value <= limit });
  return [
    aim('DeployNet memory/peer (RSS) / stock', n.rssBytesPerPeer / s.rssBytesPerPeer, 1.25),
    aim('DeployNet memory/peer (heap+external) / stock', n.heapExternalBytesPerPeer / s.heapExternalBytesPerPeer, 1.25),
    aim('DeployNet relay p99 / stock', node.relay.p99Ms / stock.relay.p99Ms, 1.25),
    aim('two nodes relay p99 / one node', two.relay.p99Ms / node.relay.p99Ms, 3),
  ];
}

/** The table: one column per case, the memory steps in one cell. */
export function printTable(cases: readonly CaseResult[]): void {
  const steps = cases[0]?.memory.map((m) => m.peers) ?? [];
  const peers = (r: CaseResult) => (r.servers === 1 ? `${r.relay.peers}` : `${r.relay.peers} (${r.relay.peers / r.servers} each)`);
  const memory = (pick: (m: MemoryStep) => number) => (r: CaseResult) => `${r.memory.map((m) => (pick(m) / 1000).toFixed(2)).join(' / ')} KB`;
  const redis = (r: CaseResult) => {
    const m = r.memory.at(-1)?.redisBytesPerPeer;
    return m === undefined ? '' : kb(m);
  };
  const columns: readonly (readonly [string, (r: CaseResult) => string])[] = [
    ['peers held', peers],
    [`memory/peer, RSS (${steps.join(' / ')} peers)`, memory((m) => m.rssBytesPerPeer)],
    [`memory/peer, heap+external (${steps.join(' / ')})`, memory((m) => m.heapExternalBytesPerPeer)],
    ['Redis memory/peer', redis],
    ['relay p50', (r) => ms(r.relay.p50Ms)],
    ['relay p99', (r) => ms(r.relay.p99Ms)],
    ['relay max', (r) => ms(r.relay.maxMs)],
    ['delivered / sent (lost)', (r) => `${r.relay.delivered} / ${r.relay.sent} (${r.relay.lost})`],
    ['server CPU during relay', (r) => `${(r.relay.serverCpuMsPerSecond / 10).toFixed(0)}% of a core`],
    ['server event-loop delay p99 / max', (r) => `${ms(r.relay.serverLoopDelayP99Ms)} / ${ms(r.relay.serverLoopDelayMaxMs)}`],
    ['generator event-loop delay p99 / max', (r) => `${ms(r.relay.generatorLoopDelayP99Ms)} / ${ms(r.relay.generatorLoopDelayMaxMs)}`],
  ];
  const titles: Record<CaseName, string> = { stock: 'stock PeerServer 1.0.2', deploynet: 'DeployNet node', 'two-nodes': '2 DeployNet nodes + Redis' };
  const rows = [['', ...cases.map((r) => titles[r.name])], ...columns.map(([label, cell]) => [label, ...cases.map(cell)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const row of rows) console.log(`  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`);
}

export function printAims(list: readonly Aim[]): void {
  console.log('\n  aims (issue 5, item 6):');
  for (const a of list) console.log(`    ${a.met ? 'met    ' : 'NOT MET'}  ${a.what}: ${a.value.toFixed(2)} (at most ${a.limit})`);
}
