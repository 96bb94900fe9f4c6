/**
 * What every part of a running simulation shares: the clock, the random source, the site, the
 * settings, the signal nodes, the origin, who is online, and the figures being collected.
 */
import type { SimClock } from './event-queue.js';
import type { Metrics } from './metrics.js';
import type { Pipe } from './network.js';
import type { Rng } from './rng.js';
import type { SignalModel } from './signal-model.js';
import type { SimSite } from './site.js';

export interface SimSettings {
  /** The site's peerTimeoutMs (core/site-config.ts default 2500). */
  readonly peerTimeoutMs: number;
  /** The site's maxPeers (default 4): links a visitor opens; it accepts twice as many. */
  readonly maxPeers: number;
  /** Per-visitor upload limit, bytes/s; 0: unlimited (the site default). */
  readonly uploadRateBytesPerSec: number;
  /** Share of visitor pairs whose WebRTC connection never opens (NATs, firewalls). */
  readonly failedConnectionShare: number;
  /** One-way delay from a visitor's last mile to its signal node, ms (beyond its own last mile). */
  readonly signalOneWayMs: number;
  /** Round trip to the origin beyond the visitor's last mile, ms. */
  readonly originRttMs: number;
  /** Fetch the rest of the site once the page has loaded (fill-in). */
  readonly fill: boolean;
}

export interface World {
  readonly clock: SimClock;
  readonly rng: Rng;
  readonly seed: number;
  readonly site: SimSite;
  readonly settings: SimSettings;
  readonly signal: SignalModel;
  readonly origin: Pipe;
  readonly metrics: Metrics;
  /** Visitors online now, by peer id (the only way one visitor reaches another). */
  readonly online: Map<string, import('./visitor.js').Visitor>;
}
