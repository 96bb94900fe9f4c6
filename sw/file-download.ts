/**
 * One listed file, chunk by chunk, from peers and the origin at once, every chunk verified
 * against the manifest before it is used (invariant 2), streamed to the page in order.
 *
 * Peers first: one peer session (the page bridge asks every connected peer, see
 * page-bridge/swarm-download.ts) for every chunk. The origin takes over what the peers do not
 * deliver: when the session ends with chunks missing, or when the lowest missing chunk (the one
 * the stream waits for) is later than `patienceMs` allows, the origin is asked for a run of chunks
 * from there (a Range request; the whole file in one plain GET when nothing came from peers) and
 * races the peers for them; whichever verified copy lands first is kept, and the peers are told
 * to drop what the origin delivered. Every failure path ends at the origin (invariant 7); only
 * when the origin fails too does the download fail.
 */
import { chunkCount, chunkHashes, chunkRange, toHex, type CryptoProvider, type ManifestFile, type Source } from '../core/index.js';
import type { PeerFailure, PeerHandlers, PeerSession } from './bridge-registry.js';

export interface FileDownloadDeps {
  readonly file: ManifestFile;
  readonly chunkSize: number;
  readonly crypto: CryptoProvider;
  /** Opens a peer session for these chunks; null when this file must not come from peers. */
  readonly peers: ((want: readonly number[], handlers: PeerHandlers) => PeerSession) | null;
  /** The origin's answer for bytes [start, end) of the file (a Range request unless it is all of it). */
  readonly origin: (start: number, end: number, signal: AbortSignal) => Promise<Response>;
  /** How long the stream may wait for a chunk of this size while peers work, before the origin races it. */
  readonly patienceMs: (chunkBytes: number) => number;
  /** Hears every verified chunk: the bytes so far, by source. */
  readonly onProgress?: (loaded: number, bytes: Readonly<Record<Source, number>>) => void;
}

/** The origin's bytes did not match the manifest (a deploy in progress?), or it answered an error. */
export class OriginMismatch extends Error {
  override readonly name = 'OriginMismatch';
}

/** Chunks the origin is asked for at once when it races a late chunk. */
const RACE_RUN_CHUNKS = 4;

