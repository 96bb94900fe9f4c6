/**
 * ContentCache under storage pressure, with an in-memory Cache Storage that fails puts past a
 * capacity the way browsers do (a DOMException named QuotaExceededError).
 */
import { describe, expect, it } from 'vitest';
import type { ManifestFile } from '../core/index.js';
import { ContentCache } from './content-cache.js';

class QuotaCache {
  readonly entries = new Map<string, Response>();
  private used = 0;
  constructor(private readonly capacity: number) {}
  async match(key: RequestInfo | URL): Promise<Response | undefined> {
    return this.entries.get(String(key instanceof Request ? key.url : key))?.clone();
  }
  async put(key: RequestInfo | URL, response: Response): Promise<void> {
    const body = await response.arrayBuffer();
    if (this.used + body.byteLength > this.capacity) throw new DOMException('full', 'QuotaExceededError');
    this.used += body.byteLength;
    this.entries.set(String(key), new Response(body, { headers: response.headers }));
  }
  async delete(key: RequestInfo | URL): Promise<boolean> {
    const k = String(key instanceof Request ? key.url : key);
    const hit = this.entries.get(k);
    if (hit) this.used -= (await hit.clone().arrayBuffer()).byteLength;
    return this.entries.delete(k);
  }
  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((k) => new Request(k));
  }
}

const ORIGIN = 'https://site.example';
/** A maker of streams of n bytes, as put takes the file. */
const bytes = (n: number) => () => new Response(new Uint8Array(n)).body!;
const file = (n: number, size: number): ManifestFile => ({ size, type: 'application/octet-stream', sha256: n.toString(16).padStart(64, '0') });

function setup(capacity: number, listed: ManifestFile[]) {
  const cache = new QuotaCache(capacity);
  let clock = 0;
  const content = new ContentCache({
    caches: { open: async () => cache } as unknown as CacheStorage,
    origin: ORIGIN,
    listed: () => new Set(listed.map((f) => f.sha256)),
    now: () => ++clock,
    writable: () => true,
  });
  const held = () => [...cache.entries.keys()].map((k) => k.split('/').pop()!);
  return { content, held };
}

describe('ContentCache under storage pressure', () => {
  it('drops the least recently used files to make room, keeping what was just used', async () => {
    const [a, b, c, d] = [file(1, 40), file(2, 40), file(3, 20), file(4, 50)];
    const { content, held } = setup(100, [a, b, c, d]);
    for (const f of [a, b, c]) await content.put(f, bytes(f.size), { evict: true });
    expect(await content.get(a)).toBeDefined(); // a is now the most recently used
    await content.put(d, bytes(d.size), { evict: true }); // 100 used; 50 more must be freed: b (40), then c (20)
    expect(held().sort()).toEqual([a.sha256, d.sha256].sort());
  });

  it('lists the hashes of what it holds', async () => {
    const [a, b] = [file(1, 10), file(2, 10)];
    const { content } = setup(100, [a, b]);
    for (const f of [a, b]) await content.put(f, bytes(f.size), { evict: true });
    expect(await content.hashes()).toEqual(new Set([a.sha256, b.sha256]));
  });

  it('drops content the manifest no longer lists before anything it lists', async () => {
    const [old, a, b] = [file(9, 30), file(1, 30), file(2, 30)];
    const { content, held } = setup(90, [a, b]);
    await content.put(a, bytes(30), { evict: true });
    await content.put(old, bytes(30), { evict: true }); // stored while it was still listed elsewhere
    await content.put(file(3, 30), bytes(30), { evict: true });
    await content.get(a);
    await content.put(b, bytes(30), { evict: true });
    expect(held()).not.toContain(old.sha256);
    expect(held()).toContain(a.sha256);
  });

  it('does not empty the cache for a file larger than all of it, and never throws', async () => {
    const [a, big] = [file(1, 40), file(2, 500)];
    const { content, held } = setup(100, [a, big]);
    await content.put(a, bytes(40), { evict: true });
    await expect(content.put(big, bytes(500), { evict: true })).resolves.toBe(false);
    expect(held()).toEqual([a.sha256]);
  });

  it('without evict (the background fill-in), a full cache keeps what it has and says so', async () => {
    const [a, b] = [file(1, 60), file(2, 60)];
    const { content, held } = setup(100, [a, b]);
    expect(await content.put(a, bytes(60), { evict: false })).toBe(true);
    expect(await content.put(b, bytes(60), { evict: false })).toBe(false);
    expect(held()).toEqual([a.sha256]);
    expect(await content.put(b, bytes(60), { evict: true })).toBe(true);
    expect(held()).toEqual([b.sha256]);
  });

  it('stores a file given as a maker of streams, byte for byte, with its length; a put refused for quota is tried again on a new stream', async () => {
    const [a, b] = [file(1, 60), file(2, 50)];
    const { content, held } = setup(100, [a, b]);
    await content.put(a, bytes(a.size), { evict: true });
    const parts = [Uint8Array.from({ length: 30 }, (_, i) => i), Uint8Array.from({ length: 20 }, (_, i) => 100 + i)];
    let made = 0;
    const streams = () => {
      made++;
      let next = 0;
      return new ReadableStream<Uint8Array>({ pull: (c) => (next < parts.length ? c.enqueue(parts[next++]!) : c.close()) });
    };
    expect(await content.put(b, streams, { evict: true })).toBe(true); // 110 > 100: a goes, then b is put again
    expect(made).toBe(2);
    expect(held()).toEqual([b.sha256]);
    const hit = (await content.get(b))!;
    expect(hit.headers.get('content-length')).toBe('50');
    expect([...new Uint8Array(await hit.arrayBuffer())]).toEqual([...parts[0]!, ...parts[1]!]);
  });
});
