import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { joinParts, partsHasher, partsLength, transferList } from './byte-parts.js';
import type { CryptoProvider } from './crypto-provider.js';
import { toHex } from './encoding.js';
import { webCrypto } from './web-crypto.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

/** A CryptoProvider that reads its input only after a delay (as no real digest does): pooling must not rely on an early copy. */
function lateReader(delayMs: number): CryptoProvider & { calls: number } {
  const provider = {
    calls: 0,
    async sha256(data: Uint8Array) {
      provider.calls++;
      await new Promise((r) => setTimeout(r, delayMs));
      return new Uint8Array(createHash('sha256').update(data).digest());
    },
    verifyEd25519: async () => false,
  };
  return provider;
}

describe('ByteParts', () => {
  it('joins pieces in order; a single piece is returned as it is (no copy)', () => {
    const a = bytes(5, 1);
    const b = bytes(3, 2);
    expect([...joinParts([a, b])]).toEqual([...a, ...b]);
    expect(joinParts([a])).toBe(a);
    expect(joinParts([])).toHaveLength(0);
    expect(partsLength([a, b, new Uint8Array(0)])).toBe(8);
  });

  it('lists each piece\'s buffer once for a transfer, and refuses shared memory', () => {
    const frame = new Uint8Array(20);
    const other = new Uint8Array(8);
    expect(transferList([frame.subarray(10), frame.subarray(2, 4), other])).toEqual([frame.buffer, other.buffer]);
    expect(transferList([new Uint8Array(new SharedArrayBuffer(4))])).toBeNull();
  });
});

describe('partsHasher', () => {
  it('gives the SHA-256 of the joined bytes, for one piece or many (real WebCrypto)', async () => {
    const hash = partsHasher(webCrypto(globalThis.crypto.subtle));
    const whole = bytes(70_000, 3);
    const pieces = [whole.subarray(0, 1), whole.subarray(1, 65_537), whole.subarray(65_537)];
    expect(toHex(await hash(pieces))).toBe(sha(whole));
    expect(toHex(await hash([whole]))).toBe(sha(whole));
    expect(toHex(await hash([]))).toBe(sha(new Uint8Array(0)));
  });

  it('never lends a scratch buffer to two hashes at once, however late the digest reads it', async () => {
    const crypto = lateReader(5);
    const hash = partsHasher(crypto);
    const inputs = Array.from({ length: 6 }, (_, i) => [bytes(1000 + i, i), bytes(500, 10 + i)]);
    const got = await Promise.all(inputs.map((parts) => hash(parts)));
    expect(got.map(toHex)).toEqual(inputs.map((parts) => sha(joinParts(parts))));
    // Then a kept buffer is reused, for a smaller input too.
    expect(toHex(await hash([bytes(10, 1), bytes(10, 2)]))).toBe(sha(joinParts([bytes(10, 1), bytes(10, 2)])));
    expect(crypto.calls).toBe(7);
  });
});
