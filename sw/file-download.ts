/**
 * One listed file, chunk by chunk, from peers and the origin at once, every chunk verified
 * against the manifest before it is used (invariant 2), streamed to the page in order.
 *
 * Peers first: one peer session (the page bridge asks every connected peer, see
 * page-bridge/swarm-download.ts) for every chunk not already here. The origin takes over what the
 * peers do not deliver: when the session ends with chunks missing, or when the lowest missing
 * chunk (the one the stream waits for) is later than `patienceMs` allows, the origin is asked for
 * a run of chunks from there (a Range request; the whole file in one plain GET when nothing is
 * here yet) and races the peers for them; whichever verified copy lands first is kept, and the
 * peers are told to drop what the origin delivered. Every failure path ends at the origin
 * (invariant 7); only when the origin fails too does the download fail.
 *
 * Rendezvous: in a new swarm the bridge may hand back chunks nobody holds that this visitor owns
 * (peer-fetch-origin): they are fetched from the origin at once, one request per run, while the
 * peer session goes on for the others (which the owners fetch and announce). The head-of-line
 * watchdog is unchanged: a late chunk 0 is raced by the origin whoever owns it.
 *
 * Resume: a file of several chunks keeps its verified chunks in the partial store while it
 * downloads (file-partials.ts). The next download of the file starts from what is stored: each
 * stored chunk is verified again (storage is not trusted any more than a peer), counts as
 * `cache`, and peers and the origin are asked only for the rest. Origin chunks are stored at
 * once (in a new swarm the other downloaders wait for their announcement). Peer chunks of a
 * whole-file download are stored once it has run for PEER_WRITE_DELAY_MS, or at once when it
 * stops short: one that completes sooner stores none (they would be deleted again as soon as the
 * file is cached; writing and deleting them cost more CPU than the transfer itself).
 */
import { chunkCount, chunkHashes, chunkRange, partsHasher, partsLength, toHex, type ByteParts, type CryptoProvider, type ManifestFile, type PartsHash, type Source } from '../core/index.js';
import type { PeerFailure, PeerHandlers, PeerSession } from './bridge-registry.js';
import { FilePartials } from './file-partials.js';
import { OriginMismatch, originChunks } from './origin-chunks.js';
import type { PartialStore } from './partial-store.js';

export interface FileDownloadDeps {
  readonly file: ManifestFile;
  readonly chunkSize: number;
  readonly crypto: CryptoProvider;
  /** Hashes chunks that came in several pieces (default: one of its own over `crypto`). */
  readonly hash?: PartsHash;
  /** Opens a peer session for these chunks; null when this file must not come from peers. */
  readonly peers: ((want: readonly number[], handlers: PeerHandlers) => PeerSession) | null;
  /** The origin's answer for bytes [start, end) of the file (a Range request unless it is all of it). */
  readonly origin: (start: number, end: number, signal: AbortSignal) => Promise<Response>;
  /** How long the stream may wait for a chunk of this size while peers work, before the origin races it. */
  readonly patienceMs: (chunkBytes: number) => number;
  /** Hears every verified chunk: the bytes so far, by source. */
  readonly onProgress?: (loaded: number, bytes: Readonly<Record<Source, number>>) => void;
  /** Where verified chunks of a file of several chunks are kept while it downloads; none: no resume. */
  readonly partials?: PartialStore;
  /** How long to wait for the stored chunks before starting without them (default STORED_CHUNKS_WAIT_MS). */
  readonly partialsWaitMs?: number;
  /** A chunk this download verified has landed in the partial store (the page may now serve it). */
  readonly onStored?: (index: number) => void;
  /**
   * Only these chunks (inclusive), e.g. the ones a Range request needs; default: the whole file.
   * Chunks of a span are kept in the partial store like any others, so a later download resumes.
   */
  readonly span?: { readonly first: number; readonly last: number };
}

export { OriginMismatch };

/** How long a whole-file download keeps its peer chunks in memory only; from then on, and when it stops short, they are stored. */
export const PEER_WRITE_DELAY_MS = 1000;

/** Chunks the origin is asked for at once when it races a late chunk. */
const RACE_RUN_CHUNKS = 4;

