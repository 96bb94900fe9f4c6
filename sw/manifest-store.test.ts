import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CHUNK_SIZE,
  ENVELOPE_FORMAT,
  MANIFEST_FORMAT,
  fromBase64Url,
  keyIdOf,
  resolveSiteConfig,
  serializeEnvelope,
  serializeManifest,
  toBase64Url,
  utf8Encode,
  webCrypto,
  type SiteConfig,
} from '../core/index.js';
import { ManifestStore } from './manifest-store.js';
import { MemoryTrustStore, type TrustStore } from './trust-store.js';

const crypto = webCrypto(globalThis.crypto.subtle);
const ORIGIN = 'https://site.example';
const DAY = 86_400_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

interface Key {
  readonly privateKey: KeyObject;
  readonly publicKey: string;
  readonly keyId: string;
}

async function newKey(): Promise<Key> {
  const pair = generateKeyPairSync('ed25519');
  const x = pair.publicKey.export({ format: 'jwk' }).x!;
  return { privateKey: pair.privateKey, publicKey: x, keyId: await keyIdOf(fromBase64Url(x), crypto) };
}

interface SignOptions {
  readonly created?: number;
  readonly expiresIn?: number;
  /** Changes the signed text after signing. */
  readonly tamper?: boolean;
  /** Distinguishes two manifests of the same version. */
  readonly size?: number;
}

function signedManifest(key: Key, version: number, o: SignOptions = {}): string {
  const created = o.created ?? T0;
  const text = serializeManifest({
    format: MANIFEST_FORMAT,
    version,
    created: new Date(created).toISOString(),
    expires: new Date(created + (o.expiresIn ?? 30 * DAY)).toISOString(),
    keyId: key.keyId,
    chunkSize: DEFAULT_CHUNK_SIZE,
    files: { '/index.html': { size: o.size ?? 10, type: 'text/html; charset=utf-8', sha256: 'a'.repeat(64) } },
  });
  const signature = toBase64Url(sign(null, utf8Encode(text), key.privateKey));
  const manifest = o.tamper ? text.replace('"size":', '"size":1') : text;
  return serializeEnvelope({ format: ENVELOPE_FORMAT, keyId: key.keyId, signature, manifest });
}

/** What the fake origin serves at /deploynet-manifest.json; null answers 404. */
let served: string | null;
let now: number;
let siteKey: Key;
let otherKey: Key;
let config: SiteConfig;

const fakeFetch: typeof fetch = async (input) => {
  expect(String(input)).toBe(`${ORIGIN}/deploynet-manifest.json`);
  return served === null ? new Response('not found', { status: 404 }) : new Response(served);
};

function newStore(trust: TrustStore): ManifestStore {
  return new ManifestStore({ config, crypto, trust, fetch: fakeFetch, origin: ORIGIN, now: () => now });
}

/** A store that has accepted `version` (signed by the site key) from the origin. */
async function acceptedStore(trust: TrustStore, version = 5): Promise<{ store: ManifestStore; envelope: string }> {
  const store = newStore(trust);
  served = signedManifest(siteKey, version);
  await store.refresh();
  expect(store.manifest?.manifest.version).toBe(version);
  return { store, envelope: served };
}

beforeEach(async () => {
  now = T0 + 1000;
  served = null;
  siteKey = await newKey();
  otherKey = await newKey();
  config = resolveSiteConfig({ publicKey: siteKey.publicKey, keyId: siteKey.keyId });
});

