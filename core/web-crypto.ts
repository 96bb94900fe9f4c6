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
