/**
 * The asset handler sets a file's signed headers on every answer it builds, whatever the path
 * through it: streamed from the origin, from the cache, a Range cut from the partial download, and
 * the unverified origin fallback. Real ManifestStore (verifying a real signature), ContentCache and
 * partial store; fakes for the origin, Cache Storage and the (unused: no signal node) bridges.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENVELOPE_FORMAT, MANIFEST_FORMAT, MANIFEST_PATH, resolveSiteConfig, serializeEnvelope, serializeManifest, webCrypto, type Manifest } from '../core/index.js';
import { createAssetHandler } from './asset-handler.js';
import type { BridgeRegistry } from './bridge-registry.js';
import { ContentCache } from './content-cache.js';
import { ManifestStore } from './manifest-store.js';
import { MemoryPartialStore } from './partial-store.js';
import { MemoryTrustStore } from './trust-store.js';

const ORIGIN = 'https://site.example';
const CS = 16 * 1024;
const CSP = "script-src 'self'";
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const PAGE = new TextEncoder().encode('<!doctype html><p>hi</p><script>alert(1)</script>');
const BIG = Uint8Array.from({ length: 3 * CS - 100 }, (_, i) => (i * 31) % 251);
const CSS = new TextEncoder().encode('p { color: red }');

class MemoryCache {
  readonly entries = new Map<string, Response>();
  async match(key: RequestInfo | URL): Promise<Response | undefined> {
    return this.entries.get(String(key instanceof Request ? key.url : key))?.clone();
  }
  async put(key: RequestInfo | URL, response: Response): Promise<void> {
    this.entries.set(String(key), new Response(await response.arrayBuffer(), { headers: response.headers }));
  }
  async delete(key: RequestInfo | URL): Promise<boolean> {
    return this.entries.delete(String(key instanceof Request ? key.url : key));
  }
  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((k) => new Request(k));
  }
}

function signedSite(): { envelope: string; publicKey: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'jwk' }).x!;
  const keyId = createHash('sha256').update(Buffer.from(raw, 'base64url')).digest('hex').slice(0, 16);
  const chunks = [0, 1, 2].map((i) => sha(BIG.subarray(i * CS, (i + 1) * CS)));
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    created: new Date().toISOString(),
    expires: new Date(Date.now() + 86_400_000).toISOString(),
    keyId,
    chunkSize: CS,
    files: {
      '/page.html': { size: PAGE.length, type: 'text/html', sha256: sha(PAGE), headers: 0 },
      '/big.bin': { size: BIG.length, type: 'application/octet-stream', sha256: sha(BIG), chunks, headers: 0 },
      '/site.css': { size: CSS.length, type: 'text/css', sha256: sha(CSS) },
    },
    headers: [{ 'content-security-policy': CSP, 'x-frame-options': 'DENY' }],
  };
  const text = serializeManifest(manifest);
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64url');
  return { envelope: serializeEnvelope({ format: ENVELOPE_FORMAT, keyId, signature, manifest: text }), publicKey: raw, keyId };
}

function setup() {
  const site = signedSite();
  const files = new Map<string, Uint8Array>([['/page.html', PAGE], ['/big.bin', BIG], ['/site.css', CSS]]);
  // The origin sends headers of its own, which DeployNet must not pass on for verified bytes.
  const originHeaders = { 'x-frame-options': 'SAMEORIGIN', 'x-origin-only': '1' };
  const fetchFn: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname === MANIFEST_PATH) return new Response(site.envelope);
    const body = files.get(url.pathname);
    if (!body) return new Response('not found', { status: 404 });
    const range = /^bytes=(\d+)-(\d+)$/.exec(new Headers(init?.headers).get('range') ?? '');
    if (!range) return new Response(body.slice(), { headers: originHeaders });
    const [first, last] = [Number(range[1]), Number(range[2])];
    return new Response(body.slice(first, last + 1), { status: 206, headers: { ...originHeaders, 'content-range': `bytes ${first}-${last}/${body.length}` } });
  };
  const config = resolveSiteConfig({ publicKey: site.publicKey, keyId: site.keyId, signal: null });
  const manifests = new ManifestStore({ config, crypto: webCrypto(globalThis.crypto.subtle), trust: new MemoryTrustStore(), fetch: fetchFn, origin: ORIGIN, now: () => Date.now() });
  const cache = new MemoryCache();
  const content = new ContentCache({ caches: { open: async () => cache } as unknown as CacheStorage, origin: ORIGIN, listed: () => manifests.hashesInUse(), now: () => Date.now(), writable: () => true });
  const bridges = { held: () => undefined, open: () => { throw new Error('no peers in this test'); } } as unknown as BridgeRegistry;
  const pending: Promise<unknown>[] = [];
  const handle = createAssetHandler({
    config, crypto: webCrypto(globalThis.crypto.subtle), manifests, pinnedVersion: async () => undefined, onNavigation: () => undefined,
    content, partials: new MemoryPartialStore(), bridges, fetch: fetchFn, progress: () => undefined,
  });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const request = new Request(`${ORIGIN}${path}`, { headers });
    const response = await handle({ request, url: new URL(request.url), clientId: 'page-1', resultingClientId: undefined, waitUntil: (p) => pending.push(p) });
    const body = new Uint8Array(await response.arrayBuffer());
    await Promise.all(pending.splice(0));
    return { response, body };
  };
  return { manifests, files, get };
}

describe('the asset handler applies signed headers', () => {
  it('to the streamed origin answer and to the cached one, never the origin’s own', async () => {
    const { manifests, get } = setup();
    await manifests.refresh();
    for (const source of ['origin', 'cache']) {
      const { response, body } = await get('/page.html');
      expect(response.headers.get('x-deploynet-source')).toBe(source);
      expect(response.headers.get('content-security-policy')).toBe(CSP);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.has('x-origin-only')).toBe(false);
      expect(body).toEqual(PAGE);
    }
    const css = (await get('/site.css')).response;
    expect(css.headers.has('content-security-policy')).toBe(false);
    expect(css.headers.has('x-frame-options')).toBe(false);
  });

  it('to a 206 cut from an uncached file of several chunks', async () => {
    const { manifests, get } = setup();
    await manifests.refresh();
    const { response, body } = await get('/big.bin', { range: `bytes=${CS + 5}-${CS + 9}` });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${CS + 5}-${CS + 9}/${BIG.length}`);
    expect(response.headers.get('content-security-policy')).toBe(CSP);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(body).toEqual(BIG.subarray(CS + 5, CS + 10));
  });

  it('to the unverified origin fallback, where the origin’s own headers stay', async () => {
    const { manifests, files, get } = setup();
    await manifests.refresh();
    files.set('/page.html', new TextEncoder().encode('<!doctype html><p>a newer deploy</p>'));
    const { response } = await get('/page.html');
    expect(response.headers.get('x-deploynet-verified')).toBe('false');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('content-security-policy')).toBe(CSP);
  });
});