export class FileDownload {
  readonly bytes: Record<Source, number> = { cache: 0, peer: 0, origin: 0 };
  /** Why peers did not deliver everything, when they did not; for x-deploynet-peer-failure. */
  peerFailure: string | null = null;
  private readonly count: number;
  private readonly hashes: readonly string[];
  private readonly chunks: Array<Uint8Array | undefined>;
  private readonly sources: Array<Source | undefined>;
  private readonly originBusy = new Set<number>();
  private readonly originAbort = new AbortController();
  private session: PeerSession | null = null;
  private peersActive = false;
  private failure: Error | null = null;
  private have = 0;
  private loaded = 0;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private watched = -1;
  private readonly wakers = new Set<() => void>();
  private readonly verifying = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: FileDownloadDeps) {
    this.count = chunkCount(deps.file.size, deps.chunkSize);
    this.hashes = chunkHashes(deps.file);
    this.chunks = new Array<Uint8Array | undefined>(this.count);
    this.sources = new Array<Source | undefined>(this.count);
  }

  /** Starts the download; resolves with chunk 0's source once it is verified. */
  async start(): Promise<Source> {
    const all = Array.from({ length: this.count }, (_, i) => i);
    if (this.deps.peers) {
      this.peersActive = true;
      this.session = this.deps.peers(all, {
        chunk: (index, body, peerId) => void this.fromPeer(index, new Uint8Array(body), peerId),
        end: (failure) => this.peersEnded(failure),
      });
      this.watch();
    } else {
      this.fromOrigin(all);
    }
    await this.until(() => this.chunks[0] !== undefined);
    return this.sources[0]!;
  }

  /** The verified bytes in order, as they become available. */
  stream(): ReadableStream<Uint8Array> {
    let next = 0;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        await this.until(() => this.chunks[next] !== undefined);
        controller.enqueue(this.chunks[next]!.slice());
        if (++next === this.count) controller.close();
      },
    });
  }

  /** All of the file's verified bytes, once every chunk is in. */
  async whole(): Promise<ArrayBuffer> {
    await this.until(() => this.have === this.count);
    const out = new Uint8Array(this.deps.file.size);
    for (let i = 0; i < this.count; i++) out.set(this.chunks[i]!, chunkRange(i, this.deps.file.size, this.deps.chunkSize).start);
    return out.buffer;
  }

  /** Stops everything (nobody needs the file any more, or it is complete). */
  abort(): void {
    this.stopped = true;
    this.peersActive = false; // first, so the session's end does not send anything to the origin
    clearTimeout(this.watchdog);
    this.session?.cancel();
    this.originAbort.abort();
  }

  private fromPeer(index: number, bytes: Uint8Array, peerId: string): void {
    const check = this.checkPeerChunk(index, bytes, peerId);
    this.verifying.add(check);
    void check.finally(() => this.verifying.delete(check));
  }

  private async checkPeerChunk(index: number, bytes: Uint8Array, peerId: string): Promise<void> {
    if (index >= this.count || this.chunks[index]) return;
    if (await this.verified(index, bytes)) return this.accept(index, bytes, 'peer');
    // The bridge verifies before it sends; a bad chunk here means a broken bridge: stop asking it.
    this.peersEnded({ failed: 'HASH_MISMATCH', detail: `the bridge passed on a bad chunk ${index} from ${peerId}` });
    this.session?.cancel();
  }

  private peersEnded(failure: PeerFailure | null): void {
    if (!this.peersActive) return;
    this.peersActive = false;
    clearTimeout(this.watchdog);
    if (failure && this.peerFailure === null) this.peerFailure = failure.detail === undefined ? failure.failed : `${failure.failed}; ${failure.detail}`;
    // Chunks that arrived just before the end are still being hashed: count them first.
    void Promise.all(this.verifying).then(() => {
      if (!this.stopped) this.fromOrigin(this.missing());
    });
  }

  /** Arms the timer for the chunk the stream waits for (the lowest missing one). */
  private watch(): void {
    const gap = this.chunks.findIndex((c) => c === undefined);
    if (!this.peersActive || gap === -1 || gap === this.watched || this.originBusy.has(gap)) return;
    clearTimeout(this.watchdog);
    this.watched = gap;
    const { start, end } = chunkRange(gap, this.deps.file.size, this.deps.chunkSize);
    const patience = this.deps.patienceMs(end - start);
    this.watchdog = setTimeout(() => {
      if (this.chunks[gap] || !this.peersActive) return;
      this.peerFailure ??= `PEER_TIMEOUT; chunk ${gap} was not in after ${patience} ms; the origin raced the peers`;
      const run = this.missing().filter((i) => i >= gap).slice(0, RACE_RUN_CHUNKS);
      this.fromOrigin(run);
    }, patience);
  }

  private missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (!this.chunks[i] && !this.originBusy.has(i)) out.push(i);
    return out;
  }

  /** Asks the origin for these chunks, one request per contiguous run. */
  private fromOrigin(indices: readonly number[]): void {
    let run: number[] = [];
    for (const i of indices) {
      if (run.length > 0 && i !== run[run.length - 1]! + 1) {
        void this.originRun(run);
        run = [];
      }
      run.push(i);
    }
    if (run.length > 0) void this.originRun(run);
  }

  private async originRun(run: readonly number[]): Promise<void> {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    for (const i of run) this.originBusy.add(i);
    if (this.deps.file.size === 0) {
      // Nothing to fetch: the empty chunk verifies against the manifest's hash or it does not.
      if (await this.verified(0, new Uint8Array(0))) return this.accept(0, new Uint8Array(0), 'origin');
      return this.fail(new OriginMismatch('the manifest lists an empty file with the hash of a non-empty one'));
    }
    const start = chunkRange(first, this.deps.file.size, this.deps.chunkSize).start;
    const end = chunkRange(last, this.deps.file.size, this.deps.chunkSize).end;
    try {
      const response = await this.deps.origin(start, end, this.originAbort.signal);
      const skip = originOffset(response, start, end, this.deps.file.size);
      let index = first;
      let buffer = new Uint8Array(chunkRange(first, this.deps.file.size, this.deps.chunkSize).end - start);
      let filled = 0;
      let toSkip = skip;
      for await (const piece of readBody(response)) {
        let data = piece;
        if (toSkip > 0) {
          const cut = Math.min(toSkip, data.length);
          data = data.subarray(cut);
          toSkip -= cut;
        }
        while (data.length > 0 && index <= last) {
          const take = Math.min(buffer.length - filled, data.length);
          buffer.set(data.subarray(0, take), filled);
          filled += take;
          data = data.subarray(take);
          if (filled < buffer.length) break;
          if (!this.chunks[index]) {
            if (!(await this.verified(index, buffer))) throw new OriginMismatch(`the origin's chunk ${index} does not match the manifest`);
            this.accept(index, buffer, 'origin');
          }
          if (++index > last) break;
          const next = chunkRange(index, this.deps.file.size, this.deps.chunkSize);
          buffer = new Uint8Array(next.end - next.start);
          filled = 0;
        }
        if (index > last) break;
      }
      if (index <= last) throw new OriginMismatch(`the origin's answer ended early, at chunk ${index}`);
    } catch (error) {
      for (const i of run) this.originBusy.delete(i);
      if (!this.originAbort.signal.aborted) this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fail(error: Error): void {
    // Peers still at work may yet deliver what the origin could not; when they end, the origin
    // is asked once more for what is still missing.
    if (this.peersActive) return;
    this.failure ??= error;
    this.abort();
    this.wake();
  }

  private accept(index: number, bytes: Uint8Array, source: Source): void {
    if (this.chunks[index]) return;
    this.chunks[index] = bytes;
    this.sources[index] = source;
    this.bytes[source] += bytes.length;
    this.have++;
    this.loaded += bytes.length;
    this.deps.onProgress?.(this.loaded, this.bytes);
    if (source === 'origin' && this.peersActive) this.session?.cancel([index]);
    if (this.have === this.count) {
      this.abort();
    } else {
      this.watch();
    }
    this.wake();
  }

  private async verified(index: number, bytes: Uint8Array): Promise<boolean> {
    const { start, end } = chunkRange(index, this.deps.file.size, this.deps.chunkSize);
    return bytes.length === end - start && toHex(await this.deps.crypto.sha256(bytes)) === this.hashes[index];
  }

  private until(ready: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) return done(resolve);
        if (this.failure) return done(() => reject(this.failure));
      };
      const done = (settle: () => void) => {
        this.wakers.delete(check);
        settle();
      };
      this.wakers.add(check);
      check();
    });
  }

  private wake(): void {
    for (const check of [...this.wakers]) check();
  }
}

/**
 * How many bytes of the origin's body come before `start`: 0 for a 206 with the asked range, or
 * `start` for a 200 (an origin that ignores Range sends the whole file). Anything else is refused.
 */
export function originOffset(response: Response, start: number, end: number, size: number): number {
  if (response.status === 206) {
    const expected = `bytes ${start}-${end - 1}/${size}`;
    if (response.headers.get('content-range') !== expected) throw new OriginMismatch(`the origin answered ${response.headers.get('content-range') ?? 'no Content-Range'}, not ${expected}`);
    return 0;
  }
  if (response.status === 200) return start;
  throw new OriginMismatch(`the origin answered ${response.status}`);
}

async function* readBody(response: Response): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Stopped early (the run is complete, or failed): do not keep downloading the rest.
    if (!done) await reader.cancel().catch(() => undefined);
  }
}
