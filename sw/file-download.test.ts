/**
 * FileDownload with a scripted peer session and an in-memory origin that honours (or ignores)
 * Range, on real bytes and real SHA-256 chunk hashes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { chunkCount, chunkRange, joinParts, partsLength, webCrypto, type ByteParts, type ManifestFile } from '../core/index.js';
import { prng } from '../test/unit/test-kit.js';
import type { PeerHandlers, PeerSession } from './bridge-registry.js';
import { FileDownload, OriginMismatch } from './file-download.js';
import { originOffset } from './origin-chunks.js';
import { MemoryPartialStore, type PartialStore } from './partial-store.js';

const CHUNK = 16 * 1024;
const crypto = webCrypto(globalThis.crypto.subtle);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function fileOf(bytes: Uint8Array): ManifestFile {
  const count = chunkCount(bytes.length, CHUNK);
  const chunks = Array.from({ length: count }, (_, i) => {
    const { start, end } = chunkRange(i, bytes.length, CHUNK);
    return sha(bytes.subarray(start, end));
  });
  return count > 1 ? { size: bytes.length, type: 'application/octet-stream', sha256: sha(bytes), chunks } : { size: bytes.length, type: 'application/octet-stream', sha256: sha(bytes) };
}

function randomBytes(seed: number, n: number): Uint8Array {
  const next = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

const FILE_BYTES = randomBytes(7, 10 * CHUNK + 123); // 11 chunks, the last one short
const FILE = fileOf(FILE_BYTES);

function chunkOf(bytes: Uint8Array, index: number): ArrayBuffer {
  const { start, end } = chunkRange(index, bytes.length, CHUNK);
  return bytes.slice(start, end).buffer;
}

/**
 * A chunk as a peer's bytes reach the SW: in pieces, each a view into a buffer of its own after a
 * header (as DATA frames' payloads are), the last one short.
 */
function framesOf(bytes: Uint8Array, index: number): ByteParts {
  const chunk = new Uint8Array(chunkOf(bytes, index));
  const parts: Uint8Array[] = [];
  for (let at = 0; at < chunk.length; at += 5000) {
    const piece = chunk.subarray(at, at + 5000);
    const frame = new Uint8Array(10 + piece.length);
    frame.set(piece, 10);
    parts.push(frame.subarray(10));
  }
  return parts;
}

interface OriginLog {
  readonly asked: Array<[number, number]>;
}

/** An origin serving `bytes`: 206 for a Range (or 200 with everything when `ignoreRange`). */
function originOf(bytes: Uint8Array, options: { ignoreRange?: boolean; status?: number; delayMs?: number } = {}): OriginLog & FileDownloadOrigin {
  const asked: Array<[number, number]> = [];
  const fetchOrigin = async (start: number, end: number) => {
    asked.push([start, end]);
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (options.status) return new Response('nope', { status: options.status });
    const whole = start === 0 && end === bytes.length;
    if (whole || options.ignoreRange) return new Response(bytes.slice(), { status: 200 });
    return new Response(bytes.slice(start, end), { status: 206, headers: { 'content-range': `bytes ${start}-${end - 1}/${bytes.length}` } });
  };
  return { asked, fetchOrigin };
}
interface FileDownloadOrigin {
  readonly fetchOrigin: (start: number, end: number) => Promise<Response>;
}

interface ScriptedPeers {
  readonly open: (want: readonly number[], handlers: PeerHandlers) => PeerSession;
  readonly cancelled: Array<readonly number[] | 'all'>;
  handlers(): PeerHandlers;
}

/** A peer session the test drives by hand through handlers(). */
function scriptedPeers(onOpen?: (want: readonly number[], handlers: PeerHandlers) => void): ScriptedPeers {
  let current: PeerHandlers | undefined;
  const cancelled: Array<readonly number[] | 'all'> = [];
  return {
    cancelled,
    handlers: () => current!,
    open(want, handlers) {
      current = handlers;
      onOpen?.(want, handlers);
      return {
        cancel(chunks) {
          cancelled.push(chunks ?? 'all');
          if (chunks === undefined) handlers.end({ failed: 'CANCELLED' });
        },
      };
    },
  };
}

