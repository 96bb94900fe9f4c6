/**
 * One file's wanted chunks from every connected peer at once. Each chunk is asked of the peer
 * expected to deliver it soonest (PeerScores: measured speed and load; untried peers first), at
 * most `perPeer` chunks per peer at a time, lowest index first so the SW can stream in order.
 *
 * Every chunk request has a deadline (idleMs without a frame, and an overall budget); a chunk
 * that fails goes back in line for another peer, the failing peer backs off exponentially and
 * after repeated failures sits behind a circuit breaker. A chunk whose bytes do not match its
 * hash gets its peer reported (the mesh drops and bans it) and is asked elsewhere. When nothing
 * is left to assign, idle peers race the chunks still in flight (endgame) and the loser is
 * cancelled. A chunk that failed maxAttempts times, or that no peer can give, is left to the SW,
 * which gets it from the origin: a download always ends, and the caller learns what is missing.
 */
import { DeployNetError, RejectReason, chunkRange, peerBudgetMs, toHex, type CryptoProvider, type ErrorCode } from '../core/index.js';
import type { PeerScores } from './peer-scores.js';

/** What the scheduler needs of a peer link (PeerLink implements it). */
export interface ChunkLink {
  readonly peerId: string;
  readonly isOpen: boolean;
  request(sha256: string, start: number, end: number, deadline: number, idleMs: number, onProgress?: (received: number) => void, signal?: AbortSignal): Promise<Uint8Array>;
}

export interface DownloadTarget {
  readonly sha256: string;
  readonly size: number;
  readonly chunkSize: number;
  /** SHA-256 of every chunk of the file. */
  readonly chunks: readonly string[];
  /** Indices to get, ascending. */
  readonly want: readonly number[];
}

export interface DownloadOptions {
  readonly target: DownloadTarget;
  /** The open links right now (peers come and go during a download). */
  readonly links: () => readonly ChunkLink[];
  readonly scores: PeerScores;
  readonly crypto: CryptoProvider;
  /** A chunk request without a frame for this long has failed (the site's peerTimeoutMs). */
  readonly idleMs: number;
  /** Epoch ms after which nothing new is asked and the download ends. */
  readonly deadline: number;
  readonly perPeer?: number;
  readonly maxAttempts?: number;
  readonly onChunk: (index: number, bytes: Uint8Array, peerId: string) => void;
  /** A peer sent bytes that do not match the manifest. */
  readonly onBadChunk: (link: ChunkLink) => void;
  /** Bytes received so far, every frame (partial chunks and races included). */
  readonly onProgress?: (received: number) => void;
  /** Aborting ends the download at once; in-flight requests are cancelled. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

export interface DownloadResult {
  /** Wanted chunks not delivered (ascending). */
  readonly missing: readonly number[];
  /** Why some are missing; null when none are. */
  readonly code: ErrorCode | null;
  readonly detail: string;
}

export const DEFAULT_PER_PEER = 4;
export const DEFAULT_MAX_ATTEMPTS = 3;

interface Attempt {
  readonly link: ChunkLink;
  readonly abort: AbortController;
}

export interface DownloadHandle {
  readonly result: Promise<DownloadResult>;
  /** These chunks are no longer wanted (the SW got them elsewhere): stop asking, cancel in flight. */
  drop(indices: readonly number[]): void;
}

export function downloadChunks(options: DownloadOptions): DownloadHandle {
  const download = new SwarmDownload(options);
  return { result: download.run(), drop: (indices) => download.drop(indices) };
}

class SwarmDownload {
  private readonly queue: number[];
  private readonly inFlight = new Map<number, Attempt[]>();
  private readonly perLink = new Map<string, number>();
  private readonly attempts = new Map<number, number>();
  private readonly done = new Set<number>();
  private readonly givenUp = new Set<number>();
  private readonly dropped = new Set<number>();
  /** Peers that said they do not hold this file (or do not upload): not asked again for it. */
  private readonly lacking = new Set<string>();
  private received = 0;
  private lastError: DeployNetError | null = null;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private removeAbortListener: () => void = () => undefined;
  private finish: (result: DownloadResult) => void = () => undefined;
  private finished = false;
  private readonly perPeer: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;

  constructor(private readonly o: DownloadOptions) {
    this.queue = [...o.target.want];
    this.perPeer = o.perPeer ?? DEFAULT_PER_PEER;
    this.maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.now = o.now ?? Date.now;
  }

