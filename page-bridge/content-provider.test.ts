/** The content provider's stored-chunk ranges: what a visitor serves of files it is still downloading. */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chunkRange, contentCacheKey, webCrypto, type Manifest } from '../core/index.js';
import { prng } from '../test/unit/test-kit.js';
import { bodySize, cacheContentProvider, readBody, type FileBody, type StoredChunks } from './content-provider.js';

const CHUNK = 16384;
const crypto = webCrypto(globalThis.crypto.subtle);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const next = prng(5);
const BYTES = Uint8Array.from({ length: 3 * CHUNK + 100 }, () => Math.floor(next() * 256));
const chunk = (i: number) => {
  const { start, end } = chunkRange(i, BYTES.length, CHUNK);
  return BYTES.slice(start, end);
};
const SHA = sha(BYTES);
const SMALL = Uint8Array.of(1, 2, 3);

const manifest: Manifest = {
  format: 'deploynet-manifest/1',
  version: 1,
  created: '2026-01-01T00:00:00Z',
  expires: '2027-01-01T00:00:00Z',
  keyId: '0123456789abcdef',
  chunkSize: CHUNK,
  files: {
    '/big.bin': { size: BYTES.length, type: 'application/octet-stream', sha256: SHA, chunks: [0, 1, 2, 3].map((i) => sha(chunk(i))) },
    '/small.txt': { size: 3, type: 'text/plain', sha256: sha(SMALL) },
  },
};

/** Nothing cached: every answer here comes from stored chunks. */
const noCache = { open: async () => ({ match: async () => undefined }) } as unknown as CacheStorage;

function storedWith(held: readonly number[], bytes: (i: number) => Uint8Array | undefined = chunk): StoredChunks & { reads: number[] } {
  const reads: number[] = [];
  return {
    reads,
    holds: (sha256, indices) => sha256 === SHA && indices.every((i) => held.includes(i)),
    read: async (_sha, i) => (reads.push(i), bytes(i)),
  };
}

const bytesOf = async (body: FileBody | undefined) => (body ? Buffer.from(await readBody(body, 0, bodySize(body))) : undefined);

describe('cacheContentProvider: whole cached files', () => {
  it('serves listed files from the content cache, opening it once for many answers (and again after a failed open)', async () => {
    let opens = 0;
    let failNext = true;
    const stored = new Map([[contentCacheKey('http://x', sha(SMALL)), SMALL]]);
    const caches = {
      open: async () => {
        opens++;
        if (failNext) {
          failNext = false;
          throw new Error('storage not ready');
        }
        return { match: async (key: string) => (stored.has(key) ? new Response(stored.get(key)) : undefined) };
      },
    } as unknown as CacheStorage;
    const provider = cacheContentProvider(caches, 'http://x', manifest);
    await expect(provider.get(sha(SMALL))).rejects.toThrow('storage not ready');
    for (let i = 0; i < 5; i++) expect(await bytesOf(await provider.get(sha(SMALL)))).toEqual(Buffer.from(SMALL));
    expect(await provider.get(SHA)).toBeUndefined(); // listed, not cached
    expect(await provider.get('f'.repeat(64))).toBeUndefined(); // not listed: the cache is not even asked
    expect(opens).toBe(2);
  });
});

