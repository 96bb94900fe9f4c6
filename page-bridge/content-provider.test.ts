/** The content provider's stored-chunk ranges: what a visitor serves of files it is still downloading. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkRange, contentCacheKey, webCrypto, type Manifest } from '../core/index.js';
import { prng } from '../test/unit/test-kit.js';
import { cacheContentProvider, type StoredChunks } from './content-provider.js';

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

const bytesOf = async (blob: Blob | undefined) => (blob ? Buffer.from(await blob.arrayBuffer()) : undefined);

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
