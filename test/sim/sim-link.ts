/**
 * One side of a data channel between two simulated visitors: a ChunkLink (what the real scheduler
 * asks of a PeerLink) whose requests are served by the other visitor's uploader (visitor.ts) as
 * events on simulated time. Deadlines as PeerLink keeps them (the serving side schedules them,
 * see Visitor.serve): a request without a first frame within idleMs, or not done by its
 * deadline, fails with PEER_TIMEOUT; closing the link fails every request in flight; aborting
 * cancels one.
 */
import { DeployNetError, MAX_PAYLOAD_BYTES, type ByteParts, type HaveChunksFrame, type HaveFrame } from '../../core/index.js';
import type { ChunkLink } from '../../page-bridge/download-options.js';
import type { HaveLink } from '../../page-bridge/have-announcer.js';
import type { Visitor } from './visitor.js';

/** A request in flight: the serving side reads `done` and calls `firstByte` and `finish`. */
export interface PendingRequest {
  readonly askedAt: number;
  readonly idleMs: number;
  /** The request's deadline (simulated epoch ms). */
  readonly deadline: number;
  done: boolean;
  firstByte(): void;
  finish(error: DeployNetError | null, bytes?: Uint8Array): void;
}

const SENT: Promise<void> = Promise.resolve();

/**
 * One request's state. A class rather than closures: a busy swarm has millions of requests, and
 * it is its own abort listener (handleEvent).
 */
class SimRequest implements PendingRequest, EventListenerObject {
  done = false;
  readonly promise: Promise<ByteParts>;
  private resolve!: (parts: ByteParts) => void;
  private reject!: (error: DeployNetError) => void;

  constructor(
    private readonly link: SimLink,
    readonly askedAt: number,
    private readonly bytes: number,
    readonly deadline: number,
    readonly idleMs: number,
    private readonly onProgress: ((received: number) => void) | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    signal?.addEventListener('abort', this, { once: true });
  }

  handleEvent(): void {
    this.finish(new DeployNetError('CANCELLED', 'request cancelled'));
  }

  firstByte(): void {
    if (!this.done) this.onProgress?.(Math.min(this.bytes, MAX_PAYLOAD_BYTES));
  }

  finish(error: DeployNetError | null, bytes?: Uint8Array): void {
    if (this.done) return;
    this.done = true;
    this.signal?.removeEventListener('abort', this);
    this.link.settled(this);
    if (error) this.reject(error);
    else {
      this.onProgress?.(this.bytes);
      this.resolve([bytes!]); // one piece: the simulated hash reads its tag
    }
  }
}

export class SimLink implements ChunkLink, HaveLink {
  isOpen = true;
  /** The remote side's link (to this visitor). */
  other!: SimLink;
  private readonly pending = new Set<PendingRequest>();
  /** HAVE frames sent this tick, delivered together. */
  private outbox: Array<HaveFrame | HaveChunksFrame> = [];

  constructor(
    readonly owner: Visitor,
    readonly remote: Visitor,
    readonly oneWayMs: number,
  ) {}

  get peerId(): string {
    return this.remote.id;
  }

  request(sha256: string, start: number, end: number, deadline: number, idleMs: number, onProgress?: (received: number) => void, signal?: AbortSignal): Promise<ByteParts> {
    if (!this.isOpen) return Promise.reject(new DeployNetError('PEER_UNAVAILABLE', 'the link is closed'));
    if (signal?.aborted) return Promise.reject(new DeployNetError('CANCELLED', 'request cancelled'));
    const clock = this.owner.world.clock;
    // No timers here: the serving side knows when the frames will flow, so it schedules the one
    // event that ends the request (arrival, or the timeout the requester would hit).
    const request = new SimRequest(this, clock.now(), end - start, deadline, idleMs, onProgress, signal);
    this.pending.add(request);
    clock.schedule(this.oneWayMs, () => this.remote.serve(this.other, sha256, start, end, request));
    return request.promise;
  }

  /** A request of this link ended. */
  settled(request: PendingRequest): void {
    this.pending.delete(request);
  }

  /**
   * A HAVE or HAVE_CHUNKS frame to the remote side, one way later (the real HaveAnnouncer sends
   * them). Frames sent in the same tick share one delivery event: an announcer's batch is one event.
   */
  sendMesh(frame: HaveFrame | HaveChunksFrame): Promise<void> {
    if (!this.isOpen) return SENT;
    if (this.outbox.push(frame) === 1) {
      this.owner.world.clock.schedule(this.oneWayMs, () => {
        const frames = this.outbox;
        this.outbox = [];
        if (this.other.isOpen) for (const f of frames) this.remote.heard(this.other, f);
      });
    }
    return SENT;
  }

  /** Closes both sides; every request in flight on either fails. */
  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    for (const request of [...this.pending]) request.finish(new DeployNetError('PEER_UNAVAILABLE', 'the link closed'));
    this.owner.linkClosed(this);
    this.other.close();
  }
}

/** Opens a channel between two visitors: both sides' links. */
export function linkPair(a: Visitor, b: Visitor, oneWayMs: number): [SimLink, SimLink] {
  const ab = new SimLink(a, b, oneWayMs);
  const ba = new SimLink(b, a, oneWayMs);
  ab.other = ba;
  ba.other = ab;
  return [ab, ba];
}