describe('cacheContentProvider: the Blobs of files asked for last', () => {
  afterEach(() => vi.useRealTimers());
  const bodies = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
  const three: Manifest = { ...manifest, files: Object.fromEntries(bodies.map((b, i) => [`/f${i}`, { size: 1, type: 'text/plain', sha256: sha(b) }])) };

  function counting(cached: Map<string, Uint8Array<ArrayBuffer>>) {
    const matches: string[] = [];
    const caches = { open: async () => ({ match: async (key: string) => (matches.push(key), cached.has(key) ? new Response(cached.get(key)) : undefined) }) } as unknown as CacheStorage;
    return { caches, matches };
  }

  it('asks the cache once for many chunk requests of one file, again after a pause, and forgets the oldest of three', async () => {
    vi.useFakeTimers();
    const cached = new Map(bodies.map((b) => [contentCacheKey('http://x', sha(b)), b]));
    const { caches, matches } = counting(cached);
    const provider = cacheContentProvider(caches, 'http://x', three);
    for (let i = 0; i < 20; i++) expect(await bytesOf(await provider.get(sha(bodies[0]!)))).toEqual(Buffer.from(bodies[0]!));
    expect(matches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(6000); // unused for longer than it is kept
    await provider.get(sha(bodies[0]!));
    expect(matches).toHaveLength(2);
    await provider.get(sha(bodies[1]!));
    await provider.get(sha(bodies[2]!)); // a third file: the first one is forgotten
    await provider.get(sha(bodies[2]!));
    await provider.get(sha(bodies[0]!));
    expect(matches).toHaveLength(5);
  });

  it('holds files up to 8 MiB in memory and gives larger ones as a Blob to slice', async () => {
    const big = { ...three, files: { ...three.files, '/huge.bin': { size: 9 * 1024 * 1024, type: 'application/octet-stream', sha256: 'e'.repeat(64), chunks: [] } } } as Manifest;
    const cached = new Map([[contentCacheKey('http://x', sha(bodies[0]!)), bodies[0]!], [contentCacheKey('http://x', 'e'.repeat(64)), Uint8Array.of(9, 9)]]);
    const provider = cacheContentProvider(counting(cached).caches, 'http://x', big);
    expect(await provider.get(sha(bodies[0]!))).toBeInstanceOf(Uint8Array);
    expect(await provider.get('e'.repeat(64))).toBeInstanceOf(Blob);
  });

  it('does not remember a file that was not cached: once it is, it is served', async () => {
    const cached = new Map<string, Uint8Array<ArrayBuffer>>();
    const { caches, matches } = counting(cached);
    const provider = cacheContentProvider(caches, 'http://x', three);
    expect(await provider.get(sha(bodies[0]!))).toBeUndefined();
    cached.set(contentCacheKey('http://x', sha(bodies[0]!)), bodies[0]!);
    expect(await bytesOf(await provider.get(sha(bodies[0]!)))).toEqual(Buffer.from(bodies[0]!));
    expect(matches).toHaveLength(2);
  });
});

describe('cacheContentProvider: ranges of partly held files', () => {
  it('serves exactly the asked bytes when every chunk they fall in is held and verifies', async () => {
    const provider = cacheContentProvider(noCache, 'http://x', manifest, { chunks: storedWith([1, 2]), crypto });
    expect(await provider.get(SHA)).toBeUndefined();
    const got = await bytesOf(await provider.range!(SHA, CHUNK + 10, 2 * CHUNK + 20));
    expect(got?.equals(BYTES.subarray(CHUNK + 10, 2 * CHUNK + 20))).toBe(true);
    const last = await bytesOf(await cacheContentProvider(noCache, 'http://x', manifest, { chunks: storedWith([3]), crypto }).range!(SHA, 3 * CHUNK, BYTES.length));
    expect(last?.equals(BYTES.subarray(3 * CHUNK))).toBe(true);
  });

  it('is undefined for a chunk not held (without reading storage), beyond the file, or a file not chunked or not listed', async () => {
    const stored = storedWith([1]);
    const provider = cacheContentProvider(noCache, 'http://x', manifest, { chunks: stored, crypto });
    expect(await provider.range!(SHA, 0, CHUNK)).toBeUndefined();
    expect(await provider.range!(SHA, CHUNK, 2 * CHUNK + 1)).toBeUndefined();
    expect(await provider.range!(SHA, CHUNK, BYTES.length + 1)).toBeUndefined();
    expect(await provider.range!(SHA, CHUNK, CHUNK)).toBeUndefined();
    expect(await provider.range!(sha(SMALL), 0, 3)).toBeUndefined();
    expect(await provider.range!('f'.repeat(64), 0, 3)).toBeUndefined();
    expect(stored.reads).toEqual([]);
  });

  it('never serves a stored chunk that does not match the manifest (damaged, or of another length), or one that cannot be read', async () => {
    const damaged = (i: number) => {
      const c = chunk(i);
      c[0] = c[0]! ^ 1;
      return c;
    };
    for (const bytes of [damaged, (i: number) => chunk(i).subarray(1), () => undefined]) {
      const provider = cacheContentProvider(noCache, 'http://x', manifest, { chunks: storedWith([0], bytes), crypto });
      expect(await provider.range!(SHA, 0, 100)).toBeUndefined();
    }
    const failing: StoredChunks = { holds: () => true, read: async () => Promise.reject(new Error('no IndexedDB')) };
    expect(await cacheContentProvider(noCache, 'http://x', manifest, { chunks: failing, crypto }).range!(SHA, 0, 100)).toBeUndefined();
  });

  it('without stored chunks, serves whole cached files only', () => {
    expect(cacheContentProvider(noCache, 'http://x', manifest).range).toBeUndefined();
  });
});
