import { describe, expect, it } from 'vitest';
import { isDeployNetError } from '../core/errors.js';
import { originAllowed, parseAllowedOrigin, parseAllowedOrigins } from './origin-policy.js';

function refused(value: unknown): boolean {
  try {
    parseAllowedOrigins(value);
  } catch (e) {
    return isDeployNetError(e, 'BAD_CONFIG');
  }
  return false;
}

describe('origin policy', () => {
  it('normalises configured origins the way browsers send them', () => {
    expect(parseAllowedOrigin('https://Example.COM')).toBe('https://example.com');
    expect(parseAllowedOrigin('https://example.com/')).toBe('https://example.com');
    expect(parseAllowedOrigin('https://example.com:443')).toBe('https://example.com');
    expect(parseAllowedOrigin('http://localhost:8080')).toBe('http://localhost:8080');
    expect(parseAllowedOrigin('http://[::1]:8080')).toBe('http://[::1]:8080');
    expect(parseAllowedOrigins(['https://a.example', 'https://a.example/', 'https://b.example'])).toEqual(['https://a.example', 'https://b.example']);
    expect(parseAllowedOrigins('*')).toBe('*');
  });

  it.each([
    ['a path', ['https://example.com/app']],
    ['a query', ['https://example.com?x=1']],
    ['no scheme', ['example.com']],
    ['another scheme', ['ftp://example.com']],
    ['user info', ['https://user@example.com']],
    ['the null origin', ['null']],
    ['an empty list', []],
    ['a string other than *', 'https://example.com'],
    ['a number', [42]],
  ])('refuses %s with BAD_CONFIG', (_name, value) => {
    expect(refused(value)).toBe(true);
  });

  it('allows every origin with *, and only listed ones with a list', () => {
    expect(originAllowed('*', undefined)).toBe(true);
    expect(originAllowed('*', 'https://anything.example')).toBe(true);
    const list = ['https://a.example'];
    expect(originAllowed(list, 'https://a.example')).toBe(true);
    expect(originAllowed(list, 'https://b.example')).toBe(false);
    expect(originAllowed(list, 'https://a.example.evil.example')).toBe(false);
    expect(originAllowed(list, 'null')).toBe(false);
    expect(originAllowed(list, undefined)).toBe(false);
  });
});
