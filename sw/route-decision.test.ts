import { describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, type Manifest, type ManifestFile } from '../core/index.js';
import { decodedPath, isCandidate, routeFor, type RequestFacts } from './route-decision.js';

const ORIGIN = 'https://site.example';
const file = (n: number): ManifestFile => ({ size: n, type: 'text/plain', sha256: n.toString(16).padStart(64, '0') });

const manifest: Manifest = {
  format: MANIFEST_FORMAT,
  version: 1,
  created: '2030-01-01T00:00:00Z',
  expires: '2031-01-01T00:00:00Z',
  keyId: '0123456789abcdef',
  chunkSize: 256 * 1024,
  files: {
    '/index.html': file(1),
    '/css/site.css': file(2),
    '/images/my photo.png': file(3),
    '/docs/index.html': file(4),
    '/deploynet.js': file(5),
    '/100%.txt': file(6),
    '/ü.txt': file(7),
  },
};

const url = (path: string) => new URL(path, ORIGIN);

describe('isCandidate', () => {
  const get: RequestFacts = { method: 'GET', url: `${ORIGIN}/css/site.css`, origin: ORIGIN, hasAuthorization: false };

  it('takes a same-origin GET', () => {
    expect(isCandidate(get)).toBe(true);
    expect(isCandidate({ ...get, url: `${ORIGIN}/not-listed?x=1` })).toBe(true);
  });

  it.each(['HEAD', 'POST', 'PUT', 'get'])('passes %s through', (method) => {
    expect(isCandidate({ ...get, method })).toBe(false);
  });

  it.each(['https://cdn.example/css/site.css', 'http://site.example/css/site.css', 'https://site.example:8443/css/site.css', 'https://sub.site.example/a'])(
    'passes another origin through: %s',
    (other) => {
      expect(isCandidate({ ...get, url: other })).toBe(false);
    },
  );

  it('passes requests with an Authorization header through', () => {
    expect(isCandidate({ ...get, hasAuthorization: true })).toBe(false);
  });

  it('takes Range requests (answered from the whole verified file)', () => {
    // Extra facts a caller may still pass (main.ts computes hasRange) change nothing.
    const withRange = { ...get, hasRange: true };
    expect(isCandidate(withRange)).toBe(true);
    expect(isCandidate({ ...withRange, hasAuthorization: true })).toBe(false);
    expect(isCandidate({ ...withRange, method: 'HEAD' })).toBe(false);
  });
});

describe('routeFor', () => {
  it('routes a listed path, ignoring the query string', () => {
    expect(routeFor(manifest, url('/css/site.css'))).toEqual({ path: '/css/site.css', file: file(2), peerEligible: true });
    expect(routeFor(manifest, url('/css/site.css?v=3#x'))?.path).toBe('/css/site.css');
  });

  it('decodes percent-encoded paths to the manifest form', () => {
    expect(routeFor(manifest, url('/images/my%20photo.png'))).toEqual({ path: '/images/my photo.png', file: file(3), peerEligible: true });
    expect(routeFor(manifest, url('/images/my photo.png'))?.path).toBe('/images/my photo.png');
    expect(routeFor(manifest, url('/100%25.txt'))?.path).toBe('/100%.txt');
    expect(routeFor(manifest, url('/%C3%BC.txt'))?.path).toBe('/ü.txt');
  });

  it('does not route an undecodable path', () => {
    expect(decodedPath(url('/%E0%A4%A'))).toBeUndefined();
    expect(routeFor(manifest, url('/%E0%A4%A'))).toBeUndefined();
    expect(routeFor(manifest, url('/100%.txt'))).toBeUndefined();
  });

  it("maps '/' and 'dir/' to their index.html", () => {
    expect(routeFor(manifest, url('/'))).toEqual({ path: '/index.html', file: file(1), peerEligible: true });
    expect(routeFor(manifest, url('/docs/'))?.path).toBe('/docs/index.html');
    expect(routeFor(manifest, url('/docs'))).toBeUndefined();
  });

  it('never sends the page script to peers', () => {
    expect(routeFor(manifest, url('/deploynet.js'))).toEqual({ path: '/deploynet.js', file: file(5), peerEligible: false });
  });

  it('does not route unlisted paths', () => {
    expect(routeFor(manifest, url('/secret.txt'))).toBeUndefined();
    expect(routeFor(manifest, url('/CSS/site.css'))).toBeUndefined();
    expect(routeFor(manifest, url('/css/site.css/'))).toBeUndefined();
    expect(routeFor(manifest, url('/deploynet-manifest.json'))).toBeUndefined();
  });

  it('cannot be walked out of the manifest with dot segments', () => {
    // URL parsing resolves them before the path is looked up.
    expect(routeFor(manifest, url('/docs/../css/site.css'))?.path).toBe('/css/site.css');
    expect(routeFor(manifest, url('/docs/%2e%2e/css/site.css'))?.path).toBe('/css/site.css');
  });
});
