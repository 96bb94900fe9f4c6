import { describe, expect, it } from 'vitest';
import { DeployNetError } from '../core/errors.js';
import type { ManifestFile } from '../core/manifest.js';
import { applyHeaderRules, headerRulesOption, parseHeaderRules, patternMatches, urlPathsOf } from './header-rules.js';

const file = (type: string): ManifestFile => ({ size: 1, type, sha256: '0'.repeat(64) });
const files: Record<string, ManifestFile> = {
  '/index.html': file('text/html'),
  '/blog/index.html': file('text/html'),
  '/blog/post.html': file('text/html'),
  '/css/site.css': file('text/css'),
};

function refusal(run: () => unknown): DeployNetError {
  try {
    run();
  } catch (err) {
    if (err instanceof DeployNetError) return err;
    throw err;
  }
  throw new Error('expected a DeployNetError');
}

describe('patternMatches and urlPathsOf', () => {
  it('matches exact paths and * splats (any characters, / included)', () => {
    expect(patternMatches('/a.html', '/a.html')).toBe(true);
    expect(patternMatches('/a.html', '/b.html')).toBe(false);
    expect(patternMatches('/*', '/')).toBe(true);
    expect(patternMatches('/*', '/deep/er/x.js')).toBe(true);
    expect(patternMatches('/blog/*', '/blog/2025/a.html')).toBe(true);
    expect(patternMatches('/blog/*', '/blogs/a.html')).toBe(false);
    expect(patternMatches('/*.html', '/x/y.html')).toBe(true);
    expect(patternMatches('/*.html', '/x/yhtml')).toBe(false); // the dot is literal
    expect(patternMatches('/a+b(c)', '/a+b(c)')).toBe(true);
  });

  it('reaches an index.html file at its folder too', () => {
    expect(urlPathsOf('/index.html')).toEqual(['/index.html', '/']);
    expect(urlPathsOf('/blog/index.html')).toEqual(['/blog/index.html', '/blog/', '/blog']);
    expect(urlPathsOf('/a.html')).toEqual(['/a.html']);
  });
});

describe('parseHeaderRules (the headers option)', () => {
  it('takes an object of patterns, header names in any case', () => {
    const rules = parseHeaderRules({ '/*': { 'X-Frame-Options': 'DENY' }, '/blog/*': { 'Referrer-Policy': 'no-referrer' } });
    expect(rules).toEqual([
      { pattern: '/*', headers: { 'x-frame-options': 'DENY' }, where: 'headers["/*"]' },
      { pattern: '/blog/*', headers: { 'referrer-policy': 'no-referrer' }, where: 'headers["/blog/*"]' },
    ]);
    expect(headerRulesOption(rules)).toEqual({ '/*': { 'x-frame-options': 'DENY' }, '/blog/*': { 'referrer-policy': 'no-referrer' } });
    expect(parseHeaderRules(undefined)).toEqual([]);
  });

  it.each([
    ['not an object', ['/*'], 'headers must be an object mapping path patterns to header objects'],
    ['a header outside the allow-list', { '/*': { Link: '</a.css>; rel=preload' } }, 'headers["/*"]: "Link" is not a header DeployNet can sign'],
    ['a CR/LF in a value', { '/*': { 'X-Frame-Options': 'DENY\r\nX-Evil: 1' } }, 'headers["/*"].X-Frame-Options must be a header value'],
    ['a pattern without /', { '*.html': { 'X-Frame-Options': 'DENY' } }, 'must start with /'],
    ['an empty header object', { '/*': {} }, 'at least one header'],
    ['too many splats', { '/*a*b*c*d*': { 'X-Frame-Options': 'DENY' } }, 'has more than 4 * splats'],
  ])('refuses %s, naming it', (_, value, message) => {
    const err = refusal(() => parseHeaderRules(value));
    expect(err.code).toBe('BAD_CONFIG');
    expect(err.message).toContain(message);
  });
});

describe('applyHeaderRules', () => {
  it('gives each file the merge of every rule that matches it, each distinct set once', () => {
    const rules = parseHeaderRules({
      '/*': { 'X-Frame-Options': 'DENY' },
      '/*.html': { 'Content-Security-Policy': "script-src 'self'" },
      '/blog/': { 'Referrer-Policy': 'no-referrer' },
    });
    const table = applyHeaderRules(rules, files);
    expect(table.headers).toEqual([
      { 'content-security-policy': "script-src 'self'", 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' },
      { 'content-security-policy': "script-src 'self'", 'x-frame-options': 'DENY' },
      { 'x-frame-options': 'DENY' },
    ]);
    expect(table.files['/blog/index.html']!.headers).toBe(0);
    expect(table.files['/blog/post.html']!.headers).toBe(1);
    expect(table.files['/index.html']!.headers).toBe(1);
    expect(table.files['/css/site.css']!.headers).toBe(2);
  });

  it('leaves files no rule matches, and everything without rules, unchanged', () => {
    const table = applyHeaderRules(parseHeaderRules({ '/css/*': { 'X-Content-Type-Options': 'nosniff' } }), files);
    expect(table.files['/index.html']).toEqual(files['/index.html']);
    expect(table.files['/index.html']).not.toHaveProperty('headers');
    expect(applyHeaderRules([], files)).toEqual({ headers: [], files });
  });

  it('refuses a joined value that outgrows the limit, naming the file', () => {
    const long = `script-src ${'a'.repeat(5000)}`;
    const err = refusal(() => applyHeaderRules(parseHeaderRules({ '/*': { 'Content-Security-Policy': long }, '/index.html': { 'Content-Security-Policy': long } }), files));
    expect(err.message).toContain('the content-security-policy header of /index.html');
  });
});
