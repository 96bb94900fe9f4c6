/** Signature, key, expiry and rollback checks for a signed manifest (security invariants 1 and 3). */
import type { CryptoProvider } from './crypto-provider.js';
import { fromBase64Url, toHex, utf8Encode } from './encoding.js';
import { DeployNetError } from './errors.js';
import { parseEnvelope, parseManifest, type Manifest } from './manifest.js';

export interface TrustAnchor {
  /** Raw Ed25519 public key, base64url (32 bytes). */
  readonly publicKey: string;
}

export interface VerifiedManifest {
  readonly manifest: Manifest;
  /** The envelope text exactly as received, for storing and passing on. */
  readonly envelopeText: string;
}

export interface VerifyOptions {
  readonly crypto: CryptoProvider;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Highest version already accepted on this device; a lower one is a rollback. */
  readonly minVersion?: number;
}

/** Key id: the first 8 bytes of SHA-256 over the raw public key, hex. */
export async function keyIdOf(publicKey: Uint8Array, crypto: CryptoProvider): Promise<string> {
  return toHex(await crypto.sha256(publicKey)).slice(0, 16);
}

export async function verifyManifest(envelopeText: string, anchor: TrustAnchor, options: VerifyOptions): Promise<VerifiedManifest> {
  const envelope = parseEnvelope(envelopeText);
  const publicKey = fromBase64Url(anchor.publicKey);
  const expectedKeyId = await keyIdOf(publicKey, options.crypto);
  if (envelope.keyId !== expectedKeyId) {
    throw new DeployNetError('MANIFEST_UNKNOWN_KEY', `the manifest is signed by key ${envelope.keyId}, not by this site's key ${expectedKeyId}`);
  }
  const signed = utf8Encode(envelope.manifest);
  const ok = await options.crypto.verifyEd25519(publicKey, fromBase64Url(envelope.signature), signed);
  if (!ok) throw new DeployNetError('MANIFEST_SIGNATURE_INVALID', 'the manifest signature does not verify');

  let parsed: unknown;
  try {
    parsed = JSON.parse(envelope.manifest);
  } catch {
    throw new DeployNetError('MANIFEST_MALFORMED', 'the signed manifest is not JSON');
  }
  const manifest = parseManifest(parsed);
  if (manifest.keyId !== envelope.keyId) {
    throw new DeployNetError('MANIFEST_UNKNOWN_KEY', 'the manifest names a different key than its envelope');
  }
  if (Date.parse(manifest.expires) <= options.now) {
    throw new DeployNetError('MANIFEST_EXPIRED', `the manifest expired at ${manifest.expires}`, { expires: manifest.expires });
  }
  if (options.minVersion !== undefined && manifest.version < options.minVersion) {
    throw new DeployNetError('MANIFEST_ROLLBACK', `manifest version ${manifest.version} is older than version ${options.minVersion} already accepted`, {
      version: manifest.version,
      minVersion: options.minVersion,
    });
  }
  return { manifest, envelopeText };
}