export class FileDownload {
  readonly bytes: Record<Source, number> = { cache: 0, peer: 0, origin: 0 };
  /** Why peers did not deliver everything, when they did not; for x-deploynet-peer-failure. */
  peerFailure: string | null = null;
  readonly #count: number;
  /** The chunks this download gets: [first, last]. */
  readonly #first: number;
  readonly #last: number;
  readonly #hashes: readonly string[];
  /** Each verified chunk in the pieces it came in (a peer's DATA frames; one piece otherwise). */
  readonly #chunks: Array<ByteParts | undefined>;
  readonly #hash: PartsHash;
  readonly #sources: Array<Source | undefined>;
  readonly #originBusy = new Set<number>();
  readonly #originAbort = new AbortController();
  #session: PeerSession | null = null;
  #peersActive = false;
  #failure: Error | null = null;
  #loaded = 0;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #watched = -1;
  readonly #wakers = new Set<() => void>();
  readonly #verifying = new Set<Promise<void>>();
  #stopped = false;
  /** Null for a single chunk: nothing to resume. */
  readonly #partials: FilePartials | null;
  /** Peer chunks are held in memory only (see PEER_WRITE_DELAY_MS) until this turns false. */
  #holdPeer: boolean;
  #writeTimer: ReturnType<typeof setTimeout> | undefined;
  #ended!: () => void;
  /**
   * Settles once the download is over (complete, failed or aborted) and every chunk it stored
   * has been written: what a service worker must stay alive for.
   */
  readonly settled: Promise<void>;
  readonly #deps: FileDownloadDeps;

  constructor(deps: FileDownloadDeps) {
    this.#deps = deps;
    this.#count = chunkCount(deps.file.size, deps.chunkSize);
    this.#first = Math.max(0, Math.min(deps.span?.first ?? 0, this.#count - 1));
    this.#last = Math.max(this.#first, Math.min(deps.span?.last ?? this.#count - 1, this.#count - 1));
    this.#hashes = chunkHashes(deps.file);
    this.#chunks = new Array<ByteParts | undefined>(this.#count);
    this.#hash = deps.hash ?? partsHasher(deps.crypto);
    this.#sources = new Array<Source | undefined>(this.#count);
    this.#partials = deps.partials && this.#count > 1 ? new FilePartials(deps.partials, deps.file.sha256, deps.partialsWaitMs) : null;
    // A span's chunks are kept for the next request (it is never cached): stored at once.
    this.#holdPeer = !deps.span;
    this.settled = new Promise<void>((resolve) => (this.#ended = resolve)).then(() => this.#partials?.flushed());
  }

  /** Starts the download; resolves with the source of its first chunk once it is verified. */
  async start(): Promise<Source> {
    await this.#resume();
    const missing = this.#missing();
    if (missing.length > 0 && this.#deps.peers) {
      this.#peersActive = true;
      this.#session = this.#deps.peers(missing, {
        chunk: (index, parts, peerId) => void this.#fromPeer(index, parts, peerId),
        end: (failure) => this.#peersEnded(failure),
        origin: (indices) => this.#fromOrigin(indices.filter((i) => i < this.#count && !this.#chunks[i] && !this.#originBusy.has(i))),
      });
      this.#watch();
    } else if (missing.length > 0) {
      this.#fromOrigin(missing);
    }
    await this.#until(() => this.#chunks[this.#first] !== undefined);
    return this.#sources[this.#first]!;
  }

  /** Deletes the file's stored chunks (once its writes have landed): call when it is cached. */
  async dropStored(): Promise<void> {
    await this.#partials?.drop();
  }