  run(): Promise<DownloadResult> {
    return new Promise((resolve) => {
      this.finish = resolve;
      const onAbort = () => this.end(new DeployNetError('CANCELLED', 'download cancelled'));
      this.o.signal?.addEventListener('abort', onAbort, { once: true });
      this.removeAbortListener = () => this.o.signal?.removeEventListener('abort', onAbort);
      if (this.o.signal?.aborted) return this.end(new DeployNetError('CANCELLED', 'download cancelled'));
      // Links honour per-request deadlines; this one holds even if one of them does not.
      this.deadlineTimer = setTimeout(() => this.end(new DeployNetError('PEER_TIMEOUT', 'the download deadline passed')), Math.max(0, this.o.deadline - this.now()));
      this.pump();
    });
  }

  drop(indices: readonly number[]): void {
    for (const index of indices) {
      if (this.done.has(index)) continue;
      this.done.add(index); // not delivered by us, but no longer missing either
      this.dropped.add(index);
      const at = this.queue.indexOf(index);
      if (at !== -1) this.queue.splice(at, 1);
      for (const a of this.inFlight.get(index) ?? []) a.abort.abort();
    }
    this.pump();
  }

  private pump(): void {
    if (this.finished) return;
    clearTimeout(this.wakeTimer);
    const now = this.now();
    if (now >= this.o.deadline) return this.end(new DeployNetError('PEER_TIMEOUT', 'the download deadline passed'));
    const links = this.o.links().filter((l) => l.isOpen && !this.lacking.has(l.peerId));
    while (this.queue.length > 0) {
      const index = this.queue[0]!;
      const link = this.best(links, index, now, []);
      if (!link) break;
      this.queue.shift();
      this.start(index, link, now);
    }
    if (this.queue.length === 0) this.race(links, now);
    if (this.queue.length === 0 && this.inFlight.size === 0) return this.end(null);
    // Chunks wait: a peer in backoff may come back before the deadline; wake up for it then,
    // even while other chunks are in flight (their ends pump too).
    const waiting = links.map((l) => this.o.scores.retryAt(l.peerId, now)).filter((t) => t > now && t < this.o.deadline);
    if (this.inFlight.size > 0) {
      if (this.queue.length > 0 && waiting.length > 0) this.wakeTimer = setTimeout(() => this.pump(), Math.min(...waiting) - now);
      return;
    }
    if (waiting.length === 0) return this.end(this.lastError ?? new DeployNetError('PEER_UNAVAILABLE', 'no connected peer holds this file'));
    this.wakeTimer = setTimeout(() => this.pump(), Math.min(...waiting) - now);
  }

  /** The link expected to deliver chunk `index` soonest, among those with room and not excluded. */
  private best(links: readonly ChunkLink[], index: number, now: number, exclude: readonly ChunkLink[]): ChunkLink | undefined {
    const { start, end } = chunkRange(index, this.o.target.size, this.o.target.chunkSize);
    let best: ChunkLink | undefined;
    let bestMs = Infinity;
    for (const link of links) {
      const load = this.perLink.get(link.peerId) ?? 0;
      if (load >= this.perPeer || exclude.includes(link) || !this.o.scores.usable(link.peerId, now)) continue;
      const ms = this.o.scores.estimateMs(link.peerId, end - start, load);
      if (ms < bestMs) [best, bestMs] = [link, ms];
    }
    return best;
  }

  /**
   * Endgame: idle links race the chunks still in flight (oldest first), one extra attempt each.
   * Skips chunks already done or dropped: their cancelled attempts stay in flight until their
   * rejection is handled, and racing them would ask for the chunk again.
   */
  private race(links: readonly ChunkLink[], now: number): void {
    for (const [index, attempts] of this.inFlight) {
      if (attempts.length > 1 || this.done.has(index)) continue;
      const idle = links.filter((l) => (this.perLink.get(l.peerId) ?? 0) === 0);
      const link = this.best(idle, index, now, attempts.map((a) => a.link));
      if (link) this.start(index, link, now);
    }
  }

  private start(index: number, link: ChunkLink, now: number): void {
    const { start, end } = chunkRange(index, this.o.target.size, this.o.target.chunkSize);
    const attempt: Attempt = { link, abort: new AbortController() };
    this.inFlight.set(index, [...(this.inFlight.get(index) ?? []), attempt]);
    this.perLink.set(link.peerId, (this.perLink.get(link.peerId) ?? 0) + 1);
    this.attempts.set(index, (this.attempts.get(index) ?? 0) + 1);
    this.o.scores.began(link.peerId, now);
    const sharing = this.perLink.get(link.peerId)!;
    const deadline = Math.min(this.o.deadline, now + peerBudgetMs({ peerTimeoutMs: this.o.idleMs }, (end - start) * sharing));
    let firstByteMs: number | undefined;
    let got = 0;
    const onProgress = (received: number) => {
      firstByteMs ??= this.now() - now;
      this.received += received - got;
      got = received;
      this.o.onProgress?.(this.received);
    };
    link
      .request(this.o.target.sha256, start, end, deadline, this.o.idleMs, onProgress, attempt.abort.signal)
      .then(
        (bytes) => this.arrived(index, attempt, bytes, now, firstByteMs ?? this.now() - now, sharing),
        (error: unknown) => this.failed(index, attempt, error),
      )
      .catch((error: unknown) => this.failed(index, attempt, error));
  }

