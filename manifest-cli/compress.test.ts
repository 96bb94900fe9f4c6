import { utimes } from 'node:fs/promises';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { isCompressibleType } from './compress.js';
import { serveSite, type ServedResponse, type ServedSite } from './serve.js';
import { bytes, cleanup, fixture } from './site.test-kit.js';

const open: ServedSite[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await cleanup();
});

interface Raw {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body as it came over the wire (still encoded). */
  readonly body: Buffer;
}

/** A GET with exactly these headers (fetch would add Accept-Encoding and decode for us). */
function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const SCRIPT = `/* page script */\n${'export const answer = "forty-two";\n'.repeat(400)}`;

async function site(options: { compress?: boolean; onResponse?: (r: ServedResponse) => void } = {}): Promise<ServedSite> {
  const f = await fixture();
  await f.write('deploynet.js', SCRIPT);
  await f.write('small.css', 'p{}');
  await f.write('image.png', bytes(50_000));
  const s = await serveSite({ siteDir: f.siteDir, port: 0, ...options });
  open.push(s);
  return s;
}

describe('text compression in deploynet serve', () => {
  it('sends text as gzip or brotli when the client accepts it, and the bytes decode to the file', async () => {
    const s = await site();
    const gz = await rawGet(s.port, '/deploynet.js', { 'accept-encoding': 'gzip, deflate' });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/accept-encoding/i);
    expect(gz.headers['content-length']).toBeUndefined(); // streamed: chunked, the length is not known up front
    expect(gz.body.length).toBeLessThan(SCRIPT.length / 10);
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);

    const br = await rawGet(s.port, '/deploynet.js', { 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
  });

  it('sends the file as it is without Accept-Encoding, to a Range request, and for binary or tiny files', async () => {
    const s = await site();
    const plain = await rawGet(s.port, '/deploynet.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i); // caches must still key on it
    expect(plain.body.toString()).toBe(SCRIPT);

    const part = await rawGet(s.port, '/deploynet.js', { 'accept-encoding': 'gzip', range: 'bytes=3-9' });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBeUndefined();
    expect(part.body.toString()).toBe(SCRIPT.slice(3, 10));

    const image = await rawGet(s.port, '/image.png', { 'accept-encoding': 'gzip, br' });
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.body).toEqual(Buffer.from(bytes(50_000)));
    expect((await rawGet(s.port, '/small.css', { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();
  });

  it('revalidates an encoded answer by its ETag with a 304', async () => {
    const s = await site();
    const first = await rawGet(s.port, '/deploynet.js', { 'accept-encoding': 'gzip' });
    const etag = first.headers.etag;
    expect(etag).toBeTruthy();
    const again = await rawGet(s.port, '/deploynet.js', { 'accept-encoding': 'gzip', 'if-none-match': String(etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(gunzipSync((await rawGet(s.port, '/deploynet.js', { 'accept-encoding': 'gzip' })).body).toString()).toBe(SCRIPT);
  });

  it('never mixes up two files that share size and modification time (and so the ETag)', async () => {
    const f = await fixture();
    const when = new Date('2026-01-01T00:00:00Z');
    const a = 'a'.repeat(2000);
    const b = 'b'.repeat(2000);
    await utimes(await f.write('a.txt', a), when, when);
    await utimes(await f.write('b.txt', b), when, when);
    const s = await serveSite({ siteDir: f.siteDir, port: 0 });
    open.push(s);
    const first = await rawGet(s.port, '/a.txt', { 'accept-encoding': 'gzip' });
    const second = await rawGet(s.port, '/b.txt', { 'accept-encoding': 'gzip' });
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(gunzipSync(first.body).toString()).toBe(a);
    expect(gunzipSync(second.body).toString()).toBe(b);
  });

  it('reports the encoded bytes on the wire to onResponse, and can be turned off', async () => {
    const heard: ServedResponse[] = [];
    const s = await site({ onResponse: (r) => heard.push(r) });
    const gz = await rawGet(s.port, '/deploynet.js', { 'accept-encoding': 'gzip' });
    await rawGet(s.port, '/missing.js', { 'accept-encoding': 'gzip' });
    expect(heard).toHaveLength(2);
    expect(heard[0]).toMatchObject({ method: 'GET', path: '/deploynet.js', status: 200, encoding: 'gzip', complete: true });
    expect(heard[0]!.bytes).toBeGreaterThan(gz.body.length); // status line and headers too
    expect(heard[0]!.bytes).toBeLessThan(gz.body.length + 1000);
    expect(heard[1]).toMatchObject({ path: '/missing.js', status: 404, encoding: null });

    const off = await site({ compress: false });
    const plain = await rawGet(off.port, '/deploynet.js', { 'accept-encoding': 'gzip, br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(SCRIPT);
  });

  it('compresses still when the origin is throttled (the simulated WAN carries the encoded bytes)', async () => {
    const heard: ServedResponse[] = [];
    const f = await fixture();
    await f.write('deploynet.js', SCRIPT);
    const s = await serveSite({ siteDir: f.siteDir, port: 0, latencyMs: 1, rateBytesPerSec: 1_000_000, onResponse: (r) => heard.push(r) });
    open.push(s);
    const gz = await rawGet(s.port, '/deploynet.js', { 'accept-encoding': 'gzip' });
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);
    expect(s.bytesSent()).toBeLessThan(SCRIPT.length / 5);
    expect(heard[0]?.bytes).toBe(s.bytesSent());
  });

  it('knows text types from the rest', () => {
    for (const t of ['text/html; charset=UTF-8', 'text/css', 'application/javascript; charset=utf-8', 'text/javascript', 'application/json', 'application/manifest+json', 'image/svg+xml', 'application/atom+xml']) {
      expect(isCompressibleType(t), t).toBe(true);
    }
    for (const t of ['image/png', 'font/ttf', 'font/woff2', 'audio/wav', 'application/octet-stream', 'application/jsonx', undefined, 42]) {
      expect(isCompressibleType(t), String(t)).toBe(false);
    }
  });
});