  /** The verified bytes in order, as they become available. */
  stream(): ReadableStream<Uint8Array> {
    let next = 0;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        await this.#until(() => this.#chunks[next] !== undefined);
        // The pieces themselves, not copies (a copy cost the SW 40 ms per 5.8 MB): a default
        // stream hands its reader the same views, and the readers here (the browser's body pipe,
        // a site's own SW code) do not write to them.
        for (const part of this.#chunks[next]!) controller.enqueue(part);
        if (++next === this.#count) controller.close();
      },
    });
  }

  /** Bytes [start, end) of the file, once the chunks they fall in are in (they must be in the span). */
  async slice(start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
    const from = Math.floor(start / this.#deps.chunkSize);
    const to = Math.floor(Math.max(start, end - 1) / this.#deps.chunkSize);
    await this.whenComplete();
    const out = new Uint8Array(end - start);
    for (let i = from; i <= to; i++) {
      let at = this.#range(i).start; // the file offset of the piece
      for (const part of this.#chunks[i]!) {
        const a = Math.max(start, at);
        const b = Math.min(end, at + part.length);
        if (a < b) out.set(part.subarray(a - at, b - at), a - start);
        at += part.length;
      }
    }
    return out;
  }

  /** Resolves once every chunk of the span is in; rejects when the download failed. */
  whenComplete(): Promise<void> {
    return this.#until(() => this.#complete());
  }

  /** Stops everything (nobody needs the file any more, or it is complete). */
  abort(): void {
    this.#stopped = true;
    clearTimeout(this.#writeTimer);
    // Stopped short, the peer chunks held in memory are what the next download resumes from;
    // complete, the file is about to be cached and they are not needed (and no chunk can come
    // any more: #accept takes none it has).
    if (!this.#complete()) this.#storeHeld();
    this.#ended();
    this.#peersActive = false; // first, so the session's end does not send anything to the origin
    clearTimeout(this.#watchdog);
    this.#session?.cancel();
    this.#originAbort.abort();
  }

  /** Takes the chunks an interrupted download left, each one that still verifies. */
  async #resume(): Promise<void> {
    if (!this.#partials) return;
    const stored = await this.#partials.load();
    let refused = 0;
    for (const [index, bytes] of stored) {
      if (index >= this.#count) continue;
      if (await this.#verified(index, [bytes])) this.#accept(index, [bytes], 'cache');
      else refused++;
    }
    // Not fatal: the chunk is fetched again, and storing it overwrites the bad copy.
    if (refused > 0) console.warn(`[deploynet] ${refused} stored chunks of ${this.#deps.file.sha256} are corrupt; fetching them again`);
  }

  #fromPeer(index: number, parts: ByteParts, peerId: string): void {
    const check = this.#checkPeerChunk(index, parts, peerId);
    this.#verifying.add(check);
    void check.finally(() => this.#verifying.delete(check));
  }

  async #checkPeerChunk(index: number, parts: ByteParts, peerId: string): Promise<void> {
    if (index >= this.#count || this.#chunks[index]) return;
    if (await this.#verified(index, parts)) return this.#accept(index, parts, 'peer');
    // The bridge verifies before it sends; a bad chunk here means a broken bridge: stop asking it.
    this.#peersEnded({ failed: 'HASH_MISMATCH', detail: `the bridge passed on a bad chunk ${index} from ${peerId}` });
    this.#session?.cancel();
  }

  #peersEnded(failure: PeerFailure | null): void {
    if (!this.#peersActive) return;
    this.#peersActive = false;
    clearTimeout(this.#watchdog);
    if (failure && this.peerFailure === null) this.peerFailure = failure.detail === undefined ? failure.failed : `${failure.failed}; ${failure.detail}`;
    // Chunks that arrived just before the end are still being hashed: count them first.
    void Promise.all(this.#verifying).then(() => {
      if (!this.#stopped) this.#fromOrigin(this.#missing());
    });
  }

  /** Arms the timer for the chunk the stream waits for (the lowest missing one). */
  #watch(): void {
    const gap = this.#lowestMissing();
    if (!this.#peersActive || gap === -1 || gap === this.#watched || this.#originBusy.has(gap)) return;
    clearTimeout(this.#watchdog);
    this.#watched = gap;
    const { start, end } = this.#range(gap);
    const patience = this.#deps.patienceMs(end - start);
    this.#watchdog = setTimeout(() => {
      if (this.#chunks[gap] || !this.#peersActive) return;
      this.peerFailure ??= `PEER_TIMEOUT; chunk ${gap} was not in after ${patience} ms; the origin raced the peers`;
      const run = this.#missing().filter((i) => i >= gap).slice(0, RACE_RUN_CHUNKS);
      this.#fromOrigin(run);
    }, patience);
  }

  #missing(): number[] {
    const out: number[] = [];
    for (let i = this.#first; i <= this.#last; i++) if (!this.#chunks[i] && !this.#originBusy.has(i)) out.push(i);
    return out;
  }

  #lowestMissing(): number {
    for (let i = this.#first; i <= this.#last; i++) if (!this.#chunks[i]) return i;
    return -1;
  }

  /** Every chunk of the span is in. */
  #complete(): boolean {
    return this.#lowestMissing() === -1;
  }

  /** Asks the origin for these chunks, one request per contiguous run. */
  #fromOrigin(indices: readonly number[]): void {
    let run: number[] = [];
    for (const i of indices) {
      if (run.length > 0 && i !== run[run.length - 1]! + 1) {
        void this.#originRun(run);
        run = [];
      }
      run.push(i);
    }
    if (run.length > 0) void this.#originRun(run);
  }

  async #originRun(run: readonly number[]): Promise<void> {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    for (const i of run) this.#originBusy.add(i);
    if (this.#deps.file.size === 0) {
      // Nothing to fetch: the empty chunk verifies against the manifest's hash or it does not.
      if (await this.#verified(0, [new Uint8Array(0)])) return this.#accept(0, [new Uint8Array(0)], 'origin');
      return this.#fail(new OriginMismatch('an empty file does not match the manifest'));
    }
    const start = this.#range(first).start;
    const end = this.#range(last).end;
    try {
      const response = await this.#deps.origin(start, end, this.#originAbort.signal);
      for await (const { index, parts } of originChunks(response, first, last, this.#deps.file.size, this.#deps.chunkSize)) {
        if (this.#chunks[index]) continue;
        if (!(await this.#verified(index, parts))) throw new OriginMismatch(`the origin's chunk ${index} does not match the manifest`);
        this.#accept(index, parts, 'origin');
      }
    } catch (error) {
      for (const i of run) this.#originBusy.delete(i);
      if (!this.#originAbort.signal.aborted) this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #fail(error: Error): void {
    // Peers still at work may yet deliver what the origin could not; when they end, the origin
    // is asked once more for what is still missing.
    if (this.#peersActive) return;
    this.#failure ??= error;
    this.abort();
    this.#wake();
  }

  #accept(index: number, parts: ByteParts, source: Source): void {
    if (this.#chunks[index]) return;
    const size = partsLength(parts);
    this.#chunks[index] = parts;
    this.#sources[index] = source;
    this.bytes[source] += size;
    this.#loaded += size;
    if (source === 'peer' && this.#holdPeer) this.#writeTimer ??= setTimeout(() => this.#storeHeld(), PEER_WRITE_DELAY_MS);
    else if (source !== 'cache' && !this.#stopped) this.#store(index);
    this.#deps.onProgress?.(this.#loaded, this.bytes);
    if (source === 'origin' && this.#peersActive) this.#session?.cancel([index]);
    if (this.#complete()) {
      this.abort();
    } else {
      this.#watch();
    }
    this.#wake();
  }

  #store(index: number): void {
    this.#partials?.keep(index, this.#chunks[index]!, this.#deps.onStored);
  }

  /** Stores the peer chunks held in memory only; from then on each is stored as it comes. */
  #storeHeld(): void {
    if (!this.#holdPeer) return;
    this.#holdPeer = false;
    this.#sources.forEach((source, index) => source === 'peer' && this.#store(index));
  }

  async #verified(index: number, parts: ByteParts): Promise<boolean> {
    const { start, end } = this.#range(index);
    return partsLength(parts) === end - start && toHex(await this.#hash(parts)) === this.#hashes[index];
  }

  /** Bytes [start, end) of chunk `index` in the file. */
  #range(index: number): { start: number; end: number } {
    return chunkRange(index, this.#deps.file.size, this.#deps.chunkSize);
  }

  #until(ready: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) return done(resolve);
        if (this.#failure) return done(() => reject(this.#failure));
      };
      const done = (settle: () => void) => {
        this.#wakers.delete(check);
        settle();
      };
      this.#wakers.add(check);
      check();
    });
  }

  #wake(): void {
    for (const check of [...this.#wakers]) check();
  }
}
