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
 *
 * With holdings (HAVE announcements, chunk-sources.ts), a chunk is asked only of links that hold
 * it (links that announced nothing may still be asked); a link that said NotFound for a chunk it
 * announced is not asked that chunk again, but may be asked others. A chunk no link holds yet,
 * while linked peers are downloading the file too, waits for their HAVE_CHUNKS, except the chunks
 * this visitor owns by rendezvous: those go to the origin (`onOrigin`, a window at a time that
 * opens as chunks arrive, re-decided each time, since downloaders come and go). The wait is bounded: idleMs
 * without any announcement or arrival ends the download, and the SW takes the rest from the origin.
 */
import { DeployNetError, RejectReason, chunkRange, partsHasher, partsLength, peerBudgetMs, toHex, type ByteParts, type PartsHash } from '../core/index.js';
import { originShare, originWindow, sourcesFor } from './chunk-sources.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_PER_PEER, realTimers, type ChunkLink, type DownloadHandle, type DownloadOptions, type DownloadResult, type DownloadTimers } from './download-options.js';

export * from './download-options.js';

interface Attempt {
  readonly link: ChunkLink;
  readonly abort: AbortController;
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
  /** `${peerId} ${index}`: a peer that announced a chunk but said NotFound for it. */
  private readonly refused = new Set<string>();
  /** Chunks handed to the origin (onOrigin), until the SW drops them. */
  private readonly atOrigin = new Set<number>();
  /** Handed chunks that came in (the origin window opens with them). */
  private fromOrigin = 0;
  private handedAny = false;
  /** When links last announced something or a chunk arrived: waiting for HAVE ends idleMs after. */
  private lastNews: number;
  private unsubscribe: () => void = () => undefined;
  private received = 0;
  private lastError: DeployNetError | null = null;
  private wakeTimer: unknown;
  private deadlineTimer: unknown;
  private removeAbortListener: () => void = () => undefined;
  private finish: (result: DownloadResult) => void = () => undefined;
  private finished = false;
  private readonly perPeer: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private readonly timers: DownloadTimers;
  private readonly hash: PartsHash;

  constructor(private readonly o: DownloadOptions) {
    this.hash = o.hash ?? partsHasher(o.crypto);
    this.queue = [...o.target.want];
    this.perPeer = o.perPeer ?? DEFAULT_PER_PEER;
    this.maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.now = o.now ?? Date.now;
    this.timers = o.timers ?? realTimers;
    this.lastNews = this.now();
  }

  run(): Promise<DownloadResult> {
    return new Promise((resolve) => {
      this.finish = resolve;
      const onAbort = () => this.end(new DeployNetError('CANCELLED', 'download cancelled'));
      this.o.signal?.addEventListener('abort', onAbort, { once: true });
      this.removeAbortListener = () => this.o.signal?.removeEventListener('abort', onAbort);
      if (this.o.signal?.aborted) return this.end(new DeployNetError('CANCELLED', 'download cancelled'));
      // Links honour per-request deadlines; this one holds even if one of them does not.
      this.deadlineTimer = this.timers.setTimeout(() => this.end(new DeployNetError('PEER_TIMEOUT', 'the download deadline passed')), Math.max(0, this.o.deadline - this.now()));
      this.unsubscribe = this.o.holdings?.onChange(() => this.news()) ?? (() => undefined);
      this.pump();
    });
  }

  drop(indices: readonly number[]): void {
    for (const index of indices) {
      if (this.atOrigin.delete(index)) this.fromOrigin++;
      if (this.done.has(index)) continue;
      this.done.add(index); // not delivered by us, but no longer missing either
      this.dropped.add(index);
      const at = this.queue.indexOf(index);
      if (at !== -1) this.queue.splice(at, 1);
      for (const a of this.inFlight.get(index) ?? []) a.abort.abort();
    }
    this.news();
  }

  /** Links announced something, or chunks arrived from the origin: the swarm moves; look again. */
  private news(): void {
    if (this.finished) return;
    this.lastNews = this.now();
    // Tells the SW this session is alive while it waits for announcements (progress is throttled).
    this.o.onProgress?.(this.received);
    this.pump();
  }

  private pump(): void {
    if (this.finished) return;
    this.timers.clearTimeout(this.wakeTimer);
    const now = this.now();
    if (now >= this.o.deadline) return this.end(new DeployNetError('PEER_TIMEOUT', 'the download deadline passed'));
    const links = this.o.links().filter((l) => l.isOpen && !this.lacking.has(l.peerId));
    const unheld: number[] = [];
    // Lowest first, but a chunk nobody can give yet does not hold up the ones after it.
    for (const index of [...this.queue]) {
      const sources = this.sources(links, index);
      if (sources.length === 0) unheld.push(index);
      const link = this.best(sources, index, now, []);
      if (!link) continue;
      this.queue.splice(this.queue.indexOf(index), 1);
      this.start(index, link, now);
    }
    this.shareOrigin(links, unheld);
    if (this.queue.length === 0) this.race(links, now);
    if (this.queue.length === 0 && this.inFlight.size === 0) return this.end(null);
    // Chunks wait: a peer in backoff may come back before the deadline; wake up for it then,
    // even while other chunks are in flight (their ends pump too).
    const waiting = links.map((l) => this.o.scores.retryAt(l.peerId, now)).filter((t) => t > now && t < this.o.deadline);
    if (this.inFlight.size > 0) {
      if (this.queue.length > 0 && waiting.length > 0) this.wakeTimer = this.timers.setTimeout(() => this.pump(), Math.min(...waiting) - now);
      return;
    }
    if (waiting.length > 0) {
      this.wakeTimer = this.timers.setTimeout(() => this.pump(), Math.min(...waiting) - now);
      return;
    }
    // Nothing in flight: chunks no link holds yet. While linked peers download this file too (or
    // the first origin window is out: in its time, visitors that started together hear of each
    // other), wait for news, up to idleMs without any. Alone, end: the SW fetches the rest of the
    // file in one request.
    const mayAnnounce = this.o.holdings !== undefined && this.o.onOrigin !== undefined && (this.atOrigin.size > 0 || this.downloaders(links).length > 0);
    const quietUntil = this.lastNews + this.o.idleMs;
    if (mayAnnounce && quietUntil > now) {
      this.wakeTimer = this.timers.setTimeout(() => this.pump(), quietUntil - now);
      return;
    }
    const why = mayAnnounce ? new DeployNetError('PEER_TIMEOUT', `no peer announced the ${this.queue.length} chunks still wanted within ${this.o.idleMs} ms`) : null;
    this.end(why ?? this.lastError ?? new DeployNetError('PEER_UNAVAILABLE', 'no connected peer holds this file'));
  }

