/**
 * The types of a swarm download (swarm-download.ts): what it needs of a link, what to get, its
 * options and its result.
 */
import type { ByteParts, CryptoProvider, ErrorCode, PartsHash } from '../core/index.js';
import type { FileHoldings } from './chunk-sources.js';
import type { PeerScores } from './peer-scores.js';

/** What the scheduler needs of a peer link (PeerLink implements it). */
export interface ChunkLink {
  readonly peerId: string;
  readonly isOpen: boolean;
  request(sha256: string, start: number, end: number, deadline: number, idleMs: number, onProgress?: (received: number) => void, signal?: AbortSignal): Promise<ByteParts>;
}

/**
 * The two timer calls the scheduler makes, injectable with `now` so that a discrete-event
 * simulator (test/sim/) drives the real scheduler on simulated time.
 */
export interface DownloadTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers. */
export const realTimers: DownloadTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
};

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
  /** Hashes chunks that came in several pieces (default: one of its own over `crypto`). */
  readonly hash?: PartsHash;
  /** A chunk request without a frame for this long has failed (the site's peerTimeoutMs). */
  readonly idleMs: number;
  /** Epoch ms after which nothing new is asked and the download ends. */
  readonly deadline: number;
  readonly perPeer?: number;
  readonly maxAttempts?: number;
  /** A verified chunk, in the pieces it came in (the callee may transfer their buffers). */
  readonly onChunk: (index: number, parts: ByteParts, peerId: string) => void;
  /** A peer sent bytes that do not match the manifest. */
  readonly onBadChunk: (link: ChunkLink) => void;
  /** Bytes received so far, every frame (partial chunks and races included). */
  readonly onProgress?: (received: number) => void;
  /** Aborting ends the download at once; in-flight requests are cancelled. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /** Timers for the scheduler's waits (default: the global ones); a simulator passes simulated time. */
  readonly timers?: DownloadTimers;
  /** What links announced they hold of this file; none: every link may be asked for every chunk. */
  readonly holdings?: FileHoldings;
  /**
   * Chunks this visitor owns among the file's downloaders and no link holds: the SW fetches them
   * from the origin now, and drop()s them once in. None: such chunks are left to the end.
   */
  readonly onOrigin?: (indices: readonly number[]) => void;
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

export interface DownloadHandle {
  readonly result: Promise<DownloadResult>;
  /** These chunks are no longer wanted (the SW got them elsewhere): stop asking, cancel in flight. */
  drop(indices: readonly number[]): void;
}
