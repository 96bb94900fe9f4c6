import { describe, expect, it } from 'vitest';
import { rendezvousOwner, rendezvousWeight } from './rendezvous.js';

const keys = Array.from({ length: 2000 }, (_, i) => `sha-${i.toString(16).padStart(8, '0')}`);

describe('rendezvous hashing', () => {
  it('is deterministic, and every member computes the same owner', () => {
    const members = ['peer-a', 'peer-b', 'peer-c'];
    for (const key of keys.slice(0, 50)) {
      expect(rendezvousOwner(key, members)).toBe(rendezvousOwner(key, [...members].reverse()));
      expect(rendezvousWeight(key, 'peer-a')).toBe(rendezvousWeight(key, 'peer-a'));
    }
  });

  it('spreads keys evenly over the members', () => {
    const members = ['a1', 'b2', 'c3', 'd4'];
    const counts = new Map<string, number>();
    for (const key of keys) {
      const owner = rendezvousOwner(key, members)!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(members);
    for (const n of counts.values()) expect(n).toBeGreaterThan(400); // 500 each if perfectly even
  });

  it('when a member leaves, only its keys move', () => {
    const before = ['a', 'b', 'c', 'd', 'e'];
    const after = before.filter((m) => m !== 'c');
    let moved = 0;
    for (const key of keys) {
      const was = rendezvousOwner(key, before)!;
      const now = rendezvousOwner(key, after)!;
      if (was !== 'c') expect(now).toBe(was);
      else moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('has no owner without members, and one member owns everything', () => {
    expect(rendezvousOwner('k', [])).toBeUndefined();
    expect(keys.every((k) => rendezvousOwner(k, ['solo']) === 'solo')).toBe(true);
  });
});
