import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeployNetError } from './errors.js';
import {
  ENVELOPE_FORMAT,
  MANIFEST_FORMAT,
  lookupFile,
  parseEnvelope,
  parseManifest,
  serializeEnvelope,
  serializeManifest,
  type Manifest,
} from './manifest.js';
import { keyIdOf, verifyManifest } from './manifest-verify.js';
import { webCrypto } from './web-crypto.js';

const crypto = webCrypto(globalThis.crypto.subtle);
const CS = 16 * 1024;
const NOW = Date.parse('2030-01-01T00:00:00Z');
const h = (text: string) => createHash('sha256').update(text).digest('hex');

interface Key {
  readonly privateKey: KeyObject;
  readonly publicKey: string;
  readonly keyId: string;
}

function makeKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'jwk' }).x!;
  const keyId = createHash('sha256').update(Buffer.from(raw, 'base64url')).digest('hex').slice(0, 16);
  return { privateKey, publicKey: raw, keyId };
}

const owner = makeKey();
const stranger = makeKey();

function manifestFor(key: Key, overrides: Partial<Manifest> = {}): Manifest {
  return {
    format: MANIFEST_FORMAT,
    version: 3,
    created: '2029-12-01T00:00:00.000Z',
    expires: '2030-02-01T00:00:00.000Z',
    keyId: key.keyId,
    chunkSize: CS,
    files: {
      '/index.html': { size: 10, type: 'text/html; charset=utf-8', sha256: h('index') },
      '/docs/index.html': { size: 0, type: 'text/html', sha256: h('') },
      '/café/ünï 🙂.txt': { size: 5, type: 'text/plain', sha256: h('x') },
      '/big.bin': { size: CS + 1, type: 'application/octet-stream', sha256: h('big'), chunks: [h('c0'), h('c1')] },
    },
    ...overrides,
  };
}

/** A signed envelope as the CLI writes it: Ed25519 over the UTF-8 bytes of the manifest text. */
function envelope(text: string, key: Key, keyId = key.keyId): string {
  const signature = sign(null, Buffer.from(text, 'utf8'), key.privateKey).toString('base64url');
  return serializeEnvelope({ format: ENVELOPE_FORMAT, keyId, signature, manifest: text });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof DeployNetError) return error.code;
  throw new Error(`expected a DeployNetError, got ${String(error)}`);
}

const verify = (text: string, minVersion?: number, now = NOW) =>
  verifyManifest(text, { publicKey: owner.publicKey }, { crypto, now, ...(minVersion === undefined ? {} : { minVersion }) });

describe('verifyManifest', () => {
  it('accepts a correctly signed envelope, non-ASCII paths included', async () => {
    const text = envelope(serializeManifest(manifestFor(owner)), owner);
    const verified = await verify(text);
    expect(verified.manifest).toEqual(manifestFor(owner));
    expect(verified.envelopeText).toBe(text);
  });

  it('computes the key id as the first 8 bytes of SHA-256 over the raw key', async () => {
    expect(await keyIdOf(Buffer.from(owner.publicKey, 'base64url'), crypto)).toBe(owner.keyId);
  });

  it('refuses a flipped byte in the manifest text', async () => {
    const signed = JSON.parse(envelope(serializeManifest(manifestFor(owner)), owner)) as Record<string, string>;
    const tampered = { ...signed, manifest: signed.manifest!.replace('"version":3', '"version":4') };
    expect(tampered.manifest).not.toBe(signed.manifest);
    expect(await codeOf(verify(JSON.stringify(tampered)))).toBe('MANIFEST_SIGNATURE_INVALID');
  });

  it('refuses a flipped bit in the signature', async () => {
    const signed = JSON.parse(envelope(serializeManifest(manifestFor(owner)), owner)) as Record<string, string>;
    const sig = Buffer.from(signed.signature!, 'base64url');
    sig[10]! ^= 1;
    const tampered = { ...signed, signature: sig.toString('base64url') };
    expect(await codeOf(verify(JSON.stringify(tampered)))).toBe('MANIFEST_SIGNATURE_INVALID');
  });

  it("refuses another key's envelope as an unknown key", async () => {
    const text = envelope(serializeManifest(manifestFor(stranger)), stranger);
    expect(await codeOf(verify(text))).toBe('MANIFEST_UNKNOWN_KEY');
  });

  it("refuses another key's signature that claims the site's key id", async () => {
    const text = envelope(serializeManifest(manifestFor(owner)), stranger, owner.keyId);
    expect(await codeOf(verify(text))).toBe('MANIFEST_SIGNATURE_INVALID');
  });

  it('refuses a signed manifest naming a different key than its envelope', async () => {
    const text = envelope(serializeManifest(manifestFor(owner, { keyId: stranger.keyId })), owner);
    expect(await codeOf(verify(text))).toBe('MANIFEST_UNKNOWN_KEY');
  });

  it('refuses an expired manifest, at and after its expiry', async () => {
    const text = envelope(serializeManifest(manifestFor(owner)), owner);
    const expires = Date.parse(manifestFor(owner).expires);
    await expect(verify(text, undefined, expires - 1)).resolves.toBeDefined();
    expect(await codeOf(verify(text, undefined, expires))).toBe('MANIFEST_EXPIRED');
    expect(await codeOf(verify(text, undefined, expires + 86_400_000))).toBe('MANIFEST_EXPIRED');
  });

  it('refuses a rollback below minVersion and accepts the same version again', async () => {
    const text = envelope(serializeManifest(manifestFor(owner)), owner);
    await expect(verify(text, 3)).resolves.toBeDefined();
    expect(await codeOf(verify(text, 4))).toBe('MANIFEST_ROLLBACK');
  });

  it.each([
    ['envelope that is not JSON', () => '{"format":'],
    ['envelope of the wrong format', () => JSON.stringify({ ...JSON.parse(envelope('{}', owner)), format: 'deploynet-signed/2' })],
    ['signed manifest text that is not JSON', () => envelope('{"format":', owner)],
    ['signed manifest of the wrong format', () => envelope(JSON.stringify({ ...manifestFor(owner), format: 'x/1' }), owner)],
    ['signed manifest with an unsafe path', () => envelope(JSON.stringify(withFile('/../x')), owner)],
  ])('refuses a %s as MANIFEST_MALFORMED', async (_name, make) => {
    expect(await codeOf(verify(make()))).toBe('MANIFEST_MALFORMED');
  });
});

