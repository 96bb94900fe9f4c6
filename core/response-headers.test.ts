import { describe, expect, it } from 'vitest';
import { DeployNetError } from './errors.js';
import {
  MAX_HEADER_VALUE,
  RESPONSE_HEADER_NAMES,
  allowedHeadersText,
  checkHeaderName,
  checkHeaderValue,
  headerEntries,
  mergeHeaderSets,
  parseHeaderSet,
} from './response-headers.js';

function thrown(run: () => unknown): DeployNetError {
  try {
    run();
  } catch (err) {
    if (err instanceof DeployNetError) return err;
    throw err;
  }
  throw new Error('expected a DeployNetError');
}

describe('the allow-list', () => {
  it('holds the security headers and none of the caching or linking ones', () => {
    for (const name of ['content-security-policy', 'x-frame-options', 'cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy', 'permissions-policy', 'referrer-policy', 'x-content-type-options']) {
      expect(RESPONSE_HEADER_NAMES).toContain(name);
    }
    for (const name of ['cache-control', 'link', 'content-language', 'set-cookie', 'strict-transport-security', 'access-control-allow-origin', 'content-type']) {
      expect(RESPONSE_HEADER_NAMES).not.toContain(name);
    }
    expect(allowedHeadersText()).toContain('Content-Security-Policy, Content-Security-Policy-Report-Only');
  });

  it('accepts an allowed name in any case and refuses others, naming the header', () => {
    expect(checkHeaderName('X-Frame-Options', 'f', 'BAD_CONFIG')).toBe('x-frame-options');
    const err = thrown(() => checkHeaderName('Cache-Control', '_headers line 3', 'BAD_CONFIG'));
    expect(err.code).toBe('BAD_CONFIG');
    expect(err.message).toMatch(/^_headers line 3: "Cache-Control" is not a header DeployNet can sign; the allowed headers are /);
  });
});

describe('checkHeaderValue', () => {
  it('accepts a CSP with quotes, semicolons and spaces', () => {
    const csp = "default-src 'self'; script-src 'self' 'sha256-abc='; frame-ancestors 'none'";
    expect(checkHeaderValue(csp, 'v', 'MANIFEST_MALFORMED')).toBe(csp);
  });

  it.each([
    ['a CR/LF (header injection)', 'DENY\r\nSet-Cookie: a=b'],
    ['a lone LF', 'DENY\nX: y'],
    ['a NUL', 'DE\u0000NY'],
    ['a tab', 'DE\tNY'],
    ['non-ASCII', 'DENŸ'],
    ['an empty value', ''],
    ['leading space', ' DENY'],
    ['trailing space', 'DENY '],
    ['an over-long value', 'a'.repeat(MAX_HEADER_VALUE + 1)],
    ['a number', 5],
  ])('refuses %s', (_, value) => {
    expect(thrown(() => checkHeaderValue(value, 'manifest.headers[0].x-frame-options', 'MANIFEST_MALFORMED')).code).toBe('MANIFEST_MALFORMED');
  });
});

describe('parseHeaderSet', () => {
  it('strict (the manifest): lowercase names only, at least one', () => {
    expect(parseHeaderSet({ 'x-frame-options': 'DENY' }, 's', 'MANIFEST_MALFORMED')).toEqual({ 'x-frame-options': 'DENY' });
    for (const bad of [{ 'X-Frame-Options': 'DENY' }, {}, { 'cache-control': 'no-store' }, { 'x-frame-options': 1 }, [], 'DENY', null]) {
      expect(thrown(() => parseHeaderSet(bad, 's', 'MANIFEST_MALFORMED')).code).toBe('MANIFEST_MALFORMED');
    }
  });

  it('loose (build input): any case, lowercased; the same name twice is refused', () => {
    expect(parseHeaderSet({ 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' }, 's', 'BAD_CONFIG', false)).toEqual({
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    expect(thrown(() => parseHeaderSet({ 'X-Frame-Options': 'DENY', 'x-frame-options': 'SAMEORIGIN' }, 's', 'BAD_CONFIG', false)).message).toContain('given only once');
  });
});

describe('mergeHeaderSets and headerEntries', () => {
  it('joins a header set twice with ", " in order, and sorts names', () => {
    const merged = mergeHeaderSets([{ 'x-frame-options': 'DENY', 'content-security-policy': "script-src 'self'" }, { 'content-security-policy': "img-src 'self'" }]);
    expect(merged).toEqual({ 'content-security-policy': "script-src 'self', img-src 'self'", 'x-frame-options': 'DENY' });
    expect(Object.keys(merged)).toEqual(['content-security-policy', 'x-frame-options']);
    expect(headerEntries(merged)).toEqual([
      ['content-security-policy', "script-src 'self', img-src 'self'"],
      ['x-frame-options', 'DENY'],
    ]);
  });
});