function download(peers: ScriptedPeers | null, origin: FileDownloadOrigin, patienceMs = 5000, bytes = FILE_BYTES): FileDownload {
  return new FileDownload({
    file: bytes === FILE_BYTES ? FILE : fileOf(bytes),
    chunkSize: CHUNK,
    crypto,
    peers: peers ? peers.open : null,
    origin: origin.fetchOrigin,
    patienceMs: () => patienceMs,
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Byte-identical (compared by hash: deep equality of big arrays is slow in expect). */
function expectSame(got: ArrayBuffer | Uint8Array, want: Uint8Array): void {
  const bytes = got instanceof Uint8Array ? got : new Uint8Array(got);
  expect({ length: bytes.length, sha256: sha(bytes) }).toEqual({ length: want.length, sha256: sha(want) });
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('FileDownload', () => {
  it('takes every chunk from peers, in any order, and streams them in order; the origin is never asked', async () => {
    const origin = originOf(FILE_BYTES);
    const peers = scriptedPeers((want, h) => {
      void (async () => {
        for (const i of [...want].reverse()) {
          await tick();
          h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
        }
        h.end(null);
      })();
    });
    const d = download(peers, origin);
    expect(await d.start()).toBe('peer');
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(d.bytes).toEqual({ cache: 0, peer: FILE_BYTES.length, origin: 0 });
    expect(origin.asked).toEqual([]);
    expect(d.peerFailure).toBeNull();
  });

  it('the stream gives the first chunks before the last one exists', async () => {
    const peers = scriptedPeers();
    const d = download(peers, originOf(FILE_BYTES));
    const started = d.start();
    await tick();
    peers.handlers().chunk(0, framesOf(FILE_BYTES, 0), 'p1');
    peers.handlers().chunk(1, framesOf(FILE_BYTES, 1), 'p1');
    expect(await started).toBe('peer');
    const reader = d.stream().getReader();
    // The pieces the chunks came in, in order: the first two chunks' worth before any other exists.
    const head: Uint8Array[] = [];
    while (partsLength(head) < 2 * CHUNK) head.push((await reader.read()).value!);
    expectSame(joinParts(head), FILE_BYTES.subarray(0, 2 * CHUNK));
    for (let i = 2; i < 11; i++) peers.handlers().chunk(i, framesOf(FILE_BYTES, i), 'p1');
    let rest = 2 * CHUNK;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += value.length;
    }
    expect(rest).toBe(FILE_BYTES.length);
  });

  it('when the peers end with chunks missing, the origin gets just those, one Range per run, and the peer failure is kept', async () => {
    const origin = originOf(FILE_BYTES);
    const peers = scriptedPeers((want, h) => {
      void (async () => {
        await tick();
        for (const i of want) if (![3, 4, 9].includes(i)) h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
        await tick();
        h.end({ failed: 'PEER_TIMEOUT', detail: '3 of 11 chunks missing' });
      })();
    });
    const d = download(peers, origin);
    await d.start();
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(origin.asked).toEqual([
      [3 * CHUNK, 5 * CHUNK],
      [9 * CHUNK, 10 * CHUNK],
    ]);
    expect(d.bytes.origin).toBe(3 * CHUNK);
    expect(d.peerFailure).toBe('PEER_TIMEOUT; 3 of 11 chunks missing');
  });

  it('a late chunk is raced by the origin; the peers are told to drop what the origin delivered', async () => {
    const origin = originOf(FILE_BYTES);
    const peers = scriptedPeers((_want, h) => void tick().then(() => h.chunk(0, framesOf(FILE_BYTES, 0), 'p1'))); // then silence
    const d = download(peers, origin, 40);
    expect(await d.start()).toBe('peer');
    await tick(80);
    // chunk 1 was late: the origin got a run of 4 from there
    expect(origin.asked[0]).toEqual([CHUNK, 5 * CHUNK]);
    expect(peers.cancelled).toContainEqual([1]);
    // and the peers' session keeps going for the rest until it ends
    const h = peers.handlers();
    for (let i = 5; i < 11; i++) h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(d.bytes).toEqual({ cache: 0, peer: FILE_BYTES.length - 4 * CHUNK, origin: 4 * CHUNK });
    expect(d.peerFailure).toMatch(/^PEER_TIMEOUT; chunk 1 was not in after 40 ms/);
  });

  it('chunks the bridge hands to the origin (rendezvous) are fetched at once, one Range per run; the peers deliver the rest', async () => {
    const origin = originOf(FILE_BYTES);
    const peers = scriptedPeers((_want, h) => void tick().then(() => h.origin?.([0, 1, 5, 99])));
    const d = download(peers, origin);
    expect(await d.start()).toBe('origin');
    await tick(10);
    expect(origin.asked).toEqual([
      [0, 2 * CHUNK],
      [5 * CHUNK, 6 * CHUNK],
    ]);
    expect(peers.cancelled).toEqual(expect.arrayContaining([[0], [1], [5]]));
    const h = peers.handlers();
    h.origin?.([1]); // already in: not asked again
    for (const i of [2, 3, 4, 6, 7, 8, 9, 10]) h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(origin.asked).toHaveLength(2);
    expect(d.bytes).toEqual({ cache: 0, peer: FILE_BYTES.length - 3 * CHUNK, origin: 3 * CHUNK });
  });

  it('without peers, the whole file comes from the origin in one plain GET, verified chunk by chunk', async () => {
    const origin = originOf(FILE_BYTES);
    const d = download(null, origin);
    expect(await d.start()).toBe('origin');
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(origin.asked).toEqual([[0, FILE_BYTES.length]]);
  });

  it('an origin that ignores Range (200 with everything) still gives the right chunks', async () => {
    const origin = originOf(FILE_BYTES, { ignoreRange: true });
    const peers = scriptedPeers((want, h) => {
      void tick().then(() => {
        for (const i of want) if (i !== 6) h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
        h.end({ failed: 'PEER_REJECTED' });
      });
    });
    const d = download(peers, origin);
    await d.start();
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(d.bytes.origin).toBe(CHUNK);
  });

  it('a chunk from the bridge that does not match is refused; the origin gives the rest', async () => {
    const origin = originOf(FILE_BYTES);
    const peers = scriptedPeers((_want, h) => {
      void tick().then(() => {
        h.chunk(0, framesOf(FILE_BYTES, 0), 'p1');
        const bad = new Uint8Array(chunkOf(FILE_BYTES, 1));
        bad[0]! ^= 1;
        h.chunk(1, [bad], 'p1');
      });
    });
    const d = download(peers, origin);
    await d.start();
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(d.peerFailure).toMatch(/^HASH_MISMATCH; /);
    expect(peers.cancelled).toContain('all');
    expect(d.bytes.peer).toBe(CHUNK);
  });

  it('origin bytes that do not match the manifest fail the download with OriginMismatch', async () => {
    const other = FILE_BYTES.slice();
    other[5]! ^= 0xff;
    const d = download(null, originOf(other));
    await expect(d.start()).rejects.toBeInstanceOf(OriginMismatch);
  });

  it('an origin error status with no peers fails with OriginMismatch; a network error fails as it is', async () => {
    await expect(download(null, originOf(FILE_BYTES, { status: 404 })).start()).rejects.toBeInstanceOf(OriginMismatch);
    const down: FileDownloadOrigin = { fetchOrigin: () => Promise.reject(new TypeError('Failed to fetch')) };
    await expect(download(null, down).start()).rejects.toThrow('Failed to fetch');
  });

  it('when the origin fails while peers still work, the peers can still finish the file', async () => {
    const down: FileDownloadOrigin = { fetchOrigin: () => Promise.reject(new TypeError('Failed to fetch')) };
    const peers = scriptedPeers((_want, h) => void tick().then(() => h.chunk(0, framesOf(FILE_BYTES, 0), 'p1')));
    const d = download(peers, down, 20);
    await d.start();
    await tick(60); // the watchdog raced chunk 1 against an origin that is down
    for (let i = 1; i < 11; i++) peers.handlers().chunk(i, framesOf(FILE_BYTES, i), 'p1');
    expectSame(await readAll(d.stream()), FILE_BYTES);
  });

  it('a file of one chunk (and an empty file) works the same way', async () => {
    const small = randomBytes(3, 1000);
    const d = download(null, originOf(small), 5000, small);
    expect(await d.start()).toBe('origin');
    expectSame(await readAll(d.stream()), small);
    const empty = new Uint8Array(0);
    const e = download(null, originOf(empty), 5000, empty);
    expect(await e.start()).toBe('origin');
    expect((await readAll(e.stream())).byteLength).toBe(0);
    expect(await readAll(e.stream())).toEqual(empty);
  });
});

describe('FileDownload of a span (a Range request)', () => {
  const spanDownload = (peers: ScriptedPeers | null, origin: FileDownloadOrigin, span: { first: number; last: number }) =>
    new FileDownload({ file: FILE, chunkSize: CHUNK, crypto, peers: peers ? peers.open : null, origin: origin.fetchOrigin, patienceMs: () => 5000, span });

  it('asks peers only for the span, and slices the range from it', async () => {
    const asked: number[][] = [];
    const peers = scriptedPeers((want, h) => {
      asked.push([...want]);
      void tick().then(() => {
        for (const i of want) h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
        h.end(null);
      });
    });
    const origin = originOf(FILE_BYTES);
    const d = spanDownload(peers, origin, { first: 3, last: 4 });
    expect(await d.start()).toBe('peer');
    expect(asked).toEqual([[3, 4]]);
    const start = 3 * CHUNK + 100;
    const end = 5 * CHUNK - 7;
    expectSame(await d.slice(start, end), FILE_BYTES.subarray(start, end));
    expect(d.bytes).toEqual({ cache: 0, peer: 2 * CHUNK, origin: 0 });
    expect(origin.asked).toEqual([]);
  });

  it('without peers, the origin gets one Range for the span', async () => {
    const origin = originOf(FILE_BYTES);
    const d = spanDownload(null, origin, { first: 10, last: 10 });
    expect(await d.start()).toBe('origin');
    expect(origin.asked).toEqual([[10 * CHUNK, FILE_BYTES.length]]);
    expectSame(await d.slice(10 * CHUNK, FILE_BYTES.length), FILE_BYTES.subarray(10 * CHUNK));
  });
});

describe('originOffset', () => {
  it('accepts a 206 for exactly the asked range, or a 200 (skip to start); refuses anything else', () => {
    expect(originOffset(new Response(null, { status: 206, headers: { 'content-range': 'bytes 10-19/100' } }), 10, 20, 100)).toBe(0);
    expect(originOffset(new Response(null, { status: 200 }), 10, 20, 100)).toBe(10);
    expect(() => originOffset(new Response(null, { status: 206, headers: { 'content-range': 'bytes 0-19/100' } }), 10, 20, 100)).toThrow(OriginMismatch);
    expect(() => originOffset(new Response(null, { status: 206 }), 10, 20, 100)).toThrow(OriginMismatch);
    expect(() => originOffset(new Response(null, { status: 500 }), 10, 20, 100)).toThrow(OriginMismatch);
  });
});


/** A partial store that fails the way browsers do: no IndexedDB, a full disk, or no answer at all. */
function failingStore(how: 'unavailable' | 'quota' | 'silent'): PartialStore & { puts: number } {
  const memory = new MemoryPartialStore();
  const store = {
    puts: 0,
    load: (sha256: string) => (how === 'unavailable' ? Promise.reject(new DOMException('no IndexedDB', 'InvalidStateError')) : how === 'silent' ? new Promise<never>(() => undefined) : memory.load(sha256)),
    put: () => {
      store.puts++;
      return Promise.reject(new DOMException('full', 'QuotaExceededError'));
    },
    drop: () => Promise.reject(new DOMException('no IndexedDB', 'InvalidStateError')),
    retainOnly: () => Promise.reject(new DOMException('no IndexedDB', 'InvalidStateError')),
  };
  return store;
}

/** An origin whose body breaks after `chunks` chunks (the connection dropped). */
function breakingOrigin(bytes: Uint8Array, chunks: number): FileDownloadOrigin {
  let sent = false;
  return {
    fetchOrigin: async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          // One pull delivers the bytes, the next one fails (erroring at once would drop the queue).
          pull(controller) {
            if (sent) return controller.error(new TypeError('network error'));
            sent = true;
            controller.enqueue(bytes.slice(0, chunks * CHUNK));
          },
        }),
        { status: 200 },
      ),
  };
}

