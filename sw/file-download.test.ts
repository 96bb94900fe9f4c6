/**
 * FileDownload with a scripted peer session and an in-memory origin that honours (or ignores)
 * Range, on real bytes and real SHA-256 chunk hashes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkCount, chunkRange, webCrypto, type ManifestFile } from '../core/index.js';
import { prng } from '../test/unit/test-kit.js';
import type { PeerHandlers, PeerSession } from './bridge-registry.js';
import { FileDownload, OriginMismatch, originOffset } from './file-download.js';

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
          h.chunk(i, chunkOf(FILE_BYTES, i), 'p1');
        }
        h.end(null);
      })();
    });
    const d = download(peers, origin);
    expect(await d.start()).toBe('peer');
    expectSame(await readAll(d.stream()), FILE_BYTES);
    expectSame(await d.whole(), FILE_BYTES);
    expect(d.bytes).toEqual({ cache: 0, peer: FILE_BYTES.length, origin: 0 });
    expect(origin.asked).toEqual([]);
    expect(d.peerFailure).toBeNull();
  });

  it('the stream gives the first chunks before the last one exists', async () => {
    const peers = scriptedPeers();
    const d = download(peers, originOf(FILE_BYTES));
    const started = d.start();
    await tick();
    peers.handlers().chunk(0, chunkOf(FILE_BYTES, 0), 'p1');
    peers.handlers().chunk(1, chunkOf(FILE_BYTES, 1), 'p1');
    expect(await started).toBe('peer');
    const reader = d.stream().getReader();
    const first = await reader.read();
    expect(first.value).toEqual(FILE_BYTES.subarray(0, CHUNK));
    const second = await reader.read();
    expect(second.value).toEqual(FILE_BYTES.subarray(CHUNK, 2 * CHUNK));
    for (let i = 2; i < 11; i++) peers.handlers().chunk(i, chunkOf(FILE_BYTES, i), 'p1');
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
        for (const i of want) if (![3, 4, 9].includes(i)) h.chunk(i, chunkOf(FILE_BYTES, i), 'p1');
        await tick();
        h.end({ failed: 'PEER_TIMEOUT', detail: '3 of 11 chunks missing' });
      })();
    });
    const d = download(peers, origin);
    await d.start();
    expectSame(await d.whole(), FILE_BYTES);
    expect(origin.asked).toEqual([
      [3 * CHUNK, 5 * CHUNK],
      [9 * CHUNK, 10 * CHUNK],
    ]);
    expect(d.bytes.origin).toBe(3 * CHUNK);
    expect(d.peerFailure).toBe('PEER_TIMEOUT; 3 of 11 chunks missing');
  });

  it('a late chunk is raced by the origin; the peers are told to drop what the origin delivered', async () => {
    const origin = originOf(FILE_BYTES);
    const peers = scriptedPeers((_want, h) => void tick().then(() => h.chunk(0, chunkOf(FILE_BYTES, 0), 'p1'))); // then silence
    const d = download(peers, origin, 40);
    expect(await d.start()).toBe('peer');
    await tick(80);
    // chunk 1 was late: the origin got a run of 4 from there
    expect(origin.asked[0]).toEqual([CHUNK, 5 * CHUNK]);
    expect(peers.cancelled).toContainEqual([1]);
    // and the peers' session keeps going for the rest until it ends
    const h = peers.handlers();
    for (let i = 5; i < 11; i++) h.chunk(i, chunkOf(FILE_BYTES, i), 'p1');
    expectSame(await d.whole(), FILE_BYTES);
    expect(d.bytes).toEqual({ cache: 0, peer: FILE_BYTES.length - 4 * CHUNK, origin: 4 * CHUNK });
    expect(d.peerFailure).toMatch(/^PEER_TIMEOUT; chunk 1 was not in after 40 ms/);
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
        for (const i of want) if (i !== 6) h.chunk(i, chunkOf(FILE_BYTES, i), 'p1');
        h.end({ failed: 'PEER_REJECTED' });
      });
    });
    const d = download(peers, origin);
    await d.start();
    expectSame(await d.whole(), FILE_BYTES);
    expect(d.bytes.origin).toBe(CHUNK);
  });

  it('a chunk from the bridge that does not match is refused; the origin gives the rest', async () => {
    const origin = originOf(FILE_BYTES);
    const peers = scriptedPeers((_want, h) => {
      void tick().then(() => {
        h.chunk(0, chunkOf(FILE_BYTES, 0), 'p1');
        const bad = new Uint8Array(chunkOf(FILE_BYTES, 1));
        bad[0]! ^= 1;
        h.chunk(1, bad.buffer, 'p1');
      });
    });
    const d = download(peers, origin);
    await d.start();
    expectSame(await d.whole(), FILE_BYTES);
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
    const peers = scriptedPeers((_want, h) => void tick().then(() => h.chunk(0, chunkOf(FILE_BYTES, 0), 'p1')));
    const d = download(peers, down, 20);
    await d.start();
    await tick(60); // the watchdog raced chunk 1 against an origin that is down
    for (let i = 1; i < 11; i++) peers.handlers().chunk(i, chunkOf(FILE_BYTES, i), 'p1');
    expectSame(await d.whole(), FILE_BYTES);
  });

  it('a file of one chunk (and an empty file) works the same way', async () => {
    const small = randomBytes(3, 1000);
    const d = download(null, originOf(small), 5000, small);
    expect(await d.start()).toBe('origin');
    expectSame(await d.whole(), small);
    const empty = new Uint8Array(0);
    const e = download(null, originOf(empty), 5000, empty);
    expect(await e.start()).toBe('origin');
    expect((await e.whole()).byteLength).toBe(0);
    expect(await readAll(e.stream())).toEqual(empty);
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