function withFile(path: string, file: unknown = { size: 1, type: 'text/plain', sha256: h('a') }): unknown {
  return { ...manifestFor(owner), files: { [path]: file } };
}

function parseCode(value: unknown): string {
  try {
    parseManifest(value);
  } catch (error) {
    if (error instanceof DeployNetError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('parseManifest', () => {
  it.each(['/../x', '/a//b', 'x', '/a\\b', '/a?b', '/a#b', '/./a', '/a/..', '/a\u0000b', '/a\nb', ''])('refuses the unsafe path %j', (path) => {
    expect(parseCode(withFile(path))).toBe('MANIFEST_MALFORMED');
  });

  it.each(['/a', '/a/b.c', '/a b/é.png', '/.well-known/x', '/a..b'])('accepts the safe path %j', (path) => {
    expect(parseCode(withFile(path))).toBe('accepted');
  });

  it.each([
    ['an uppercase sha256', { size: 1, type: 't', sha256: h('a').toUpperCase() }],
    ['a short sha256', { size: 1, type: 't', sha256: h('a').slice(2) }],
    ['a negative size', { size: -1, type: 't', sha256: h('a') }],
    ['a fractional size', { size: 1.5, type: 't', sha256: h('a') }],
    ['an empty type', { size: 1, type: '', sha256: h('a') }],
    ['chunks on a one-chunk file', { size: CS, type: 't', sha256: h('a'), chunks: [h('a')] }],
    ['no chunks on a two-chunk file', { size: CS + 1, type: 't', sha256: h('a') }],
    ['too few chunks', { size: 2 * CS + 1, type: 't', sha256: h('a'), chunks: [h('0'), h('1')] }],
    ['too many chunks', { size: CS + 1, type: 't', sha256: h('a'), chunks: [h('0'), h('1'), h('2')] }],
    ['a bad chunk hash', { size: CS + 1, type: 't', sha256: h('a'), chunks: [h('0'), 'nope'] }],
  ])('refuses a file with %s', (_name, file) => {
    expect(parseCode(withFile('/f', file))).toBe('MANIFEST_MALFORMED');
  });

  it.each([
    ['a version of 0', { version: 0 }],
    ['an unparsable expiry', { expires: 'soon' }],
    ['a chunk size that is not a power of two', { chunkSize: 3 * CS }],
    ['a malformed key id', { keyId: 'XYZ' }],
    ['files as an array', { files: [] }],
  ])('refuses a manifest with %s', (_name, overrides) => {
    expect(parseCode({ ...manifestFor(owner), ...overrides })).toBe('MANIFEST_MALFORMED');
  });

  it('refuses a non-object and an envelope with a short signature', () => {
    expect(parseCode(null)).toBe('MANIFEST_MALFORMED');
    const bad = JSON.stringify({ format: ENVELOPE_FORMAT, keyId: owner.keyId, signature: 'abc', manifest: '{}' });
    expect(() => parseEnvelope(bad)).toThrow(expect.objectContaining({ code: 'MANIFEST_MALFORMED' }));
  });
});

describe('lookupFile', () => {
  const m = manifestFor(owner);

  it('finds an exact path', () => {
    expect(lookupFile(m, '/big.bin')).toEqual({ path: '/big.bin', file: m.files['/big.bin'] });
  });

  it("maps 'dir/' to 'dir/index.html', and '/' to '/index.html'", () => {
    expect(lookupFile(m, '/docs/')?.path).toBe('/docs/index.html');
    expect(lookupFile(m, '/')?.path).toBe('/index.html');
  });

  it('does not guess for a directory without its slash, or an unlisted path', () => {
    expect(lookupFile(m, '/docs')).toBeUndefined();
    expect(lookupFile(m, '/nope/')).toBeUndefined();
    expect(lookupFile(m, '/missing.js')).toBeUndefined();
  });
});

describe('serializeManifest', () => {
  it('sorts files by path, whatever the insertion order, and round-trips through parseManifest', () => {
    const files = manifestFor(owner).files;
    const paths = Object.keys(files);
    const reversed = Object.fromEntries([...paths].reverse().map((p) => [p, files[p]!]));
    const a = serializeManifest(manifestFor(owner, { files }));
    const b = serializeManifest(manifestFor(owner, { files: reversed }));
    expect(a).toBe(b);
    expect(Object.keys((JSON.parse(a) as { files: object }).files)).toEqual([...paths].sort());
    expect(parseManifest(JSON.parse(a))).toEqual(manifestFor(owner));
  });
});
