/**
 * Counters of one signaling node and their Prometheus text exposition (format 0.0.4).
 * Gauges are read from their owners when rendering, so they never drift. Relays per second are
 * `rate(deploynet_signal_relayed_total[1m])`; every known label value starts at 0, so rates and
 * alerts work from the first scrape.
 */
import type { ErrorCode } from '../core/errors.js';
import { SIGNAL_REJECTION_CODES } from './rejections.js';

/** The exposition is pure ASCII, so no charset parameter is needed. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4';

/** PeerJS message types PeerServer forwards from one peer to another. */
export const RELAYED_TYPES = ['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE'] as const;
export type RelayedType = (typeof RELAYED_TYPES)[number];

const RELAYED: ReadonlySet<unknown> = new Set(RELAYED_TYPES);

/** On every message PeerServer handles: one Set lookup, no allocation. */
export function isRelayedType(value: unknown): value is RelayedType {
  return RELAYED.has(value);
}

export interface MetricsGauges {
  /** Clients connected to this node's PeerServer. */
  readonly peers: number;
  /** Non-empty swarms. */
  readonly swarms: number;
  /** Client addresses the node keeps limits for. */
  readonly addresses: number;
  /** Whether the node is shutting down. */
  readonly draining: boolean;
  /** With --redis: whether both Redis connections are up. Absent on a single node. */
  readonly redisUp?: boolean;
}

/** Messages relayed through Redis: `sent` to a peer on another node, `received` for a peer here. */
export type CrossNodeDirection = 'sent' | 'received';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

type Sample = readonly [labels: string, value: number];

function family(name: string, type: 'gauge' | 'counter', help: string, samples: readonly Sample[]): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, value]) => `${name}${labels} ${value}`)];
}

function labelled(label: string, counts: ReadonlyMap<string, number>): Sample[] {
  return [...counts.keys()].sort().map((k) => [`{${label}="${escapeLabel(k)}"}`, counts.get(k) ?? 0]);
}

export class SignalMetrics {
  #joins = 0;
  #connections = 0;
  readonly #rejections = new Map<string, number>(SIGNAL_REJECTION_CODES.map((c) => [c, 0]));
  readonly #relayed = new Map<string, number>(RELAYED_TYPES.map((t) => [t, 0]));
  readonly #crossNode = new Map<string, number>([
    ['received', 0],
    ['sent', 0],
  ]);
  #redisErrors = 0;

  /** One swarm join answered with 200. */
  countJoin(): void {
    this.#joins += 1;
  }

  /** One WebSocket connection handed to PeerServer. */
  countConnection(): void {
    this.#connections += 1;
  }

  /** One message PeerServer forwarded (or queued) for another peer. */
  countRelay(type: RelayedType): void {
    this.#relayed.set(type, (this.#relayed.get(type) ?? 0) + 1);
  }

  /** One message relayed through Redis (--redis). */
  countCrossNode(direction: CrossNodeDirection): void {
    this.#crossNode.set(direction, (this.#crossNode.get(direction) ?? 0) + 1);
  }

  /** One Redis command that failed or got no reply in time (--redis). */
  countRedisError(): void {
    this.#redisErrors += 1;
  }

  /** One request or connection refused with `code`. */
  countRejection(code: ErrorCode): void {
    this.#rejections.set(code, (this.#rejections.get(code) ?? 0) + 1);
  }

  get joins(): number {
    return this.#joins;
  }

  rejections(code: ErrorCode): number {
    return this.#rejections.get(code) ?? 0;
  }

  relayed(type: RelayedType): number {
    return this.#relayed.get(type) ?? 0;
  }

  crossNode(direction: CrossNodeDirection): number {
    return this.#crossNode.get(direction) ?? 0;
  }

  get redisErrors(): number {
    return this.#redisErrors;
  }

  /** The Prometheus text exposition, ending with a newline. */
  render(gauges: MetricsGauges): string {
    const lines = [
      ...family('deploynet_signal_peers', 'gauge', "Clients connected to this node's PeerServer.", [['', gauges.peers]]),
      ...family('deploynet_signal_swarms', 'gauge', 'Non-empty swarms (site origin, key id and manifest version).', [['', gauges.swarms]]),
      ...family('deploynet_signal_addresses', 'gauge', 'Client addresses the node keeps limits for.', [['', gauges.addresses]]),
      ...family('deploynet_signal_draining', 'gauge', '1 while the node is shutting down.', [['', gauges.draining ? 1 : 0]]),
      ...family('deploynet_signal_connections_total', 'counter', 'WebSocket connections admitted to PeerServer.', [['', this.#connections]]),
      ...family('deploynet_signal_relayed_total', 'counter', 'Signaling messages forwarded between peers, by PeerJS type.', labelled('type', this.#relayed)),
      ...family('deploynet_signal_joins_total', 'counter', 'Swarm joins answered.', [['', this.#joins]]),
      ...family('deploynet_signal_rejections_total', 'counter', 'Requests, connections and messages refused, by error code.', labelled('code', this.#rejections)),
    ];
    if (gauges.redisUp !== undefined) {
      lines.push(
        ...family('deploynet_signal_redis_up', 'gauge', '1 while both Redis connections are up (--redis); 0: local peers and swarms only.', [['', gauges.redisUp ? 1 : 0]]),
        ...family('deploynet_signal_redis_errors_total', 'counter', 'Redis commands that failed or got no reply in time.', [['', this.#redisErrors]]),
        ...family('deploynet_signal_cross_node_relayed_total', 'counter', 'Signaling messages relayed through Redis, by direction.', labelled('direction', this.#crossNode)),
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
