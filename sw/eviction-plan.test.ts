import { describe, expect, it } from 'vitest';
import { planEviction, type CachedEntry } from './eviction-plan.js';

const e = (sha256: string, size: number, lastUsed: number | undefined, listed = true): CachedEntry => ({ sha256, size, lastUsed, listed });

describe('planEviction', () => {
  it('drops unlisted content first, then the least recently used, until enough is freed', () => {
    const entries = [e('new', 100, 50), e('old', 100, 10), e('stale', 30, 99, false), e('unknown', 100, undefined), e('mid', 100, 20)];
    expect(planEviction(entries, 120, 'x')).toEqual(['stale', 'unknown']);
    expect(planEviction(entries, 131, 'x')).toEqual(['stale', 'unknown', 'old']);
  });

  it('never drops the file being stored, and stops at what exists', () => {
    const entries = [e('a', 10, 1), e('b', 10, 2)];
    expect(planEviction(entries, 1000, 'a')).toEqual(['b']);
    expect(planEviction(entries, 0, 'x')).toEqual([]);
  });
});
