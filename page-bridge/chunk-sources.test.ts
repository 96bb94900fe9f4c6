/** Where a chunk can come from, and the rendezvous share of the origin (chunk-sources.ts). */
import { describe, expect, it } from 'vitest';
import { rendezvousOwner } from '../core/index.js';
import { ORIGIN_WINDOW, originShare, originWindow, sourcesFor, type FileHoldings } from './chunk-sources.js';
import type { Held } from './holdings.js';

const SHA = 'e'.repeat(64);
const links = ['holder', 'lacker', 'silent'].map((peerId) => ({ peerId }));

function holdings(table: Record<string, (index: number) => Held>): FileHoldings {
  return {
    holds: (peerId, index) => table[peerId]?.(index) ?? 'unknown',
    downloaders: () => [],
    self: () => 'me',
    onChange: () => () => undefined,
  };
}

describe('sourcesFor', () => {
  const h = holdings({ holder: (i) => (i < 5 ? 'yes' : 'no'), lacker: () => 'no' });
  const none = () => false;

  it('asks only links that announced the chunk', () => {
    expect(sourcesFor(links, 2, h, none).map((l) => l.peerId)).toEqual(['holder']);
  });

  it('falls back to links that announced nothing; never to one that announced it lacks the chunk', () => {
    expect(sourcesFor(links, 7, h, none).map((l) => l.peerId)).toEqual(['silent']);
  });

  it('leaves out a link that said NotFound for this chunk, and without holdings asks every link', () => {
    expect(sourcesFor(links, 2, h, (peerId, i) => peerId === 'holder' && i === 2).map((l) => l.peerId)).toEqual(['silent']);
    expect(sourcesFor(links, 2, undefined, none)).toEqual(links);
  });
});

describe('originShare', () => {
  const unheld = Array.from({ length: 64 }, (_, i) => i);

  it('alone, this visitor owns every chunk: the lowest ones, as many as there is room for', () => {
    expect(originShare(SHA, unheld, 'me', [], 3)).toEqual([0, 1, 2]);
    expect(originShare(SHA, unheld, null, [], 2)).toEqual([0, 1]);
    expect(originShare(SHA, unheld, 'me', [], 0)).toEqual([]);
  });

  it('with other downloaders, each visitor takes only the chunks it owns, and together they take each chunk once', () => {
    const members = ['me', 'p', 'q'];
    const shares = members.map((self) => originShare(SHA, unheld, self, members.filter((m) => m !== self), 64));
    for (const [k, self] of members.entries()) {
      expect(shares[k]!.every((i) => rendezvousOwner(`${SHA}:${i}`, members) === self)).toBe(true);
      expect(shares[k]!.length).toBeGreaterThan(0);
    }
    expect(shares.flat().sort((a, b) => a - b)).toEqual(unheld);
  });
});

describe('originWindow', () => {
  it('opens one chunk per arrival, up to ORIGIN_WINDOW', () => {
    expect([0, 1, 2, 3, 10].map(originWindow)).toEqual([1, 2, 3, ORIGIN_WINDOW, ORIGIN_WINDOW]);
  });
});
