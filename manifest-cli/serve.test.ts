import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import { serveSite, type ServedResponse, type ServedSite } from './serve.js';
import { bytes, cleanup, fixture } from './site.test-kit.js';

const open: ServedSite[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await cleanup();
});

async function serve(...args: Parameters<typeof serveSite>): Promise<ServedSite> {
  const s = await serveSite(...args);
  open.push(s);
  return s;
}

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveSite', () => {
  it('serves the site on a free port with the service worker headers', async () => {
    const f = await fixture();
    await f.write('deploynet-sw.js', '// sw');
    await f.write('deploynet.js', '// page');
    const s = await serve({ siteDir: f.siteDir, port: 0 });
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);

    const sw = await fetch(`${s.url}/deploynet-sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get('service-worker-allowed')).toBe('/');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect(sw.headers.get('content-type')).toMatch(/javascript/);
    expect(await sw.text()).toBe('// sw');

    const page = await fetch(`${s.url}/deploynet.js`);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('service-worker-allowed')).toBeNull();
    const index = await fetch(`${s.url}/`);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>t</title>');
    expect((await fetch(`${s.url}/.git/HEAD`)).status).toBe(404);
  });

  it('never serves a file outside siteDir', async () => {
    const f = await fixture();
    await writeFile(join(f.root, 'secret.txt'), 'TOP-SECRET');
    const s = await serve({ siteDir: f.siteDir, port: 0 });
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/css/..%2f..%2fsecret.txt', '/..%5csecret.txt', '//../secret.txt']) {
      const r = await rawGet(s.port, path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body, path).not.toContain('TOP-SECRET');
    }
  });

  it('adds latency and throttles the body', async () => {
    const f = await fixture();
    const size = 120_000;
    await f.write('big.bin', bytes(size));
    const s = await serve({ siteDir: f.siteDir, port: 0, latencyMs: 150, rateBytesPerSec: 400_000 });
    const t0 = performance.now();
    const small = await fetch(`${s.url}/css/site.css`);
    await small.text();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    const t1 = performance.now();
    const big = new Uint8Array(await (await fetch(`${s.url}/big.bin`)).arrayBuffer());
    const elapsed = performance.now() - t1;
    expect(big).toEqual(bytes(size));
    // 120 kB at 400 kB/s is 300 ms, plus 150 ms latency.
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(2000);
  });

  it('tells onRequest of every request, with its Range header', async () => {
    const f = await fixture();
    await f.write('big.bin', bytes(1000));
    const log: unknown[] = [];
    const s = await serve({ siteDir: f.siteDir, port: 0, onRequest: (r) => log.push(r) });
    const part = await fetch(`${s.url}/big.bin?x=1`, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes(1000).subarray(10, 20));
    await (await fetch(`${s.url}/css/site.css`)).text();
    expect(log).toEqual([
      { method: 'GET', path: '/big.bin', range: 'bytes=10-19' },
      { method: 'GET', path: '/css/site.css', range: null },
    ]);
  });

  it('counts the bytes it sends, bodies and headers, on open and closed connections', async () => {
    const f = await fixture();
    await f.write('big.bin', bytes(100_000));
    const s = await serve({ siteDir: f.siteDir, port: 0 });
    expect(s.bytesSent()).toBe(0);
    await (await fetch(`${s.url}/big.bin`)).arrayBuffer();
    const afterOne = s.bytesSent();
    expect(afterOne).toBeGreaterThan(100_000); // the body and its headers
    expect(afterOne).toBeLessThan(101_000);
    await (await fetch(`${s.url}/big.bin`, { headers: { range: 'bytes=0-9', connection: 'close' } })).arrayBuffer();
    expect(s.bytesSent() - afterOne).toBeGreaterThan(10);
    expect(s.bytesSent() - afterOne).toBeLessThan(1000);
  });

  it('tells onResponse of each answer with its bytes on the wire, and of one the client abandoned', async () => {
    const f = await fixture();
    await f.write('big.bin', bytes(400_000));
    const heard: ServedResponse[] = [];
    let abandoned: () => void = () => undefined;
    const gone = new Promise<void>((resolve) => (abandoned = resolve));
    const s = await serve({
      siteDir: f.siteDir,
      port: 0,
      rateBytesPerSec: 200_000,
      onResponse: (r) => {
        heard.push(r);
        if (!r.complete) abandoned();
      },
    });
    await (await fetch(`${s.url}/css/site.css`)).text();
    const stop = new AbortController();
    const big = await fetch(`${s.url}/big.bin`, { signal: stop.signal });
    const reader = big.body!.getReader();
    await reader.read(); // some bytes have arrived; then the client goes away, as window.stop() does
    stop.abort();
    await gone;
    expect(heard).toHaveLength(2);
    expect(heard[0]).toMatchObject({ method: 'GET', path: '/css/site.css', status: 200, encoding: null, complete: true });
    expect(heard[0]!.bytes).toBeGreaterThan(100); // status line, headers and the 20-byte body
    expect(heard[1]).toMatchObject({ path: '/big.bin', status: 200, complete: false });
    expect(heard[1]!.bytes).toBeGreaterThan(0);
    expect(heard[1]!.bytes).toBeLessThan(400_000);
  });

  it('refuses a missing directory and a port in use', async () => {
    const f = await fixture();
    await expect(serveSite({ siteDir: join(f.root, 'nope'), port: 0 })).rejects.toMatchObject({ code: 'SITE_DIR_MISSING' });
    const s = await serve({ siteDir: f.siteDir, port: 0 });
    const err = await serveSite({ siteDir: f.siteDir, port: s.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployNetError);
    expect(err).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('in use') });
  });
});