  /**
   * Hands the origin the chunks this visitor owns among those no link holds (rendezvous among the
   * file's downloaders), a window at a time. With no links at all nothing is handed: the download
   * ends and the SW fetches the whole rest in one request; with links but no other downloader,
   * only the first window (one chunk), while the others may still announce they start too.
   */
  private shareOrigin(links: readonly ChunkLink[], unheld: readonly number[]): void {
    const h = this.o.holdings;
    if (!h || !this.o.onOrigin || links.length === 0 || unheld.length === 0) return;
    const downloaders = this.downloaders(links);
    // Alone, only the first window: if nobody joins meanwhile, the download ends (see pump).
    if (downloaders.length === 0 && this.handedAny) return;
    const share = originShare(this.o.target.sha256, unheld, h.self(), downloaders, originWindow(this.fromOrigin) - this.atOrigin.size);
    if (share.length === 0) return;
    this.handedAny = true;
    for (const index of share) {
      this.atOrigin.add(index);
      this.queue.splice(this.queue.indexOf(index), 1);
    }
    this.o.onOrigin(share);
  }

  /** Open links that announced they are downloading this file too. */
  private downloaders(links: readonly ChunkLink[]): string[] {
    const open = new Set(links.map((l) => l.peerId));
    return this.o.holdings?.downloaders().filter((d) => open.has(d)) ?? [];
  }

  private sources(links: readonly ChunkLink[], index: number): ChunkLink[] {
    return sourcesFor(links, index, this.o.holdings, (peerId, i) => this.refused.has(`${peerId} ${i}`));
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
      const idle = this.sources(links, index).filter((l) => (this.perLink.get(l.peerId) ?? 0) === 0);
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
        (parts) => this.arrived(index, attempt, parts, now, firstByteMs ?? this.now() - now, sharing),
        (error: unknown) => this.failed(index, attempt, error),
      )
      .catch((error: unknown) => this.failed(index, attempt, error));
  }

  private async arrived(index: number, attempt: Attempt, parts: ByteParts, askedAt: number, firstByteMs: number, sharing: number): Promise<void> {
    const ok = toHex(await this.hash(parts)) === this.o.target.chunks[index];
    if (!ok) {
      this.o.onBadChunk(attempt.link);
      this.o.scores.failed(attempt.link.peerId, this.now());
      return this.failed(index, attempt, new DeployNetError('HASH_MISMATCH', `peer ${attempt.link.peerId} sent chunk ${index} with the wrong hash`));
    }
    this.o.scores.succeeded(attempt.link.peerId, partsLength(parts), this.now() - askedAt, firstByteMs, sharing);
    this.settle(index, attempt);
    if (!this.finished && !this.done.has(index) && !this.dropped.has(index)) {
      this.done.add(index);
      for (const other of this.inFlight.get(index) ?? []) other.abort.abort(); // the race's loser
      try {
        this.o.onChunk(index, parts, attempt.link.peerId);
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
        // A peer that lacks the file says nothing about the chunk: that ask does not count. One
        // that announced what it holds lacks this chunk only (its announcement was ahead of its
        // storage, or stale).
        if (reason === RejectReason.NotFound && this.o.holdings && this.o.holdings.holds(attempt.link.peerId, index) !== 'unknown') this.refused.add(`${attempt.link.peerId} ${index}`);
        else this.lacking.add(attempt.link.peerId);
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
    this.timers.clearTimeout(this.wakeTimer);
    this.timers.clearTimeout(this.deadlineTimer);
    this.removeAbortListener();
    this.unsubscribe();
    for (const attempts of this.inFlight.values()) for (const a of attempts) a.abort.abort();
    // Chunks handed to the origin are the SW's now: not missing from this session.
    const missing = this.o.target.want.filter((i) => !this.done.has(i) && !this.atOrigin.has(i));
    if (missing.length === 0) return this.finish({ missing, code: null, detail: '' });
    const why = error ?? this.lastError ?? new DeployNetError('PEER_UNAVAILABLE', 'no peer could give these chunks');
    const given = this.givenUp.size > 0 ? `; ${this.givenUp.size} chunks failed ${this.maxAttempts} times` : '';
    this.finish({ missing, code: why.code, detail: `${why.message}${given}` });
  }
}
