import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeployNetError } from './errors.js';
import { ENVELOPE_FORMAT, MANIFEST_FORMAT, fileHeaders, parseManifest, serializeEnvelope, serializeManifest, type Manifest } from './manifest.js';
import { verifyManifest } from './manifest-verify.js';
import { webCrypto } from './web-crypto.js';

const h = (text: string) => createHash('sha256').update(text).digest('hex');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const rawKey = publicKey.export({ format: 'jwk' }).x!;
const keyId = createHash('sha256').update(Buffer.from(rawKey, 'base64url')).digest('hex').slice(0, 16);
const NOW = Date.parse('2030-01-01T00:00:00Z');
const CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'";

const base: Manifest = {
  format: MANIFEST_FORMAT,
  version: 7,
  created: '2029-12-01T00:00:00.000Z',
  expires: '2030-02-01T00:00:00.000Z',
  keyId,
  chunkSize: 16 * 1024,
  files: {
    '/a.html': { size: 1, type: 'text/html', sha256: h('a'), headers: 0 },
    '/b.html': { size: 1, type: 'text/html', sha256: h('b'), headers: 0 },
    '/c.css': { size: 1, type: 'text/css', sha256: h('c'), headers: 1 },
    '/d.png': { size: 1, type: 'image/png', sha256: h('d') },
  },
  headers: [{ 'content-security-policy': CSP, 'x-frame-options': 'DENY' }, { 'x-content-type-options': 'nosniff' }],
};

/** The manifest as JSON, with a change applied, parsed again. */
function parseWith(change: (m: Record<string, unknown>) => void): Manifest {
  const value = JSON.parse(serializeManifest(base)) as Record<string, unknown>;
  change(value);
  return parseManifest(value);
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof DeployNetError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('signed response headers in the manifest', () => {
  it('round-trips, each set once however many files use it', () => {
    const text = serializeManifest(base);
    expect(parseManifest(JSON.parse(text))).toEqual(base);
    expect(text.split(CSP).length - 1).toBe(1);
  });

  it('resolves a file to its set, and a file without an index (or an old manifest) to none', () => {
    expect(fileHeaders(base, base.files['/b.html']!)).toEqual({ 'content-security-policy': CSP, 'x-frame-options': 'DENY' });
    expect(fileHeaders(base, base.files['/d.png']!)).toEqual({});
    const { headers: _dropped, ...old } = base;
    const oldFiles = Object.fromEntries(Object.entries(base.files).map(([p, { headers: _i, ...f }]) => [p, f]));
    const parsed = parseManifest(JSON.parse(serializeManifest({ ...old, files: oldFiles })));
    expect(parsed.headers).toBeUndefined();
    expect(JSON.parse(serializeManifest(parsed))).not.toHaveProperty('headers');
    expect(fileHeaders(parsed, parsed.files['/a.html']!)).toEqual({});
  });

  it.each<[string, (m: Record<string, unknown>) => void]>([
    ['a header outside the allow-list', (m) => ((m.headers as unknown[])[1] = { 'cache-control': 'no-store' })],
    ['a name not in lowercase', (m) => ((m.headers as unknown[])[1] = { 'X-Content-Type-Options': 'nosniff' })],
    ['a value with CR/LF', (m) => ((m.headers as unknown[])[1] = { 'x-content-type-options': 'nosniff\r\nset-cookie: a=b' })],
    ['an empty set', (m) => ((m.headers as unknown[])[1] = {})],
    ['an empty table', (m) => (m.headers = [])],
    ['a table that is not an array', (m) => (m.headers = { 0: { 'x-frame-options': 'DENY' } })],
    ['an index past the table', (m) => (((m.files as Record<string, Record<string, unknown>>)['/d.png']!).headers = 2)],
    ['a negative index', (m) => (((m.files as Record<string, Record<string, unknown>>)['/d.png']!).headers = -1)],
    ['an index that is not a whole number', (m) => (((m.files as Record<string, Record<string, unknown>>)['/d.png']!).headers = 0.5)],
    ['an index without a table', (m) => delete m.headers],
  ])('refuses %s', (_, change) => {
    expect(codeOf(() => parseWith(change))).toBe('MANIFEST_MALFORMED');
  });

  it('is covered by the signature: a peer that rewrites a header is refused', async () => {
    const text = serializeManifest(base);
    const signature = sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64url');
    const envelope = (manifest: string) => serializeEnvelope({ format: ENVELOPE_FORMAT, keyId, signature, manifest });
    const options = { crypto: webCrypto(globalThis.crypto.subtle), now: NOW };
    const verified = await verifyManifest(envelope(text), { publicKey: rawKey }, options);
    expect(verified.manifest.headers).toEqual(base.headers);
    const weakened = text.replace("frame-ancestors 'none'", '*');
    expect(weakened).not.toBe(text);
    await expect(verifyManifest(envelope(weakened), { publicKey: rawKey }, options)).rejects.toMatchObject({ code: 'MANIFEST_SIGNATURE_INVALID' });
  });
});
