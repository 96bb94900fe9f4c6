/**
 * Counters of one signaling node and their Prometheus text exposition (format 0.0.4).
 * Gauges (peers, swarms) are read from their owners when rendering, so they never drift.
 */
import type { ErrorCode } from '../core/errors.js';

/** The exposition is pure ASCII, so no charset parameter is needed. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4';

export interface MetricsGauges {
  /** Clients connected to this node's PeerServer. */
  readonly peers: number;
  /** Non-empty swarms. */
  readonly swarms: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export class SignalMetrics {
  #joins = 0;
  readonly #rejections = new Map<ErrorCode, number>();

  /** One swarm join answered with 200. */
  countJoin(): void {
    this.#joins += 1;
  }

  /** One request answered with an error carrying `code`. */
  countRejection(code: ErrorCode): void {
    this.#rejections.set(code, (this.#rejections.get(code) ?? 0) + 1);
  }

  get joins(): number {
    return this.#joins;
  }

  rejections(code: ErrorCode): number {
    return this.#rejections.get(code) ?? 0;
  }

  /** The Prometheus text exposition, ending with a newline. */
  render(gauges: MetricsGauges): string {
    const lines = [
      '# HELP deploynet_signal_peers Clients connected to this node\'s PeerServer.',
      '# TYPE deploynet_signal_peers gauge',
      `deploynet_signal_peers ${gauges.peers}`,
      '# HELP deploynet_signal_swarms Non-empty swarms (site origin, key id and manifest version).',
      '# TYPE deploynet_signal_swarms gauge',
      `deploynet_signal_swarms ${gauges.swarms}`,
      '# HELP deploynet_signal_joins_total Swarm joins answered.',
      '# TYPE deploynet_signal_joins_total counter',
      `deploynet_signal_joins_total ${this.#joins}`,
      '# HELP deploynet_signal_rejections_total Requests refused, by error code.',
      '# TYPE deploynet_signal_rejections_total counter',
    ];
    const codes = [...this.#rejections.keys()].sort();
    for (const code of codes) {
      lines.push(`deploynet_signal_rejections_total{code="${escapeLabel(code)}"} ${this.#rejections.get(code) ?? 0}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
