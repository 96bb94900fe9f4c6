import { describe, expect, it } from 'vitest';
import { secretEqual, secretIn } from './secret-equal.js';

describe('secretEqual / secretIn', () => {
  it('is exact equality', () => {
    expect(secretEqual('abc', 'abc')).toBe(true);
    expect(secretEqual('abc', 'abd')).toBe(false);
    expect(secretEqual('abc', 'abcd')).toBe(false);
    expect(secretEqual('', '')).toBe(true);
    expect(secretEqual('é', 'e')).toBe(false);
  });

  it('finds a secret in a list, and nothing in an empty one', () => {
    expect(secretIn(['one', 'two'], 'two')).toBe(true);
    expect(secretIn(['one', 'two'], 'three')).toBe(false);
    expect(secretIn([], 'one')).toBe(false);
  });
});
