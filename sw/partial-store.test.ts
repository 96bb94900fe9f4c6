import { describe, expect, it } from 'vitest';
import { MemoryPartialStore, parsePartialKey, readStoredChunk } from './partial-store.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('parsePartialKey / readStoredChunk (what comes back from storage)', () => {
  it('accepts [sha256 hex, chunk index] and nothing else', () => {
    expect(parsePartialKey([A, 3])).toEqual({ sha256: A, index: 3 });
    for (const bad of [A, [A], [A, -1], [A, 1.5], [A, '3'], ['A'.repeat(64), 0], ['a'.repeat(63), 0], [A, 0, 1], null]) {
      expect(parsePartialKey(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('reads a Blob (as chunks are stored) and nothing else, an earlier version\'s ArrayBuffer included', async () => {
    expect(await readStoredChunk(new Blob([new Uint8Array([5, 6]), new Uint8Array([7])]))).toEqual(new Uint8Array([5, 6, 7]));
    for (const bad of [new Uint8Array([1, 2, 3]).buffer, new Uint8Array(2), 'abc', 3, null, undefined, { byteLength: 3 }, [1, 2, 3]]) expect(await readStoredChunk(bad)).toBeNull();
  });
});

describe('MemoryPartialStore', () => {
  it('loads copies of what was put, by file; drops a file; retains only listed files', async () => {
    const store = new MemoryPartialStore();
    const bytes = new Uint8Array([9, 8, 7]);
    await store.put(A, 1, [bytes.subarray(0, 1), bytes.subarray(1)]);
    bytes[0] = 0; // the store kept its own copy
    await store.put(A, 0, [new Uint8Array([1])]);
    await store.put(B, 0, [new Uint8Array([2])]);
    expect(await store.load(A)).toEqual(new Map([[0, new Uint8Array([1])], [1, new Uint8Array([9, 8, 7])]]));
    await store.drop(A);
    expect(store.chunks(A)).toEqual([]);
    await store.put(A, 4, [new Uint8Array(1)]);
    expect(await store.retainOnly(new Set([B]))).toBe(1);
    expect([store.chunks(A), store.chunks(B)]).toEqual([[], [0]]);
  });
});
