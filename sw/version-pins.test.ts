import { describe, expect, it } from 'vitest';
import { MemoryPinStore, VersionPins, parsePins } from './version-pins.js';

describe('VersionPins', () => {
  it('pins pages to versions, persists them, and forgets pages that are gone', async () => {
    const store = new MemoryPinStore();
    const pins = new VersionPins(store);
    await pins.pin('page-a', 5);
    await pins.pin('page-b', 6);
    expect(pins.versionOf('page-a')).toBe(5);
    expect(pins.versionOf(undefined)).toBeUndefined();
    expect(pins.versionOf('unknown')).toBeUndefined();

    const restarted = new VersionPins(store); // a SW started again
    await restarted.ready();
    expect(restarted.versionOf('page-b')).toBe(6);
    expect([...(await restarted.prune(new Set(['page-b', 'page-c'])))]).toEqual([6]);
    expect(restarted.versionOf('page-a')).toBeUndefined();
    expect(store.stored).toEqual({ 'page-b': 6 });
  });

  it('drops malformed stored pins instead of trusting them', () => {
    expect(parsePins({ a: 3, b: 'x', c: -1, d: 2.5 })).toEqual({ a: 3 });
    expect(parsePins('junk')).toEqual({});
    expect(parsePins(undefined)).toEqual({});
  });
});