describe('ManifestStore', () => {
  it('accepts a first manifest from the origin and persists it as the floor', async () => {
    const trust = new MemoryTrustStore();
    const store = newStore(trust);
    await store.ready();
    expect(store.manifest).toBeNull();
    expect(store.error).toBeNull();
    served = signedManifest(siteKey, 5);
    await store.refresh();
    expect(store.manifest?.manifest.version).toBe(5);
    expect(store.manifest?.envelopeText).toBe(served);
    expect(store.error).toBeNull();
    expect(store.highestVersion).toBe(5);
    expect(await trust.load()).toEqual({ highestVersion: 5, envelope: served, keyId: siteKey.keyId, acceptedAt: now, retained: [] });
  });

  it('accepts a higher version and raises the persisted floor', async () => {
    const trust = new MemoryTrustStore();
    const { store } = await acceptedStore(trust);
    served = signedManifest(siteKey, 6);
    await store.refresh();
    expect(store.manifest?.manifest.version).toBe(6);
    expect(store.error).toBeNull();
    expect((await trust.load())?.highestVersion).toBe(6);
    expect((await trust.load())?.envelope).toBe(served);
  });

  it('accepts the identical envelope again at the same version', async () => {
    const trust = new MemoryTrustStore();
    const { store, envelope } = await acceptedStore(trust);
    served = envelope;
    await store.refresh();
    expect(store.manifest?.envelopeText).toBe(envelope);
    expect(store.error).toBeNull();
  });

  const refusals: Array<[string, () => string, string]> = [
    ['a lower version (rollback)', () => signedManifest(siteKey, 3), 'MANIFEST_ROLLBACK'],
    ['another envelope at the same version', () => signedManifest(siteKey, 5, { size: 11 }), 'MANIFEST_ROLLBACK'],
    ['an expired manifest (freeze)', () => signedManifest(siteKey, 6, { created: T0 - 2 * DAY, expiresIn: DAY }), 'MANIFEST_EXPIRED'],
    ['a manifest signed by another key', () => signedManifest(otherKey, 6), 'MANIFEST_UNKNOWN_KEY'],
    ['a manifest whose signature does not verify', () => signedManifest(siteKey, 6, { tamper: true }), 'MANIFEST_SIGNATURE_INVALID'],
    ['a manifest that is not JSON', () => '{"format":', 'MANIFEST_MALFORMED'],
    ['no manifest at the origin', () => '', 'MANIFEST_UNAVAILABLE'],
  ];

  for (const [name, candidate, code] of refusals) {
    it(`refuses ${name} with ${code}; the previous manifest stays in force and persisted`, async () => {
      const trust = new MemoryTrustStore();
      const { store, envelope } = await acceptedStore(trust);
      const before = await trust.load();
      const text = candidate();
      served = text === '' ? null : text;
      await store.refresh();
      expect(store.error).toBe(code);
      expect(store.manifest?.manifest.version).toBe(5);
      expect(store.manifest?.envelopeText).toBe(envelope);
      expect(store.highestVersion).toBe(5);
      expect(await trust.load()).toEqual(before);

      // A good newer manifest is still taken afterwards, and clears the error.
      served = signedManifest(siteKey, 7);
      await store.refresh();
      expect(store.manifest?.manifest.version).toBe(7);
      expect(store.error).toBeNull();
    });
  }

  it('takes the persisted manifest back after a restart (a new instance on the same store)', async () => {
    const trust = new MemoryTrustStore();
    const { envelope } = await acceptedStore(trust, 6);
    served = null;
    const restarted = newStore(trust);
    expect(restarted.settled).toBe(false);
    await restarted.ready();
    expect(restarted.settled).toBe(true);
    expect(restarted.manifest?.envelopeText).toBe(envelope);
    expect(restarted.error).toBeNull();
    served = signedManifest(siteKey, 5);
    await restarted.refresh();
    expect(restarted.error).toBe('MANIFEST_ROLLBACK');
    expect(restarted.manifest?.manifest.version).toBe(6);
  });

  it('keeps the floor after a restart even when the stored envelope has expired', async () => {
    const trust = new MemoryTrustStore();
    await acceptedStore(trust, 6);
    now = T0 + 31 * DAY; // past the stored manifest's expiry
    const restarted = newStore(trust);
    await restarted.ready();
    expect(restarted.manifest).toBeNull(); // no longer in force: passthrough
    expect(restarted.error).toBe('MANIFEST_EXPIRED');
    expect(restarted.highestVersion).toBe(6);

    served = signedManifest(siteKey, 5, { created: now }); // fresh, but below the floor
    await restarted.refresh();
    expect(restarted.error).toBe('MANIFEST_ROLLBACK');
    expect(restarted.manifest).toBeNull();
    served = signedManifest(siteKey, 6, { created: now }); // the floor's version, other contents
    await restarted.refresh();
    expect(restarted.error).toBe('MANIFEST_ROLLBACK');
    expect(restarted.manifest).toBeNull();

    served = signedManifest(siteKey, 7, { created: now });
    await restarted.refresh();
    expect(restarted.manifest?.manifest.version).toBe(7);
    expect(restarted.error).toBeNull();
    expect((await trust.load())?.highestVersion).toBe(7);
  });

  it('keeps the floor when the site key changes: a new key must not go below it', async () => {
    const trust = new MemoryTrustStore();
    await acceptedStore(trust, 6);
    config = resolveSiteConfig({ publicKey: otherKey.publicKey, keyId: otherKey.keyId }); // the new SW's key
    const rotated = newStore(trust);
    await rotated.ready();
    expect(rotated.manifest).toBeNull();
    expect(rotated.error).toBe('MANIFEST_UNKNOWN_KEY');
    served = signedManifest(otherKey, 4);
    await rotated.refresh();
    expect(rotated.error).toBe('MANIFEST_ROLLBACK');
    served = signedManifest(otherKey, 7);
    await rotated.refresh();
    expect(rotated.manifest?.manifest.version).toBe(7);
    expect(await trust.load()).toMatchObject({ highestVersion: 7, keyId: otherKey.keyId });
  });

  it('drops a manifest in force once it expires while the SW runs', async () => {
    const { store } = await acceptedStore(new MemoryTrustStore());
    now = T0 + 30 * DAY;
    expect(store.manifest).toBeNull();
    expect(store.error).toBe('MANIFEST_EXPIRED');
    expect(store.highestVersion).toBe(5);
  });

  it('starts with no manifest when the stored record is corrupt, and replaces it', async () => {
    const trust = new MemoryTrustStore({ highestVersion: '9', envelope: 42 });
    const store = newStore(trust);
    await store.ready();
    expect(store.manifest).toBeNull();
    expect(store.error).toBe('MANIFEST_MALFORMED');
    served = signedManifest(siteKey, 2);
    await store.refresh();
    expect(store.manifest?.manifest.version).toBe(2);
    expect((await trust.load())?.highestVersion).toBe(2);
  });

  it('refuses a candidate when the store holds a higher floor than this instance knew', async () => {
    const trust = new MemoryTrustStore();
    const { store } = await acceptedStore(trust, 5);
    await trust.save({ highestVersion: 9, envelope: signedManifest(siteKey, 9), keyId: siteKey.keyId, acceptedAt: now }); // another SW instance
    served = signedManifest(siteKey, 6);
    await store.refresh();
    expect(store.error).toBe('MANIFEST_ROLLBACK');
    expect(store.manifest?.manifest.version).toBe(5);
  });

  it('keeps an accepted manifest in force for this SW when storage fails', async () => {
    const broken: TrustStore = {
      load: async () => undefined,
      save: async () => {
        throw new Error('QuotaExceededError');
      },
    };
    const store = newStore(broken);
    served = signedManifest(siteKey, 5);
    await store.refresh();
    expect(store.manifest?.manifest.version).toBe(5);
    expect(store.error).toBeNull();
  });

  it('starts with no manifest when storage cannot be read', async () => {
    const store = newStore({ load: () => Promise.reject(new Error('no IndexedDB')), save: async () => undefined });
    await store.ready();
    expect(store.settled).toBe(true);
    expect(store.manifest).toBeNull();
    expect(store.error).toBe('MANIFEST_UNAVAILABLE');
  });
});

describe('ManifestStore: older versions for pages loaded under them', () => {
  it('retains the previous version after a newer one, persists it, and drops it when no page uses it', async () => {
    const trust = new MemoryTrustStore();
    const store = newStore(trust);
    served = signedManifest(siteKey, 5);
    await store.refresh();
    served = signedManifest(siteKey, 6);
    await store.refresh();
    expect(store.manifest?.manifest.version).toBe(6);
    expect(store.manifestFor(5)?.manifest.version).toBe(5);
    expect(store.manifestFor(6)?.manifest.version).toBe(6);
    expect(store.manifestFor(undefined)?.manifest.version).toBe(6);
    expect(store.manifestFor(4)?.manifest.version).toBe(6); // unknown: the one in force

    // A restarted SW still serves version 5 to the pages loaded under it.
    const restarted = newStore(trust);
    await restarted.ready();
    expect(restarted.manifestFor(5)?.manifest.version).toBe(5);

    await restarted.retain(new Set([6]));
    expect(restarted.manifestFor(5)?.manifest.version).toBe(6);
    const again = newStore(trust);
    await again.ready();
    expect(again.manifestFor(5)?.manifest.version).toBe(6);
    expect((await trust.load())?.highestVersion).toBe(6);
  });
});
