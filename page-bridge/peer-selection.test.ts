/** selectPeers: whom to dial from a swarm join answer, and which link may make way. */
import { describe, expect, it } from 'vitest';
import { MIN_LINK_AGE_MS, selectPeers, type LinkStanding } from './peer-selection.js';

const NOW = 1_000_000;
const old = NOW - MIN_LINK_AGE_MS;
const link = (peerId: string, useful: number, linkedAt = old, failing = false): LinkStanding => ({ peerId, useful, failing, linkedAt });
const never = () => false;

describe('selectPeers', () => {
  it('with room, dials candidates in the given order, not those already linked, those seen failing last', () => {
    const got = selectPeers({ linked: [link('a', 3)], candidates: ['bad', 'a', 'b', 'c', 'b'], cap: 3, failing: (p) => p === 'bad', now: NOW });
    expect(got).toEqual({ dial: ['b', 'c'], drop: null });
    expect(selectPeers({ linked: [], candidates: ['bad', 'x'], cap: 5, failing: (p) => p === 'bad', now: NOW }).dial).toEqual(['x', 'bad']);
  });

  it('at capacity, the oldest link that holds nothing this visitor lacks makes way for the best candidate', () => {
    const linked = [link('useful', 5), link('idle-new', 0, old + 10), link('idle-old', 0)];
    expect(selectPeers({ linked, candidates: ['x', 'y'], cap: 3, failing: never, now: NOW })).toEqual({ dial: ['x'], drop: 'idle-old' });
  });

  it('a failing useless link goes before an older healthy one', () => {
    const linked = [link('idle', 0, old - 5000), link('failing', 0, old, true)];
    expect(selectPeers({ linked, candidates: ['x'], cap: 2, failing: never, now: NOW }).drop).toBe('failing');
  });

  it('keeps useful links and links younger than MIN_LINK_AGE_MS, and drops nothing for a failing candidate or none', () => {
    const none = { dial: [], drop: null };
    expect(selectPeers({ linked: [link('u', 1), link('young', 0, old + 1)], candidates: ['x'], cap: 2, failing: never, now: NOW })).toEqual(none);
    expect(selectPeers({ linked: [link('idle', 0)], candidates: ['bad'], cap: 1, failing: (p) => p === 'bad', now: NOW })).toEqual(none);
    expect(selectPeers({ linked: [link('idle', 0)], candidates: ['idle'], cap: 1, failing: never, now: NOW })).toEqual(none);
  });
});
