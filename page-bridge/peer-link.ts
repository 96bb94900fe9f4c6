/**
 * The DeployNet wire protocol (core/wire.ts) over one FrameChannel, both roles at once:
 * - requester: `request()` asks for bytes of a file by hash and collects in-order DATA frames,
 *   whose payloads it hands back as they came (ByteParts: views into the channel's messages, no
 *   copy);
 * - responder: answers REQUEST frames from a ContentProvider, in 64 KiB frames with backpressure,
 *   paced by an optional upload limiter (token bucket). Answers go out one after another, in the
 *   order their requests came (their lookups and first reads run ahead): the requester, which
 *   keeps several chunks asked (swarm-download.ts), then gets each chunk whole as early as
 *   possible and asks for the next while the others are still on the wire, instead of getting
 *   all of them interleaved at the end of the window with the channel idle until its next asks.
 * - mesh: PEERS and SIGNAL frames (core/wire-mesh.ts) go up to `onPeers`/`onSignal` as decoded,
 *   HAVE and HAVE_CHUNKS (core/wire-have.ts) to `onHave`, and `sendMesh()` sends them; what they
 *   mean is the mesh's business (mesh-signaling.ts, holdings.ts).
 * - partial files: a REQUEST for a file this visitor holds only in part is answered from the
 *   provider's stored chunks when every byte asked for is among them (else NotFound).
 * A frame that does not decode, or DATA that breaks the request's order or size, is a protocol
 * fault: the link closes and `onFault` reports it. Verification of content is the caller's job.
 */
import {
  DeployNetError,
  MAX_PAYLOAD_BYTES,
  RejectReason,
  decodeFrame,
  encodeFrame,
  type ByteParts,
  frameBytes,
  type Frame,
  type HaveChunksFrame,
  type HaveFrame,
  type PeersFrame,
  type SignalFrame,
} from '../core/index.js';
import { bodySize, readBody, type ContentProvider } from './content-provider.js';
import type { FrameChannel } from './frame-channel.js';

/**
 * Bytes read from the cache at a time when answering (a multiple of the frame payload). Every
 * admitted upload may hold one block read ahead while it waits for its turn, so this bounds what
 * a peer's requests can pin in memory: (maxConcurrentUploads + 1) blocks per link.
 */
const READ_BLOCK_BYTES = 4 * MAX_PAYLOAD_BYTES;

export interface PeerLinkOptions {
  readonly provider: ContentProvider;
  readonly uploadAllowed: () => boolean;
  /** Requests answered at once; more wait in line, up to maxQueuedUploads, then get Busy. */
  readonly maxConcurrentUploads: number;
  readonly maxQueuedUploads: number;
  /**
   * Paces uploads: awaited for each DATA frame's payload bytes before the frame is sent. One
   * limiter shared by every link makes the limit per visitor (see PeerMesh); none: unlimited.
   */
  readonly uploadLimiter?: { take(n: number): Promise<void> };
  readonly onUpload?: (bytes: number) => void;
  readonly onFault?: (error: DeployNetError) => void;
  /** A PEERS frame arrived (decoded and checked); without a handler it is ignored. */
  readonly onPeers?: (frame: PeersFrame) => void;
  /** A SIGNAL frame arrived (decoded and checked, its data not parsed); without a handler it is ignored. */
  readonly onSignal?: (frame: SignalFrame) => void;
  /** A HAVE or HAVE_CHUNKS frame arrived (decoded and checked); without a handler it is ignored. */
  readonly onHave?: (frame: HaveFrame | HaveChunksFrame) => void;
}

/** Frames the mesh sends over a link (not requests and answers). */
export type MeshFrame = PeersFrame | SignalFrame | HaveFrame | HaveChunksFrame;

interface Pending {
  readonly start: number;
  /** Bytes asked for. */
  readonly size: number;
  readonly parts: Uint8Array[];
  received: number;
  /** When the last frame for it came (or it was asked): the idle timer counts from here. */
  heardAt: number;
  readonly resolve: (parts: ByteParts) => void;
  readonly reject: (error: DeployNetError) => void;
  timer: ReturnType<typeof setTimeout>;
  readonly onProgress: ((received: number) => void) | undefined;
}

