import { describe, expect, it } from 'vitest';
import { MessageBudget, routeSignal, type SignalRoute } from './signal-relay.js';

describe('routeSignal: what a visitor (bob) does with a SIGNAL that came in on its link to `sender`', () => {
  it.each<[string, string, string, SignalRoute]>([
    // from, to, sender
    ['alice', 'bob', 'alice', 'deliver'], // straight from a linked peer
    ['alice', 'bob', 'carol', 'deliver'], // relayed by carol, who vouches that alice sent it
    ['bob', 'bob', 'alice', 'drop'], // "from myself": nonsense
    ['alice', 'carol', 'alice', 'forward'], // alice asks bob to relay to carol
    ['alice', 'alice', 'alice', 'drop'], // relay back to the sender itself
    ['dave', 'carol', 'alice', 'forged'], // alice speaks for dave: never relayed (one hop only)
    ['bob', 'carol', 'alice', 'forged'], // alice speaks for bob himself
  ])('from %s to %s, arriving from %s: %s', (from, to, sender, route) => {
    expect(routeSignal({ from, to }, sender, 'bob')).toBe(route);
  });
});

describe('MessageBudget', () => {
  it('allows a burst, then refills at the rate, never above the burst', () => {
    let now = 0;
    const budget = new MessageBudget(3, 2, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
    now += 499;
    expect(budget.take()).toBe(false);
    now += 1;
    expect([budget.take(), budget.take()]).toEqual([true, false]);
    now += 60_000;
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
  });

  it('ignores a clock that goes backwards', () => {
    let now = 1000;
    const budget = new MessageBudget(1, 1, () => now);
    expect(budget.take()).toBe(true);
    now = 0;
    expect(budget.take()).toBe(false);
    now = 1999;
    expect(budget.take()).toBe(false);
    now = 2000;
    expect(budget.take()).toBe(true);
  });
});
