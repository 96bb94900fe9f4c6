import { describe, expect, it } from 'vitest';
import type { Manifest } from '../core/index.js';
import { REJOIN_INTERVAL_MS, grewSignificantly, heldShare, rejoinDelayMs } from './swarm-client.js';

function manifestOf(sizes: Record<string, number>): Pick<Manifest, 'files'> {
  return { files: Object.fromEntries(Object.entries(sizes).map(([path, size]) => [path, { size, sha256: 'a'.repeat(64), type: 'application/octet-stream' }])) };
}

describe('heldShare', () => {
  // Sorted paths: /a (100), /b (300), /c (600).
  const manifest = manifestOf({ '/c': 600, '/a': 100, '/b': 300 });

  it('is the fraction of bytes in the files held, by sorted path index', () => {
    expect(heldShare(manifest, [])).toBe(0);
    expect(heldShare(manifest, [0])).toBe(0.1);
    expect(heldShare(manifest, [1])).toBe(0.3);
    expect(heldShare(manifest, [2])).toBe(0.6);
    expect(heldShare(manifest, [0, 1])).toBe(0.4);
    expect(heldShare(manifest, [2, 0, 1])).toBe(1);
  });

  it('rounds down to thousandths and says 1 only for everything', () => {
    const big = manifestOf({ '/big': 999_999, '/tiny': 1 });
    expect(heldShare(big, [0])).toBe(0.999);
    expect(heldShare(big, [1])).toBe(0);
    expect(heldShare(big, [0, 1])).toBe(1);
  });

  it('ignores indices out of range and duplicates; empty sites', () => {
    expect(heldShare(manifest, [0, 0, 7, -1])).toBe(0.1);
    expect(heldShare(manifestOf({}), [])).toBe(1);
    expect(heldShare(manifestOf({ '/empty': 0, '/also': 0 }), [0])).toBe(0);
    expect(heldShare(manifestOf({ '/empty': 0, '/also': 0 }), [0, 1])).toBe(1);
  });
});

describe('rejoining when holdings grow', () => {
  it('is worth it from nothing to something, to everything, or by a quarter of the site', () => {
    expect(grewSignificantly(0, 0.001)).toBe(true);
    expect(grewSignificantly(0.9, 1)).toBe(true);
    expect(grewSignificantly(0.1, 0.35)).toBe(true);
    expect(grewSignificantly(0.1, 0.34)).toBe(false);
    expect(grewSignificantly(0.5, 0.5)).toBe(false);
    expect(grewSignificantly(0.5, 0.2)).toBe(false);
    expect(grewSignificantly(0, 0)).toBe(false);
    expect(grewSignificantly(1, 1)).toBe(false);
  });

  it('happens at most once a minute after the last join', () => {
    const t = 1_000_000;
    expect(rejoinDelayMs(0, 0.5, t, t + REJOIN_INTERVAL_MS)).toBe(0);
    expect(rejoinDelayMs(0, 0.5, t, t + REJOIN_INTERVAL_MS + 5)).toBe(0);
    expect(rejoinDelayMs(0, 0.5, t, t + 1000)).toBe(REJOIN_INTERVAL_MS - 1000);
    expect(rejoinDelayMs(0, 0.5, t, t)).toBe(REJOIN_INTERVAL_MS);
    expect(rejoinDelayMs(0.4, 0.5, t, t + REJOIN_INTERVAL_MS)).toBeNull();
  });
});
