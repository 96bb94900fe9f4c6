/**
 * What this visitor has learnt about each peer's answers, shared by every download: how fast its
 * chunks arrive (an EWMA of milliseconds per byte, measured per chunk and divided by the chunks
 * that shared the link at the time), and, for peers that keep failing, exponential backoff behind
 * a circuit breaker. Pure: time comes in as numbers, so tests need no clock.
 *
 * Breaker: after `breakerThreshold` failures in a row a peer is "open" (not asked) until its
 * backoff ends, then "half-open": one chunk may probe it; a success closes the breaker, a failure
 * opens it again for twice as long (up to backoffMaxMs).
 */

export interface PeerScoreOptions {
  /** Backoff after the first failure; doubles with each failure in a row. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly breakerThreshold: number;
}

export const DEFAULT_SCORE_OPTIONS: PeerScoreOptions = { backoffBaseMs: 250, backoffMaxMs: 30_000, breakerThreshold: 3 };

/** Weight of the newest sample in the moving averages. */
const ALPHA = 0.3;

export type BreakerState = 'closed' | 'open' | 'half-open';

interface PeerRecord {
  /** Milliseconds per byte; undefined until the first chunk. */
  msPerByte: number | undefined;
  /** Milliseconds from asking to the first frame. */
  firstByteMs: number | undefined;
  failures: number;
  retryAt: number;
  probing: boolean;
}

export class PeerScores {
  private readonly peers = new Map<string, PeerRecord>();

  constructor(private readonly options: PeerScoreOptions = DEFAULT_SCORE_OPTIONS) {}

  breaker(peerId: string, now: number): BreakerState {
    const p = this.peers.get(peerId);
    if (!p || p.failures < this.options.breakerThreshold) return 'closed';
    return now < p.retryAt ? 'open' : 'half-open';
  }

  /** May a new chunk be asked of this peer now? */
  usable(peerId: string, now: number): boolean {
    const p = this.peers.get(peerId);
    if (!p || p.failures === 0) return true;
    if (now < p.retryAt) return false;
    return this.breaker(peerId, now) !== 'half-open' || !p.probing;
  }

  /** When a peer in backoff may be asked again (now when it may be asked at once). */
  retryAt(peerId: string, now: number): number {
    const p = this.peers.get(peerId);
    return p && p.failures > 0 ? Math.max(now, p.retryAt) : now;
  }

  /** A chunk is being asked of this peer (a half-open peer gets one probe at a time). */
  began(peerId: string, now: number): void {
    if (this.breaker(peerId, now) === 'half-open') this.record(peerId).probing = true;
  }

  /** A chunk of `bytes` arrived `ms` after asking, first frame after `firstByteMs`, sharing the link with `sharing` chunks. */
  succeeded(peerId: string, bytes: number, ms: number, firstByteMs: number, sharing: number): void {
    const p = this.record(peerId);
    p.failures = 0;
    p.retryAt = 0;
    p.probing = false;
    if (bytes > 0) p.msPerByte = ewma(p.msPerByte, Math.max(0, ms - firstByteMs) / (bytes * Math.max(1, sharing)));
    p.firstByteMs = ewma(p.firstByteMs, firstByteMs);
  }

  /**
   * A chunk asked of this peer ended without a verdict on the peer (cancelled, the peer lacks the
   * file, the link closed): a half-open peer is no longer being probed, so it may be probed again.
   */
  ended(peerId: string): void {
    const p = this.peers.get(peerId);
    if (p) p.probing = false;
  }

  /** A timeout, Busy, or bad bytes: back off, and open the breaker after enough in a row. */
  failed(peerId: string, now: number): void {
    const p = this.record(peerId);
    p.failures++;
    p.probing = false;
    p.retryAt = now + Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (p.failures - 1));
  }

  /**
   * Expected milliseconds until a chunk of `bytes` asked now arrives from this peer, with
   * `inFlight` chunks already asked of it. Unmeasured peers estimate 0, so each gets tried.
   */
  estimateMs(peerId: string, bytes: number, inFlight: number): number {
    const p = this.peers.get(peerId);
    if (p?.msPerByte === undefined) return 0;
    return (p.firstByteMs ?? 0) + p.msPerByte * bytes * (inFlight + 1);
  }

  private record(peerId: string): PeerRecord {
    let p = this.peers.get(peerId);
    if (!p) {
      p = { msPerByte: undefined, firstByteMs: undefined, failures: 0, retryAt: 0, probing: false };
      this.peers.set(peerId, p);
    }
    return p;
  }
}

function ewma(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + ALPHA * (sample - previous);
}