  private async arrived(index: number, attempt: Attempt, bytes: Uint8Array, askedAt: number, firstByteMs: number, sharing: number): Promise<void> {
    const ok = toHex(await this.o.crypto.sha256(bytes)) === this.o.target.chunks[index];
    if (!ok) {
      this.o.onBadChunk(attempt.link);
      this.o.scores.failed(attempt.link.peerId, this.now());
      return this.failed(index, attempt, new DeployNetError('HASH_MISMATCH', `peer ${attempt.link.peerId} sent chunk ${index} with the wrong hash`));
    }
    this.o.scores.succeeded(attempt.link.peerId, bytes.length, this.now() - askedAt, firstByteMs, sharing);
    this.settle(index, attempt);
    if (!this.finished && !this.done.has(index) && !this.dropped.has(index)) {
      this.done.add(index);
      for (const other of this.inFlight.get(index) ?? []) other.abort.abort(); // the race's loser
      try {
        this.o.onChunk(index, bytes, attempt.link.peerId);
      } catch (error) {
        console.warn('[deploynet] could not pass on a chunk:', error); // the SW gets it elsewhere
      }
    }
    this.pump();
  }

  private failed(index: number, attempt: Attempt, error: unknown): void {
    if (!this.settle(index, attempt)) return;
    const e = error instanceof DeployNetError ? error : new DeployNetError('PEER_UNAVAILABLE', String(error));
    if (e.code !== 'CANCELLED') this.lastError = e;
    const reason = e.details.reason;
    if (e.code === 'PEER_TIMEOUT' || (e.code === 'PEER_REJECTED' && reason !== RejectReason.NotFound && reason !== RejectReason.UploadOff)) {
      this.o.scores.failed(attempt.link.peerId, this.now());
    } else {
      if (e.code === 'PEER_REJECTED') {
        // A peer that lacks the file says nothing about the chunk: that ask does not count.
        this.lacking.add(attempt.link.peerId);
        this.attempts.set(index, (this.attempts.get(index) ?? 1) - 1);
      }
      this.o.scores.ended(attempt.link.peerId); // no verdict on the peer: a half-open one may be probed again
    }
    const retry = !this.done.has(index) && !this.inFlight.has(index) && !this.queue.includes(index);
    if (retry && (this.attempts.get(index) ?? 0) >= this.maxAttempts) this.givenUp.add(index);
    else if (retry) this.requeue(index);
    this.pump();
  }

  /** Forgets an attempt; false when it was forgotten already (a late callback). */
  private settle(index: number, attempt: Attempt): boolean {
    const attempts = this.inFlight.get(index);
    if (!attempts?.includes(attempt)) return false;
    const rest = attempts.filter((a) => a !== attempt);
    if (rest.length > 0) this.inFlight.set(index, rest);
    else this.inFlight.delete(index);
    this.perLink.set(attempt.link.peerId, (this.perLink.get(attempt.link.peerId) ?? 1) - 1);
    return true;
  }

  private requeue(index: number): void {
    const at = this.queue.findIndex((i) => i > index);
    if (at === -1) this.queue.push(index);
    else this.queue.splice(at, 0, index);
  }

  private end(error: DeployNetError | null): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.wakeTimer);
    clearTimeout(this.deadlineTimer);
    this.removeAbortListener();
    for (const attempts of this.inFlight.values()) for (const a of attempts) a.abort.abort();
    const missing = this.o.target.want.filter((i) => !this.done.has(i));
    if (missing.length === 0) return this.finish({ missing, code: null, detail: '' });
    const why = error ?? this.lastError ?? new DeployNetError('PEER_UNAVAILABLE', 'no peer could give these chunks');
    const given = this.givenUp.size > 0 ? `; ${this.givenUp.size} chunks failed ${this.maxAttempts} times` : '';
    this.finish({ missing, code: why.code, detail: `${why.message}${given}` });
  }
}