function resumable(partials: PartialStore, peers: ScriptedPeers | null, origin: FileDownloadOrigin, extra: { partialsWaitMs?: number; bytes?: Uint8Array } = {}): FileDownload {
  const bytes = extra.bytes ?? FILE_BYTES;
  return new FileDownload({
    file: bytes === FILE_BYTES ? FILE : fileOf(bytes),
    chunkSize: CHUNK,
    crypto,
    peers: peers ? peers.open : null,
    origin: origin.fetchOrigin,
    patienceMs: () => 5000,
    partials,
    ...(extra.partialsWaitMs !== undefined && { partialsWaitMs: extra.partialsWaitMs }),
  });
}

async function store(partials: PartialStore, indices: readonly number[]): Promise<void> {
  for (const i of indices) await partials.put(FILE.sha256, i, [new Uint8Array(chunkOf(FILE_BYTES, i))]);
}

describe('FileDownload resume (partial store)', () => {
  it('keeps every verified chunk while it downloads; a download that breaks off leaves them, and the next one resumes', async () => {
    const partials = new MemoryPartialStore();
    const first = resumable(partials, null, breakingOrigin(FILE_BYTES, 4));
    expect(await first.start()).toBe('origin');
    await expect(readAll(first.stream())).rejects.toThrow('network error');
    await first.settled;
    expect(partials.chunks(FILE.sha256)).toEqual([0, 1, 2, 3]);

    const origin = originOf(FILE_BYTES);
    const second = resumable(partials, null, origin);
    expect(await second.start()).toBe('cache');
    expectSame(await readAll(second.stream()), FILE_BYTES);
    expect(origin.asked).toEqual([[4 * CHUNK, FILE_BYTES.length]]);
    expect(second.bytes).toEqual({ cache: 4 * CHUNK, peer: 0, origin: FILE_BYTES.length - 4 * CHUNK });
  });

  it('onStored hears each chunk once it has landed in the store, never one that did not', async () => {
    const stored: number[] = [];
    const partials = new MemoryPartialStore();
    const d = new FileDownload({ file: FILE, chunkSize: CHUNK, crypto, peers: null, origin: originOf(FILE_BYTES).fetchOrigin, patienceMs: () => 5000, partials, onStored: (i) => stored.push(i) });
    await d.start();
    await readAll(d.stream());
    await d.settled;
    expect(stored.sort((a, b) => a - b)).toEqual(partials.chunks(FILE.sha256));
    expect(stored).toHaveLength(11);

    const failing: PartialStore = {
      load: async () => new Map(),
      put: async () => Promise.reject(new Error('QuotaExceededError')),
      drop: async () => undefined,
      retainOnly: async () => 0,
    };
    const none: number[] = [];
    const e = new FileDownload({ file: FILE, chunkSize: CHUNK, crypto, peers: null, origin: originOf(FILE_BYTES).fetchOrigin, patienceMs: () => 5000, partials: failing, onStored: (i) => none.push(i) });
    await e.start();
    await readAll(e.stream());
    await e.settled;
    expect(none).toEqual([]);
  });

  describe('peer chunks of a whole-file download (stored only once it has run PEER_WRITE_DELAY_MS)', () => {
    const withPeers = (partials: PartialStore, peers: ScriptedPeers, origin: FileDownloadOrigin, stored: number[]) =>
      new FileDownload({ file: FILE, chunkSize: CHUNK, crypto, peers: peers.open, origin: origin.fetchOrigin, patienceMs: () => 5000, partials, onStored: (i) => stored.push(i) });
    /** Peers that deliver the first `count` chunks they are asked, one a tick, then stay silent. */
    const deliver = (count: number, gapMs = 0) =>
      scriptedPeers((want, h) => {
        void (async () => {
          for (const i of want.slice(0, count)) {
            await tick(gapMs);
            h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
          }
          if (count >= want.length) h.end(null);
        })();
      });

    it('a download that completes within the delay stores none of them: the file is about to be cached', async () => {
      const partials = new MemoryPartialStore();
      const stored: number[] = [];
      const d = withPeers(partials, deliver(11), originOf(FILE_BYTES), stored);
      expect(await d.start()).toBe('peer');
      expectSame(await readAll(d.stream()), FILE_BYTES);
      await d.settled;
      expect(partials.chunks(FILE.sha256)).toEqual([]);
      expect(stored).toEqual([]);
    });

    it('origin chunks of the same download are stored at once (a new swarm waits for their announcement)', async () => {
      const partials = new MemoryPartialStore();
      const stored: number[] = [];
      // Peers deliver 0..3, then say nothing: the origin races the rest.
      const d = new FileDownload({ file: FILE, chunkSize: CHUNK, crypto, peers: deliver(4).open, origin: originOf(FILE_BYTES).fetchOrigin, patienceMs: () => 20, partials, onStored: (i) => stored.push(i) });
      await d.start();
      await readAll(d.stream());
      await d.settled;
      expect(d.bytes.peer).toBe(4 * CHUNK);
      expect(partials.chunks(FILE.sha256)).toEqual([4, 5, 6, 7, 8, 9, 10]);
      expect(stored.sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    });

    it('a download that stops short stores the peer chunks it held, and the next one resumes from them', async () => {
      const partials = new MemoryPartialStore();
      const stored: number[] = [];
      const d = withPeers(partials, deliver(5), originOf(FILE_BYTES), stored);
      await d.start();
      await vi.waitUntil(() => d.bytes.peer === 5 * CHUNK, { timeout: 2000, interval: 5 }); // nobody sends the rest
      await tick(20);
      expect(partials.chunks(FILE.sha256)).toEqual([]);
      d.abort(); // the page went away, the SW stops
      await d.settled;
      expect(partials.chunks(FILE.sha256)).toEqual([0, 1, 2, 3, 4]);
      expect(stored.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);

      const origin = originOf(FILE_BYTES);
      const next = resumable(partials, null, origin);
      expect(await next.start()).toBe('cache');
      expectSame(await readAll(next.stream()), FILE_BYTES);
      expect(origin.asked).toEqual([[5 * CHUNK, FILE_BYTES.length]]);
    });

    it('a download still running after the delay stores what it held, then each peer chunk as it comes', async () => {
      const partials = new MemoryPartialStore();
      const stored: number[] = [];
      const d = withPeers(partials, deliver(11, 150), originOf(FILE_BYTES), stored); // about 1.7 s
      await d.start();
      await vi.waitUntil(() => partials.chunks(FILE.sha256).length > 0, { timeout: 4000, interval: 5 });
      const atFirst = partials.chunks(FILE.sha256).length;
      expect(atFirst).toBeGreaterThan(1); // the ones held until then, at once
      expect(atFirst).toBeLessThan(11);
      await readAll(d.stream());
      await d.settled;
      expect(partials.chunks(FILE.sha256)).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(stored).toHaveLength(11);
    });

    it('a Range (span) download stores its peer chunks at once: they are kept for the next request', async () => {
      const partials = new MemoryPartialStore();
      const peers = scriptedPeers((want, h) => {
        for (const i of want) h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
        h.end(null);
      });
      const d = new FileDownload({ file: FILE, chunkSize: CHUNK, crypto, peers: peers.open, origin: originOf(FILE_BYTES).fetchOrigin, patienceMs: () => 5000, partials, span: { first: 2, last: 4 } });
      await d.start();
      await d.slice(2 * CHUNK, 5 * CHUNK);
      await d.settled;
      expect(partials.chunks(FILE.sha256)).toEqual([2, 3, 4]);
    });
  });

  it('asks peers only for the chunks not stored', async () => {
    const partials = new MemoryPartialStore();
    await store(partials, [0, 1, 5]);
    const wanted: number[][] = [];
    const peers = scriptedPeers((want, h) => {
      wanted.push([...want]);
      void tick().then(() => {
        for (const i of want) h.chunk(i, framesOf(FILE_BYTES, i), 'p1');
        h.end(null);
      });
    });
    const origin = originOf(FILE_BYTES);
    const d = resumable(partials, peers, origin);
    expect(await d.start()).toBe('cache');
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(wanted).toEqual([[2, 3, 4, 6, 7, 8, 9, 10]]);
    expect(origin.asked).toEqual([]);
    expect(d.bytes).toEqual({ cache: 3 * CHUNK, peer: FILE_BYTES.length - 3 * CHUNK, origin: 0 });
  });

  it('a stored chunk that does not verify (corrupt, or of another length) is fetched again and its stored copy replaced', async () => {
    const partials = new MemoryPartialStore();
    await store(partials, [0, 1, 2, 3]);
    const bad = new Uint8Array(chunkOf(FILE_BYTES, 2));
    bad[100]! ^= 1;
    await partials.put(FILE.sha256, 2, [bad]);
    await partials.put(FILE.sha256, 3, [new Uint8Array(chunkOf(FILE_BYTES, 3).slice(0, 100))]); // stored under a smaller chunk size
    await partials.put(FILE.sha256, 99, [new Uint8Array(chunkOf(FILE_BYTES, 0))]); // past the end of the file
    const origin = originOf(FILE_BYTES);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const d = resumable(partials, null, origin);
    expect(await d.start()).toBe('cache');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('2 stored chunks'));
    warn.mockRestore();
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(origin.asked).toEqual([[2 * CHUNK, FILE_BYTES.length]]);
    expect(d.bytes.cache).toBe(2 * CHUNK);
    await d.settled;
    const restored = await partials.load(FILE.sha256);
    expect(sha(restored.get(2)!)).toBe(FILE.chunks![2]);
    expect(sha(restored.get(3)!)).toBe(FILE.chunks![3]);
  });

  it('with every chunk stored, neither peers nor the origin are asked', async () => {
    const partials = new MemoryPartialStore();
    await store(partials, Array.from({ length: 11 }, (_, i) => i));
    const origin = originOf(FILE_BYTES);
    const peers = scriptedPeers(() => expect.unreachable('no peer session for a complete file'));
    const d = resumable(partials, peers, origin);
    expect(await d.start()).toBe('cache');
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expect(origin.asked).toEqual([]);
    expect(d.bytes).toEqual({ cache: FILE_BYTES.length, peer: 0, origin: 0 });
  });

  it('dropStored deletes the file’s chunks once the writes in flight have landed', async () => {
    const partials = new MemoryPartialStore();
    await partials.put('f'.repeat(64), 0, [new Uint8Array(8)]); // another file's chunk stays
    const d = resumable(partials, null, originOf(FILE_BYTES));
    await d.start();
    expectSame(await readAll(d.stream()), FILE_BYTES);
    await d.dropStored();
    expect(partials.chunks(FILE.sha256)).toEqual([]);
    expect(partials.chunks('f'.repeat(64))).toEqual([0]);
  });

  it('a file of one chunk is not stored', async () => {
    const partials = new MemoryPartialStore();
    const small = randomBytes(4, 1000);
    const d = resumable(partials, null, originOf(small), { bytes: small });
    await d.start();
    expectSame(await readAll(d.stream()), small);
    await d.settled;
    expect(partials.chunks(fileOf(small).sha256)).toEqual([]);
  });

  it('storage that fails (no IndexedDB, a full disk, no answer) never breaks the download', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const how of ['unavailable', 'quota', 'silent'] as const) {
      const partials = failingStore(how);
      const origin = originOf(FILE_BYTES);
      const d = resumable(partials, null, origin, { partialsWaitMs: 20 });
      expect(await d.start()).toBe('origin');
      expectSame(await readAll(d.stream()), FILE_BYTES);
      expect(origin.asked, how).toEqual([[0, FILE_BYTES.length]]);
      await d.settled;
      await d.dropStored(); // rejects inside; must not throw
      // After the first failed write this download stops writing; a store that failed to load is not written at all.
      expect(partials.puts, how).toBe(how === 'quota' ? 1 : 0);
    }
    // Each failure is logged (the download says why it cannot resume), then it carries on.
    // A store that could not be read is left alone from then on (no writes, no drop).
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('could not be read'),
      expect.stringContaining('could not keep chunk 0'),
      expect.stringContaining('could not drop'),
      expect.stringContaining('did not answer within 20 ms'),
    ]);
    warn.mockRestore();
  });
});