export class PeerLink {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly uploads = new Set<number>();
  private readonly queue: Array<() => void> = [];
  private readonly cancelled = new Set<number>();
  /** Settles when the upload admitted last has sent its answer: the next one's turn to send. */
  private lastTurn: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly channel: FrameChannel,
    private readonly options: PeerLinkOptions,
  ) {
    channel.onFrame((data) => this.receive(data));
    channel.onClose(() => this.shutdown());
  }

  get peerId(): string {
    return this.channel.peerId;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Bytes [start, end) of the file with this hash, or a DeployNetError (PEER_*, SIZE_MISMATCH).
   * Gives up at `deadline` (epoch ms), or when `idleMs` pass without a frame for this request.
   * `onProgress` hears the bytes received so far after each frame. Aborting `signal` sends CANCEL
   * and rejects with CANCELLED.
   */
  request(
    sha256: string,
    start: number,
    end: number,
    deadline: number,
    idleMs: number,
    onProgress?: (received: number) => void,
    signal?: AbortSignal,
  ): Promise<ByteParts> {
    if (this.closed) return Promise.reject(new DeployNetError('PEER_UNAVAILABLE', 'link closed'));
    if (signal?.aborted) return Promise.reject(new DeployNetError('CANCELLED', 'request aborted'));
    if (end === start) return Promise.resolve([]);
    const id = this.nextId++;
    const asked = Date.now();
    return new Promise<ByteParts>((resolve, reject) => {
      // One timer per request, not one per frame: when it fires it looks at when the last frame
      // came, and sleeps again for the rest of the idle time if that was recently.
      const onTimer = () => {
        const p = this.pending.get(id);
        if (!p) return;
        const now = Date.now();
        const due = Math.min(p.heardAt + idleMs, deadline);
        if (now < due) {
          p.timer = setTimeout(onTimer, due - now);
          return;
        }
        this.settle(id);
        void this.channel.send(encodeFrame({ type: 'cancel', id })).catch(() => undefined);
        const why = now >= deadline ? 'missed the deadline' : `sent nothing for ${idleMs} ms`;
        reject(new DeployNetError('PEER_TIMEOUT', `peer ${this.peerId} ${why} (${p.received} of ${p.size} bytes, ${now - asked} ms after asking)`));
      };
      const timer = setTimeout(onTimer, Math.max(0, Math.min(idleMs, deadline - asked)));
      const onAbort = () => {
        if (!this.settle(id)) return;
        void this.channel.send(encodeFrame({ type: 'cancel', id })).catch(() => undefined);
        reject(new DeployNetError('CANCELLED', 'request aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        start,
        size: end - start,
        parts: [],
        received: 0,
        heardAt: asked,
        resolve: (parts) => (done(), resolve(parts)),
        reject: (error) => (done(), reject(error)),
        timer,
        onProgress,
      });
      this.channel.send(encodeFrame({ type: 'request', id, sha256, start, end })).catch((error: unknown) => {
        this.settle(id);
        reject(new DeployNetError('PEER_UNAVAILABLE', `could not send to ${this.peerId}: ${String(error)}`));
      });
    });
  }

  /**
   * Sends a PEERS, SIGNAL, HAVE or HAVE_CHUNKS frame behind whatever is queued. Rejects with
   * PEER_UNAVAILABLE once the link is closed, and with the encoder's RangeError for a frame the
   * wire cannot carry.
   */
  async sendMesh(frame: MeshFrame): Promise<void> {
    const bytes = encodeFrame(frame);
    if (this.closed) throw new DeployNetError('PEER_UNAVAILABLE', `link to ${this.peerId} closed`);
    await this.channel.send(bytes);
  }

  close(): void {
    this.channel.close();
    this.shutdown();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (p) clearTimeout(p.timer);
    this.pending.delete(id);
    return p;
  }

  private receive(data: unknown): void {
    let frame: Frame;
    try {
      frame = decodeFrame(frameBytes(data));
    } catch (error) {
      this.fault(error instanceof DeployNetError ? error : new DeployNetError('FRAME_MALFORMED', String(error)));
      return;
    }
    switch (frame.type) {
      case 'request':
        void this.serve(frame.id, frame.sha256, frame.start, frame.end);
        return;
      case 'cancel':
        if (this.uploads.has(frame.id)) this.cancelled.add(frame.id);
        return;
      case 'reject': {
        const p = this.settle(frame.id);
        p?.reject(new DeployNetError('PEER_REJECTED', `peer ${this.peerId} rejected the request (reason ${frame.reason})`, { reason: frame.reason }));
        return;
      }
      case 'data':
        this.onData(frame.id, frame.offset, frame.payload);
        return;
      case 'peers':
        this.options.onPeers?.(frame);
        return;
      case 'signal':
        this.options.onSignal?.(frame);
        return;
      case 'have':
      case 'have-chunks':
        this.options.onHave?.(frame);
        return;
    }
  }

  private onData(id: number, offset: number, payload: Uint8Array): void {
    const p = this.pending.get(id);
    if (!p) return; // late frames of a request that timed out or was cancelled
    if (offset !== p.start + p.received || p.received + payload.length > p.size) {
      this.settle(id);
      const error = new DeployNetError('SIZE_MISMATCH', `peer ${this.peerId} sent bytes out of order or beyond the request`);
      p.reject(error);
      this.fault(error);
      return;
    }
    p.parts.push(payload); // a view into this frame's message: kept, not copied
    p.received += payload.length;
    p.heardAt = Date.now();
    p.onProgress?.(p.received);
    if (p.received === p.size) {
      this.settle(id);
      p.resolve(p.parts);
    }
  }

  private async serve(id: number, sha256: string, start: number, end: number): Promise<void> {
    // The link may have closed while the content was looked up: then it sends nothing more.
    const reject = async (reason: RejectReason) => {
      if (!this.closed) await this.channel.send(encodeFrame({ type: 'reject', id, reason })).catch(() => undefined);
    };
    if (!this.options.uploadAllowed()) return void (await reject(RejectReason.UploadOff));
    if (this.uploads.size >= this.options.maxConcurrentUploads + this.options.maxQueuedUploads) return void (await reject(RejectReason.Busy));
    this.uploads.add(id);
    // Its turn to send comes after every upload admitted before it (rejects need no turn).
    const earlier = this.lastTurn;
    let sent!: () => void;
    const ownTurn = new Promise<void>((resolve) => (sent = resolve));
    this.lastTurn = earlier.then(() => ownTurn);
    if (this.uploads.size > this.options.maxConcurrentUploads) await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      if (this.closed || this.cancelled.has(id)) return;
      // The whole file when it is cached; else exactly [start, end) from stored chunks, if held.
      const whole = await this.options.provider.get(sha256);
      if (whole && end > bodySize(whole)) return void (await reject(RejectReason.BadRequest));
      const part = whole ? undefined : await this.options.provider.range?.(sha256, start, end);
      const body = whole ?? part;
      if (!body) return void (await reject(RejectReason.NotFound));
      const base = whole ? 0 : start;
      // Read ahead one block while the previous one is being sent (the first while waiting for the turn).
      const read = (from: number) => {
        const block = readBody(body, from - base, Math.min(end, from + READ_BLOCK_BYTES) - base);
        block.catch(() => undefined); // a read-ahead abandoned on cancel must not go unhandled
        return block;
      };
      const limiter = this.options.uploadLimiter;
      let next = read(start);
      await earlier;
      for (let block = start; block < end && this.live(id); block += READ_BLOCK_BYTES) {
        const bytes = await next;
        if (block + READ_BLOCK_BYTES < end) next = read(block + READ_BLOCK_BYTES);
        for (let at = 0; at < bytes.length && this.live(id); at += MAX_PAYLOAD_BYTES) {
          const payload = bytes.subarray(at, at + MAX_PAYLOAD_BYTES);
          if (limiter) {
            await limiter.take(payload.length);
            if (!this.live(id)) break; // cancelled or closed while waiting for the rate limit
          }
          await this.channel.send(encodeFrame({ type: 'data', id, offset: block + at, payload }));
          this.options.onUpload?.(payload.length);
        }
      }
    } catch {
      // the channel went away mid-answer; the requester's deadline handles it
    } finally {
      sent();
      this.uploads.delete(id);
      this.cancelled.delete(id);
      this.queue.shift()?.();
    }
  }

  private live(uploadId: number): boolean {
    return !this.closed && !this.cancelled.has(uploadId);
  }

  private fault(error: DeployNetError): void {
    this.options.onFault?.(error);
    this.close();
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const next of this.queue.splice(0)) next();
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject(new DeployNetError('PEER_UNAVAILABLE', `link to ${this.peerId} closed`));
    }
  }
}
