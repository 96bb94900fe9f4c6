/**
 * One side of a data channel between two simulated visitors: a ChunkLink (what the real scheduler
 * asks of a PeerLink) whose requests are served by the other visitor's uploader (visitor.ts) as
 * events on simulated time. Deadlines as PeerLink keeps them (the serving side schedules them,
 * see Visitor.serve): a request without a first frame within idleMs, or not done by its
 * deadline, fails with PEER_TIMEOUT; closing the link fails every request in flight; aborting
 * cancels one.
 */
import { DeployNetError, MAX_PAYLOAD_BYTES, type HaveChunksFrame, type HaveFrame } from '../../core/index.js';
import type { ChunkLink } from '../../page-bridge/download-options.js';
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

export class SimLink implements ChunkLink {
  isOpen = true;
  /** The remote side's link (to this visitor). */
  other!: SimLink;
  private readonly pending = new Set<PendingRequest>();

  constructor(
    readonly owner: Visitor,
    readonly remote: Visitor,
    readonly oneWayMs: number,
  ) {}

  get peerId(): string {
    return this.remote.id;
  }

  request(sha256: string, start: number, end: number, deadline: number, idleMs: number, onProgress?: (received: number) => void, signal?: AbortSignal): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) return reject(new DeployNetError('PEER_UNAVAILABLE', 'the link is closed'));
      if (signal?.aborted) return reject(new DeployNetError('CANCELLED', 'request cancelled'));
      const clock = this.owner.world.clock;
      const onAbort = () => request.finish(new DeployNetError('CANCELLED', 'request cancelled'));
      // No timers here: the serving side knows when the frames will flow, so it schedules the one
      // event that ends the request (arrival, or the timeout the requester would hit).
      const request: PendingRequest = {
        askedAt: clock.now(),
        idleMs,
        deadline,
        done: false,
        firstByte: () => {
          if (!request.done) onProgress?.(Math.min(end - start, MAX_PAYLOAD_BYTES));
        },
        finish: (error, bytes) => {
          if (request.done) return;
          request.done = true;
          signal?.removeEventListener('abort', onAbort);
          this.pending.delete(request);
          if (error) reject(error);
          else {
            onProgress?.(end - start);
            resolve(bytes!);
          }
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(request);
      clock.schedule(this.oneWayMs, () => this.remote.serve(this.other, sha256, start, end, request));
    });
  }

  /** HAVE and HAVE_CHUNKS frames to the remote side, one way later (one event for a batch). */
  sendHave(frames: ReadonlyArray<HaveFrame | HaveChunksFrame>): void {
    if (!this.isOpen || frames.length === 0) return;
    this.owner.world.clock.schedule(this.oneWayMs, () => {
      if (this.other.isOpen) for (const frame of frames) this.remote.heard(this.other, frame);
    });
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
