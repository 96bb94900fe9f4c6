/**
 * Keeps this node's peers present in Redis (signal-cluster.ts): every round (presenceTtlMs / 3)
 * each peer connected here gets its presence and swarm entry extended by one TTL.
 *
 * A round is spread over its interval, a slice every tick, as the gate spreads its pings
 * (peer-gate.ts): pipelining all of a node's peers at once stalled its event loop 100-150 ms
 * every round at 5,000 peers (building, hashing and reading 5,000 scripts' worth in one go), and
 * every relayed message waited behind it (bench:signal: two nodes' relay p99 131 ms).
 *
 * Bounds, with T = presenceTtlMs and R = the round (T / 3):
 * - a node that dies: every write sets a peer's expiry to (the write's time + T), so all peers of
 *   a crashed node are gone within T of the crash, however the writes are spread. Unchanged by
 *   the slicing.
 * - a live peer: a round starts R after the previous one started and writes each peer at the
 *   same point of its spread (SPREAD of R) as the round before, so two writes of one peer are
 *   about R apart (later only by however long Redis took to answer: one slice at a time is in
 *   flight); a peer that connects mid-round was written by its claim and is in the next round,
 *   at most R + SPREAD · R < T later.
 * - Redis down: the round in progress is dropped; the first tick with Redis back starts a new
 *   one, which writes every peer again (Redis may have lost everything).
 */
import type { LocalPeer } from './cluster-state.js';

/** The part of a round over which its slices are spread; the rest is slack for a slow Redis. */
export const SPREAD = 0.75;

export interface PresenceRefreshDeps {
  /** The round: every peer is written once per round. */
  readonly roundMs: number;
  /** Ids of the peers connected here now (a round's snapshot). */
  readonly peerIds: () => string[];
  /** The peer as the refresh writes it, if it is still connected here. */
  readonly peer: (id: string) => LocalPeer | undefined;
  /** Writes one slice (cluster-state.ts: one pipelined round trip). */
  readonly write: (peers: LocalPeer[]) => Promise<void>;
  /** Whether Redis is reachable now. */
  readonly up: () => boolean;
  readonly failed: (error: unknown) => void;
  /** Milliseconds, monotonic. */
  readonly now: () => number;
}

export class PresenceRefresh {
  /** How often a slice goes out: ten or more slices a round, never more often than every 10 ms. */
  readonly tickMs: number;
  #round: string[] = [];
  #next = 0;
  #roundStarted = Number.NEGATIVE_INFINITY;
  #writing = false;

  constructor(private readonly deps: PresenceRefreshDeps) {
    this.tickMs = Math.max(10, Math.min(100, Math.floor(deps.roundMs / 10)));
  }

  /** One tick (a timer calls it every tickMs): starts a round when one is due, writes the slice that is due. */
  tick(): void {
    const { deps } = this;
    if (!deps.up()) {
      this.#round = [];
      this.#next = 0;
      return;
    }
    const now = deps.now();
    if (this.#next >= this.#round.length) {
      if (now - this.#roundStarted < deps.roundMs) return;
      this.#roundStarted = now;
      this.#round = deps.peerIds();
      this.#next = 0;
    }
    if (this.#writing || this.#round.length === 0) return;
    // By time, not by ticks: a tick skipped while a slice was in flight is made up by the next.
    const elapsed = now - this.#roundStarted + this.tickMs;
    const due = Math.min(this.#round.length, Math.max(this.#next + 1, Math.ceil((this.#round.length * elapsed) / (SPREAD * deps.roundMs))));
    const slice: LocalPeer[] = [];
    for (; this.#next < due; this.#next += 1) {
      const peer = deps.peer(this.#round[this.#next]!);
      if (peer !== undefined) slice.push(peer);
    }
    if (this.#next >= this.#round.length) this.#round = [];
    if (slice.length === 0) return;
    this.#writing = true;
    deps
      .write(slice)
      .catch((error: unknown) => deps.failed(error))
      .finally(() => {
        this.#writing = false;
      });
  }
}
