import { describe, expect, it } from 'vitest';
import { supportsEd25519, type SubtleLike } from './web-crypto.js';

describe('supportsEd25519', () => {
  it("is true with Node's WebCrypto, which verifies Ed25519", async () => {
    expect(await supportsEd25519(globalThis.crypto.subtle as unknown as SubtleLike)).toBe(true);
  });

  it('is false when the import is refused (a browser without Ed25519) or there is no WebCrypto (insecure context)', async () => {
    const refusing: Pick<SubtleLike, 'importKey'> = {
      importKey: () => Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError')),
    };
    expect(await supportsEd25519(refusing)).toBe(false);
    expect(await supportsEd25519(undefined)).toBe(false);
  });
});
