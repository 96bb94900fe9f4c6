import { describe, expect, it } from 'vitest';
import { isDeployNetError } from '../core/index.js';
import { MemoryTrustStore, parseTrustRecord, type TrustRecord } from './trust-store.js';

const good: TrustRecord = { highestVersion: 5, envelope: '{"format":"deploynet-signed/1"}', keyId: '0123456789abcdef', acceptedAt: 1_900_000_000_000 };

describe('parseTrustRecord', () => {
  it('returns a valid record as a fresh object without extra fields', () => {
    expect(parseTrustRecord({ ...good, extra: 'x' })).toEqual(good);
  });

  const bad: Array<[string, unknown]> = [
    ['not an object', 'v5'],
    ['null', null],
    ['an array', [good]],
    ['a version of 0', { ...good, highestVersion: 0 }],
    ['a fractional version', { ...good, highestVersion: 5.5 }],
    ['a version as text', { ...good, highestVersion: '5' }],
    ['an envelope that is not JSON text', { ...good, envelope: 'x' }],
    ['a missing envelope', { ...good, envelope: undefined }],
    ['a bad key id', { ...good, keyId: 'KEY' }],
    ['a negative acceptedAt', { ...good, acceptedAt: -1 }],
  ];
  for (const [name, value] of bad) {
    it(`refuses ${name} with MANIFEST_MALFORMED`, () => {
      let thrown: unknown;
      try {
        parseTrustRecord(value);
      } catch (error) {
        thrown = error;
      }
      expect(isDeployNetError(thrown, 'MANIFEST_MALFORMED')).toBe(true);
    });
  }
});

describe('MemoryTrustStore', () => {
  it('is empty at first and returns what was saved', async () => {
    const store = new MemoryTrustStore();
    expect(await store.load()).toBeUndefined();
    await store.save(good);
    expect(await store.load()).toEqual(good);
  });

  it('never lowers the floor', async () => {
    const store = new MemoryTrustStore(good);
    await expect(store.save({ ...good, highestVersion: 4 })).rejects.toMatchObject({ code: 'MANIFEST_ROLLBACK' });
    expect(await store.load()).toEqual(good);
    await store.save({ ...good, highestVersion: 5, acceptedAt: 1 });
    await store.save({ ...good, highestVersion: 6 });
    expect((await store.load())?.highestVersion).toBe(6);
  });

  it('parses what it reads back and lets a corrupt record be replaced', async () => {
    const store = new MemoryTrustStore({ highestVersion: 99 });
    await expect(store.load()).rejects.toMatchObject({ code: 'MANIFEST_MALFORMED' });
    await store.save({ ...good, highestVersion: 1 });
    expect((await store.load())?.highestVersion).toBe(1);
  });
});
