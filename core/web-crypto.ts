/**
 * CryptoProvider over WebCrypto. The SubtleCrypto object is passed in (core reads no globals):
 * the SW passes `self.crypto.subtle`, the page `window.crypto.subtle`, Node `globalThis.crypto.subtle`.
 * The structural type below is the slice of SubtleCrypto used here.
 */
import type { CryptoProvider } from './crypto-provider.js';

type Bytes = Uint8Array<ArrayBuffer>;

export interface SubtleLike {
  digest(algorithm: 'SHA-256', data: Bytes): Promise<ArrayBuffer>;
  importKey(format: 'raw', keyData: Bytes, algorithm: { name: 'Ed25519' }, extractable: false, usages: ['verify']): Promise<unknown>;
  verify(algorithm: { name: 'Ed25519' }, key: never, signature: Bytes, data: Bytes): Promise<boolean>;
}

/** Copies into a fresh ArrayBuffer-backed array: WebCrypto rejects SharedArrayBuffer views. */
function own(data: Uint8Array): Bytes {
  return new Uint8Array(data);
}

export function webCrypto(subtle: SubtleLike): CryptoProvider {
  const keys = new Map<string, Promise<unknown>>();
  return {
    async sha256(data) {
      const buffer = data.buffer instanceof ArrayBuffer ? (data as Bytes) : own(data);
      return new Uint8Array(await subtle.digest('SHA-256', buffer));
    },
    async verifyEd25519(publicKey, signature, data) {
      const id = publicKey.join(',');
      let key = keys.get(id);
      if (!key) {
        key = subtle.importKey('raw', own(publicKey), { name: 'Ed25519' }, false, ['verify']);
        keys.set(id, key);
      }
      try {
        return await subtle.verify({ name: 'Ed25519' }, (await key) as never, own(signature), own(data));
      } catch {
        return false;
      }
    },
  };
}

/** RFC 8032's first test vector's public key: a valid Ed25519 point to try an import with. */
const PROBE_PUBLIC_KEY = /* @__PURE__ */ new Uint8Array([
  0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
]);

/**
 * Whether this WebCrypto verifies Ed25519 (Chrome 137, Firefox 129, Safari 17 and later). Without
 * it no manifest can ever be verified, so the page script does not install the service worker at
 * all (no first-visit reload for nothing) and the site loads from the origin as if DeployNet were
 * not there.
 */
export async function supportsEd25519(subtle: Pick<SubtleLike, 'importKey'> | undefined): Promise<boolean> {
  if (!subtle) return false;
  try {
    await subtle.importKey('raw', new Uint8Array(PROBE_PUBLIC_KEY), { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}
