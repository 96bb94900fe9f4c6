/**
 * The network model: every visitor has a last-mile round trip and an up and a down link, each a
 * FIFO pipe (a transfer waits for the ones before it on that pipe, then takes bytes / rate). A
 * chunk from peer B to peer A leaves B's uplink in order and lands on A's downlink; the slower of
 * the two paces it, and the path's round trip is the mean of the two last miles. O(1) per
 * transfer: no per-packet events, no real bytes.
 *
 * What it leaves out: TCP/SCTP congestion dynamics, loss, and cross traffic; the origin is a pipe
 * too (shared by every visitor, infinite by default), behind its own round trip.
 */

/** One direction of a link: bytes per second, and when its queue is empty. */
export class Pipe {
  private freeAt = 0;

  constructor(readonly bytesPerSec: number) {}

  /** Queues `bytes` arriving at `at`; returns when they have passed. */
  pass(at: number, bytes: number): number {
    const start = Math.max(at, this.freeAt);
    const end = start + (bytes * 1000) / this.bytesPerSec;
    this.freeAt = end;
    return end;
  }

  /** When bytes queued at `at` would start to pass (nothing is queued). */
  startAt(at: number): number {
    return Math.max(at, this.freeAt);
  }
}

export interface LinkProfile {
  /** Round trip from this visitor to the network's core, ms. */
  readonly rttMs: number;
  readonly up: Pipe;
  readonly down: Pipe;
}

export interface Transfer {
  /** When the first byte reaches the receiver. */
  readonly firstByte: number;
  /** When the last byte has. */
  readonly arrival: number;
}

/** Round trip between two visitors: half of each last mile, both ways. */
export function pathRtt(a: LinkProfile, b: LinkProfile): number {
  return (a.rttMs + b.rttMs) / 2;
}

/**
 * `bytes` sent at `at` from `from`'s uplink to `to`'s downlink, one-way delay `oneWayMs`. Call
 * `reserve` only for a transfer that happens (plan first with reserve=false to check a deadline).
 */
export function transfer(from: Pipe, to: Pipe, at: number, bytes: number, oneWayMs: number, reserve: boolean): Transfer {
  const upStart = from.startAt(at);
  const upEnd = upStart + (bytes * 1000) / from.bytesPerSec;
  const downEnd = Math.max(upEnd + oneWayMs, to.startAt(upStart + oneWayMs) + (bytes * 1000) / to.bytesPerSec);
  if (reserve) {
    from.pass(at, bytes);
    to.pass(upStart + oneWayMs, bytes);
  }
  return { firstByte: upStart + oneWayMs, arrival: downEnd };
}
