/** CryptoProvider (core/crypto-provider.ts) on node:crypto, for the CLI and the Node API. */
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { CryptoProvider } from '../core/crypto-provider.js';
import { toBase64Url } from '../core/encoding.js';

export const nodeCrypto: CryptoProvider = {
  async sha256(data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(createHash('sha256').update(data).digest());
  },

  async verifyEd25519(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) }, format: 'jwk' });
      return verify(null, data, key, signature);
    } catch {
      return false;
    }
  },
};
